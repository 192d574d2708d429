// listenAll: every --web.listen-address served, in order; one that cannot be listened on
// closes the others and says which; and the client certificate checks Node cannot make in the
// handshake. The TLS handshakes themselves, with openssl-made certificates, are in
// test/integration/web-config.test.ts.
import * as http from 'node:http';
import * as net from 'node:net';
import { silentLogger } from '../../../src/base/log';
import { RefusalLog, formatListenAddress, listenAll, refusal } from '../../../src/server/web-listen';
import type { WebTlsMaterial } from '../../../src/server/web-config';

const handler: http.RequestListener = (req, res) => res.end(`hello from ${req.socket.localAddress}:${req.socket.localPort}`);

function get(port: number, host = '127.0.0.1'): Promise<string> {
  return new Promise((resolve, reject) => {
    http.get({ host, port, path: '/', agent: false }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve(body));
    }).on('error', reject);
  });
}

describe('listenAll', () => {
  it('listens on every address, in the order given, and closes them all', async () => {
    const listening = await listenAll(handler, [{ host: '127.0.0.1', port: 0 }, { host: '127.0.0.1', port: 0 }, { host: '::1', port: 0 }], undefined, silentLogger);
    try {
      expect(listening.listeners.map((l) => [l.tls, l.address.replace(/:\d+$/, '')])).toEqual([
        [false, '127.0.0.1'],
        [false, '127.0.0.1'],
        [false, '::1'],
      ]);
      const ports = listening.listeners.map((l) => Number(/:(\d+)$/.exec(l.address)![1]));
      expect(new Set(ports).size).toBe(3);
      expect(await get(ports[0])).toBe(`hello from 127.0.0.1:${ports[0]}`);
      expect(await get(ports[1])).toBe(`hello from 127.0.0.1:${ports[1]}`);
      expect(await get(ports[2], '::1')).toBe(`hello from ::1:${ports[2]}`);
    } finally {
      await listening.close();
    }
    expect(listening.listeners.every((l) => !l.server.listening)).toBe(true);
  });

  it('rejects, naming the address, when one cannot be listened on, and closes the ones it opened', async () => {
    const taken = net.createServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
    const port = (taken.address() as net.AddressInfo).port;
    // A port that was free a moment ago, for the first address: free again after the failure.
    const probe = net.createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const first = (probe.address() as net.AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
    try {
      const err = (await listenAll(handler, [{ host: '127.0.0.1', port: first }, { host: '127.0.0.1', port }], undefined, silentLogger).catch((e: unknown) => e)) as Error;
      expect(err.message).toBe(`listening on 127.0.0.1:${port} failed`);
      expect((err.cause as NodeJS.ErrnoException).code).toBe('EADDRINUSE');
      await new Promise<void>((resolve, reject) => probe.once('error', reject).listen(first, '127.0.0.1', () => resolve()));
      await new Promise<void>((r) => probe.close(() => r()));
    } finally {
      taken.close();
    }
  });

  it('writes addresses as the flag is written', () => {
    expect([formatListenAddress({ host: undefined, port: 9795 }), formatListenAddress({ host: '::1', port: 1 }), formatListenAddress({ host: '10.0.0.1', port: 2 })]).toEqual([':9795', '[::1]:1', '10.0.0.1:2']);
  });
});

describe('refusal (the client checks after the handshake)', () => {
  const material = (afterHandshake: WebTlsMaterial['settings']['afterHandshake'], allowedSans?: string[]) => ({ settings: { afterHandshake }, allowedSans }) as unknown as WebTlsMaterial;
  const socket = (cert: Record<string, unknown>, authorized = false, authorizationError: string | null = null) =>
    ({ getPeerCertificate: () => cert, authorized, authorizationError }) as never;

  it('lets any client through when nothing is asked after the handshake', () => {
    expect(refusal(socket({}), material('none'))).toBeUndefined();
  });
  it('refuses a client without a certificate under RequireAnyClientCert', () => {
    expect(refusal(socket({}), material('any'))).toBe('the client sent no certificate (client_auth_type requires one)');
    expect(refusal(socket({ subject: {} }), material('any'))).toBeUndefined();
  });
  it('refuses a certificate that does not verify under VerifyClientCertIfGiven, and lets one without a certificate through', () => {
    expect(refusal(socket({}), material('if-given'))).toBeUndefined();
    expect(refusal(socket({ subject: {} }, false, 'CERT_HAS_EXPIRED'), material('if-given'))).toBe('the client certificate has expired (CERT_HAS_EXPIRED)');
    expect(refusal(socket({ subject: {} }, true), material('if-given'))).toBeUndefined();
  });
  it('wants one of client_allowed_sans in the certificate', () => {
    const allowed = material('none', ['prometheus.example', '127.0.0.1']);
    expect(refusal(socket({ subjectaltname: 'DNS:other.example, IP Address:127.0.0.1' }, true), allowed)).toBeUndefined();
    expect(refusal(socket({ subjectaltname: 'DNS:other.example' }, true), allowed)).toBe('the client certificate has none of client_allowed_sans (it has other.example)');
    expect(refusal(socket({ subject: {} }, true), allowed)).toBe('the client certificate has none of client_allowed_sans (it has no SAN)');
    expect(refusal(socket({}), allowed)).toBe('the client sent no certificate (client_allowed_sans needs one)');
  });
});

describe('RefusalLog', () => {
  it('logs each reason at most once a minute, then says how many it held back', () => {
    let t = 0;
    const lines: Record<string, unknown>[] = [];
    const log = new RefusalLog({ ...silentLogger, warn: (_m: string, f?: Record<string, unknown>) => void lines.push(f ?? {}) }, () => t);
    for (let i = 0; i < 5; i++) log.report('no certificate', '127.0.0.1');
    log.report('expired', '127.0.0.1');
    t = 60_000;
    log.report('no certificate', '127.0.0.1');
    expect(lines).toEqual([
      { reason: 'no certificate', remote: '127.0.0.1', similar_since_last: undefined },
      { reason: 'expired', remote: '127.0.0.1', similar_since_last: undefined },
      { reason: 'no certificate', remote: '127.0.0.1', similar_since_last: 4 },
    ]);
  });
});
