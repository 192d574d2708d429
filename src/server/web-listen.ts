// The app on each --web.listen-address: plain HTTP, or HTTPS with the web configuration's TLS.
//
// HTTPS reads the configuration again for every new connection, before its handshake: the
// server is created paused on connect, and its own handshake-starting 'connection' listener
// is called only once WebConfigSource.refresh() has looked at the files (a stat of each) and,
// if they changed, the new certificate, key, CA and client policy have been set on the server.
// So the next connection after a certificate is swapped on disk gets the new one; connections
// already open keep theirs, as with exporter-toolkit.
//
// Client certificates: OpenSSL itself fails the handshake of a client without one under
// RequireAndVerifyClientCert. What Node cannot fail in the handshake (RequireAnyClientCert
// without a certificate, VerifyClientCertIfGiven with one that does not verify,
// client_allowed_sans) ends the connection right after it, before any request is read.
import * as http from 'node:http';
import * as https from 'node:https';
import type * as net from 'node:net';
import type * as tls from 'node:tls';
import type { Logger } from '../base/log';
import { subjectAltNames } from '../model/web-config';
import type { LoadedWebConfig, WebConfigSource } from './web-config';

export interface ListenAddress {
  /** undefined: every interface. */
  readonly host: string | undefined;
  readonly port: number;
}

/** ":9795", "127.0.0.1:9795", "[::1]:9795": as the flag is written. */
export function formatListenAddress(a: ListenAddress): string {
  if (a.host === undefined) return `:${a.port}`;
  return a.host.includes(':') ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`;
}

/** Longest a client may take over its TLS handshake. */
export const TLS_HANDSHAKE_TIMEOUT_MS = 10_000;

export interface Listener {
  readonly server: http.Server;
  /** The address bound, "host:port", as the "listening" log line says it. */
  readonly address: string;
  readonly tls: boolean;
}

export interface Listening {
  readonly listeners: readonly Listener[];
  /** Stops listening and ends every connection, handshakes in progress included. */
  close(): Promise<void>;
}

/** What OpenSSL's verification codes mean, said for a client certificate. */
const VERIFY_ERRORS: Record<string, string> = {
  CERT_HAS_EXPIRED: 'the client certificate has expired',
  CERT_NOT_YET_VALID: 'the client certificate is not valid yet',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'the client certificate is self-signed, not issued by a CA of the client CA file',
  SELF_SIGNED_CERT_IN_CHAIN: 'the client certificate chains to a self-signed certificate that is not in the client CA file',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'the client certificate is not issued by a CA of the client CA file',
  UNABLE_TO_GET_ISSUER_CERT: 'the client certificate is not issued by a CA of the client CA file',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'the client certificate is not issued by a CA of the client CA file',
  CERT_SIGNATURE_FAILURE: 'the client certificate signature does not verify',
  CERT_REVOKED: 'the client certificate is revoked',
  INVALID_PURPOSE: 'the client certificate is not for client authentication',
};

export function describeVerifyError(code: string | undefined): string {
  return code === undefined ? 'the client certificate did not verify' : `${VERIFY_ERRORS[code] ?? 'the client certificate did not verify'} (${code})`;
}

/** Logs a refused client at warn, at most once a minute for each reason, with how many more there were. */
export class RefusalLog {
  private readonly last = new Map<string, { at: number; suppressed: number }>();
  constructor(
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
    private readonly everyMs = 60_000,
  ) {}

  report(reason: string, remote: string | undefined): void {
    const t = this.now();
    const seen = this.last.get(reason);
    if (seen && t - seen.at < this.everyMs) {
      seen.suppressed++;
      return;
    }
    this.last.set(reason, { at: t, suppressed: 0 });
    if (this.last.size > 100) this.last.delete(this.last.keys().next().value!);
    this.logger.warn('TLS client refused', { reason, remote, similar_since_last: seen?.suppressed || undefined });
  }
}

/** Why a connection whose handshake completed must end anyway; undefined if it may go on. */
export function refusal(socket: Pick<tls.TLSSocket, 'getPeerCertificate' | 'authorized' | 'authorizationError'>, material: NonNullable<LoadedWebConfig['tls']>): string | undefined {
  const { afterHandshake } = material.settings;
  const allowed = material.allowedSans;
  if (afterHandshake === 'none' && allowed === undefined) return undefined;
  const cert = socket.getPeerCertificate();
  const given = cert !== null && cert !== undefined && Object.keys(cert).length > 0;
  if (!given) return afterHandshake === 'any' || allowed !== undefined ? `the client sent no certificate (${allowed !== undefined ? 'client_allowed_sans needs' : 'client_auth_type requires'} one)` : undefined;
  if (afterHandshake === 'if-given' && !socket.authorized) return describeVerifyError(socket.authorizationError === null ? undefined : String(socket.authorizationError));
  if (allowed !== undefined) {
    const sans = subjectAltNames(cert.subjectaltname);
    if (!sans.some((s) => allowed.includes(s))) return `the client certificate has none of client_allowed_sans (it has ${sans.length ? sans.join(', ') : 'no SAN'})`;
  }
  return undefined;
}

function tlsServer(handler: http.RequestListener, web: WebConfigSource, logger: Logger, refusals: RefusalLog): https.Server {
  let applied = web.current;
  const material = applied.tls!;
  const server = https.createServer(
    {
      ...material.contextOptions,
      requestCert: material.settings.requestCert,
      rejectUnauthorized: material.settings.rejectUnauthorized,
      pauseOnConnect: true,
      handshakeTimeout: TLS_HANDSHAKE_TIMEOUT_MS,
    },
    handler,
  );
  const own = server.listeners('connection');
  if (own.length !== 1) throw new Error(`this Node's https.Server has ${own.length} 'connection' listeners, not the one that starts TLS: cannot reload certificates per connection`);
  const startTls = own[0] as (socket: net.Socket) => void;
  server.removeListener('connection', startTls);
  /** Sets a newer configuration on the server, for the connections from now on. */
  const apply = () => {
    const current = web.current;
    if (current.generation === applied.generation || !current.tls) return;
    try {
      server.setSecureContext(current.tls.contextOptions);
      // Read by Node for each new TLS socket (tls.Server's connection listener).
      const policy = server as unknown as { requestCert: boolean; rejectUnauthorized: boolean };
      policy.requestCert = current.tls.settings.requestCert;
      policy.rejectUnauthorized = current.tls.settings.rejectUnauthorized;
      applied = current;
    } catch (err) {
      logger.error('the reloaded TLS settings could not be applied; the previous ones stay in force', { err });
    }
  };
  server.on('connection', (socket: net.Socket) => {
    web
      .refresh()
      .then(() => {
        apply();
        if (!socket.destroyed) startTls.call(server, socket);
      })
      .catch((err: unknown) => {
        // Nothing here should throw; if it does, this one connection ends, not the process.
        logger.error('starting TLS on a new connection failed; connection closed', { remote: socket.remoteAddress, err });
        socket.destroy();
      });
  });
  server.prependListener('secureConnection', (socket: tls.TLSSocket) => {
    const why = refusal(socket, applied.tls!);
    if (why) {
      refusals.report(why, socket.remoteAddress);
      socket.destroy();
    }
  });
  server.on('tlsClientError', (err: NodeJS.ErrnoException, socket: tls.TLSSocket) => {
    if (socket.authorizationError) refusals.report(describeVerifyError(String(socket.authorizationError)), socket.remoteAddress);
    else if (err.code === 'ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE') refusals.report('the client sent no certificate (client_auth_type RequireAndVerifyClientCert requires one)', socket.remoteAddress);
    else logger.debug('TLS handshake failed', { remote: socket.remoteAddress, err });
  });
  return server;
}

