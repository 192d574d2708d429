// /metrics with Accept-Encoding: gzip: the body gunzips to exactly the plain body, it is two
// gzip members (the live part, then the snapshot's), and the snapshot is compressed once per
// snapshot whatever the number of scrapes: counted on zlib's gzip, not timed.
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as zlib from 'node:zlib';
import { createApp } from '../../../src/server/app';
import { snapshotGzip, snapshotText, textSnapshot, type Snapshot } from '../../../src/server/scheduler';

// Every call of zlib.gzip (what the scheduler compresses a snapshot with) goes through here.
jest.mock('node:zlib', () => {
  const actual = jest.requireActual<typeof import('node:zlib')>('node:zlib');
  return { ...actual, gzip: jest.fn(actual.gzip) };
});
const gzipCalls = () => (zlib.gzip as unknown as jest.Mock).mock.calls.map((c) => String(c[0]));

function makeSnapshot(series: number): Snapshot {
  const lines = ['# HELP docker_audit_container_privileged p (cached from the last completed collection)', '# TYPE docker_audit_container_privileged gauge'];
  for (let i = 0; i < series; i++) lines.push(`docker_audit_container_privileged{name="c${i}",id="${i.toString(16).padStart(12, '0')}",image="busybox"} ${i % 2}`);
  return textSnapshot(lines.join('\n') + '\n', { statuses: [], completedAtMs: Date.now(), success: true });
}

let current: Snapshot | undefined;
let server: http.Server;
let port: number;
beforeAll(async () => {
  const app = createApp({ snapshot: () => current, readiness: () => ({ ready: true, reason: 'ready' }), version: '9.9.9', telemetryPath: '/metrics', collectors: [], processMetrics: false });
  server = http.createServer(app);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

/** The raw bytes of GET /metrics, not decompressed (supertest would decompress). */
function get(headers: http.OutgoingHttpHeaders): Promise<{ headers: http.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: '/metrics', headers, agent: false }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ headers: res.headers, body: Buffer.concat(chunks) }));
      })
      .on('error', reject);
  });
}

/** The gzip members of a body: each starts with the magic bytes, and gunzipping one alone gives its part. */
function members(body: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let rest = body;
  while (rest.length > 0) {
    expect([rest[0], rest[1]]).toEqual([0x1f, 0x8b]);
    // Inflating one member reports how much input it consumed; the next member starts there.
    const inflate = zlib.inflateRawSync(rest.subarray(10), { info: true } as zlib.ZlibOptions) as unknown as { buffer: Buffer; engine: { bytesWritten: number } };
    const used = 10 + inflate.engine.bytesWritten + 8; // header, deflate data, CRC32 and ISIZE
    out.push(rest.subarray(0, used));
    rest = rest.subarray(used);
  }
  return out;
}

describe('gzip on /metrics', () => {
  beforeEach(() => (zlib.gzip as unknown as jest.Mock).mockClear());

  it('gunzips to exactly the plain body, as two gzip members: the live part, then the snapshot', async () => {
    current = makeSnapshot(2000);
    const plain = await get({});
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.headers.vary).toBe('Accept-Encoding');
    const gz = await get({ 'Accept-Encoding': 'gzip' });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gz.headers.vary).toBe('Accept-Encoding');
    expect(Number(gz.headers['content-length'])).toBe(gz.body.length);
    expect(zlib.gunzipSync(gz.body).equals(plain.body)).toBe(true);
    const parts = members(gz.body);
    expect(parts).toHaveLength(2);
    expect(zlib.gunzipSync(parts[0]).toString()).toMatch(/^# HELP docker_audit_build_info/);
    expect(zlib.gunzipSync(parts[1]).toString()).toBe(snapshotText(current));
    expect(gz.body.length).toBeLessThan(plain.body.length / 5);
  });

  it('compresses the snapshot once, however many scrapes, and again for the next snapshot', async () => {
    current = makeSnapshot(300);
    for (let i = 0; i < 5; i++) expect(zlib.gunzipSync((await get({ 'Accept-Encoding': 'gzip' })).body).toString()).toContain(snapshotText(current));
    expect(gzipCalls().filter((t) => t === snapshotText(current!))).toHaveLength(1);
    // The scheduler starts it as a collection completes; a scrape then gets that very buffer.
    expect(snapshotGzip(current)).toBe(snapshotGzip(current));
    current = makeSnapshot(301);
    for (let i = 0; i < 3; i++) await get({ 'Accept-Encoding': 'gzip' });
    expect(gzipCalls()).toHaveLength(2);
  });

  it('serves plain text to a scraper that does not take gzip, and compresses nothing for it', async () => {
    current = makeSnapshot(10);
    for (const ae of [undefined, 'identity', 'gzip;q=0', 'br']) {
      const res = await get(ae === undefined ? {} : { 'Accept-Encoding': ae });
      expect([ae, res.headers['content-encoding']]).toEqual([ae, undefined]);
      expect(res.body.toString()).toContain(snapshotText(current));
    }
    expect(gzipCalls()).toEqual([]);
  });

  it('gzips before the first collection too: the live part alone', async () => {
    current = undefined;
    const gz = await get({ 'Accept-Encoding': 'gzip' });
    expect(members(gz.body)).toHaveLength(1);
    expect(zlib.gunzipSync(gz.body).toString()).toMatch(/^# HELP docker_audit_build_info[\s\S]*version="9\.9\.9"/);
  });
});
