// The active probe: one plain-HTTP GET /_ping to an address, to find a Docker API that
// answers without TLS or authentication.
import * as http from 'node:http';
import { onAbort } from '../base/abort';

export interface ProbeResult {
  /** host:port probed. */
  readonly address: string;
  /** An unauthenticated Docker API answered GET /_ping over plain HTTP. */
  readonly exposed: boolean;
  /** The HTTP status, when something answered. */
  readonly status?: number;
  /** Why nothing answered (connection refused, timeout). */
  readonly error?: string;
}

export const PROBE_TIMEOUT_MS = 1000;

/**
 * One plain-HTTP GET /_ping. Exposed when it answers as the Docker API does (200 with "OK"
 * or an Api-Version header): then anyone who can reach the address owns the host. A TLS
 * listener answers plain HTTP with 400, and is not exposed.
 */
export function probe(address: string, signal: AbortSignal, timeoutMs = PROBE_TIMEOUT_MS): Promise<ProbeResult> {
  const m = /^\[?([^\]]*?)\]?:(\d+)$/.exec(address);
  if (!m) return Promise.resolve({ address, exposed: false, error: 'not host:port' });
  // http.request throws on such a port, which would fail every other probe with it.
  if (Number(m[2]) < 1 || Number(m[2]) > 65535) return Promise.resolve({ address, exposed: false, error: 'no such port' });
  return new Promise((resolve) => {
    let done = false;
    let stopListening = () => {};
    const finish = (result: Omit<ProbeResult, 'address'>) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      stopListening();
      req.destroy();
      resolve({ address, ...result });
    };
    const req = http.request({ host: m[1], port: Number(m[2]), path: '/_ping', method: 'GET', agent: false, headers: { Host: address } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        if (body.length < 64) body += chunk;
      });
      res.on('end', () => {
        const status = res.statusCode ?? 0;
        finish({ status, exposed: status === 200 && (body.trim() === 'OK' || res.headers['api-version'] !== undefined) });
      });
      res.on('error', (err) => finish({ status: res.statusCode, exposed: false, error: err.message }));
    });
    const timer = setTimeout(() => finish({ exposed: false, error: `no answer within ${timeoutMs} ms` }), timeoutMs);
    // Up to PROBE_CONCURRENCY probes share the collection's signal: one listener for all.
    stopListening = onAbort(signal, () => finish({ exposed: false, error: 'aborted' }));
    req.on('error', (err: NodeJS.ErrnoException) => finish({ exposed: false, error: err.code ?? err.message }));
    req.end();
  });
}