/**
 * Listens on every address (HTTPS when the web configuration has TLS); rejects, having closed
 * what it had opened, if any address cannot be listened on.
 */
export async function listenAll(handler: http.RequestListener, addresses: readonly ListenAddress[], web: WebConfigSource | undefined, logger: Logger): Promise<Listening> {
  const useTls = web?.current.tls !== undefined;
  const refusals = new RefusalLog(logger);
  const sockets = new Set<net.Socket>();
  const listeners: Listener[] = [];
  const close = async () => {
    await Promise.all(
      listeners.map(
        (l) =>
          new Promise<void>((done) => {
            l.server.close(() => done());
            l.server.closeAllConnections();
          }),
      ),
    );
  };
  const closeAll = async () => {
    const closing = close();
    // Connections not yet HTTP ones (a TLS handshake in progress, a socket waiting for the
    // configuration check) are not among closeAllConnections' and would hold close() up.
    for (const s of sockets) s.destroy();
    await closing;
  };
  try {
    for (const address of addresses) {
      const server = useTls ? tlsServer(handler, web!, logger, refusals) : http.createServer(handler);
      server.prependListener('connection', (socket: net.Socket) => {
        sockets.add(socket);
        socket.once('close', () => sockets.delete(socket));
      });
      await new Promise<void>((resolve, reject) => {
        const onError = (err: Error) => reject(new Error(`listening on ${formatListenAddress(address)} failed`, { cause: err }));
        server.once('error', onError);
        server.listen({ port: address.port, host: address.host }, () => {
          server.removeListener('error', onError);
          resolve();
        });
      });
      const bound = server.address();
      listeners.push({ server, address: typeof bound === 'object' && bound ? `${bound.address}:${bound.port}` : String(bound), tls: useTls });
    }
  } catch (err) {
    await closeAll();
    throw err;
  }
  return { listeners, close: closeAll };
}
