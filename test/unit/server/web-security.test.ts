// What the web configuration asks of every request: the headers, basic auth with 401 and
// WWW-Authenticate on every path (landing page and health endpoints included, as
// exporter-toolkit), a changed file in force for the next request, and the rate limit.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import bcrypt from 'bcryptjs';
import request from 'supertest';
import { silentLogger } from '../../../src/base/log';
import { createApp } from '../../../src/server/app';
import { BasicAuthenticator } from '../../../src/server/basic-auth';
import { textSnapshot, type Snapshot } from '../../../src/server/scheduler';
import { WebConfigSource } from '../../../src/server/web-config';
import { TokenBucket } from '../../../src/server/web-security';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dae-websec-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
const HASH = bcrypt.hashSync('s3cret', 4);
const snapshot: Snapshot = textSnapshot('docker_audit_engine_up 1\n', { statuses: [], completedAtMs: Date.now(), success: true });
const PATHS = ['/metrics', '/', '/-/healthy', '/-/ready'];

let n = 0;
/** A web configuration file with this text, loaded, and an app behind it. */
async function appWith(text: string, authenticator?: BasicAuthenticator) {
  const file = path.join(dir, `web-${n++}.yml`);
  fs.writeFileSync(file, text);
  const errors: string[] = [];
  const web = await WebConfigSource.load(file, { ...silentLogger, error: (m: string) => void errors.push(m) });
  const app = createApp({ snapshot: () => snapshot, readiness: () => ({ ready: true, reason: 'ready' }), version: '1', telemetryPath: '/metrics', collectors: [], processMetrics: false, web, authenticator });
  return { app, web, file, errors };
}

describe('webSecurity', () => {
  it('answers 401 with WWW-Authenticate: Basic on every path without the right credential, and serves it with', async () => {
    const { app } = await appWith(`basic_auth_users:\n  prometheus: ${HASH}\n`);
    for (const p of PATHS) {
      for (const auth of [undefined, basic('prometheus', 'wrong'), basic('nobody', 's3cret'), 'Bearer s3cret']) {
        const req = request(app).get(p);
        const res = await (auth ? req.set('Authorization', auth) : req);
        expect([p, auth, res.status, res.headers['www-authenticate']]).toEqual([p, auth, 401, 'Basic']);
        expect(res.text).not.toContain('docker_audit');
      }
      const res = await request(app).get(p).set('Authorization', basic('prometheus', 's3cret'));
      expect([p, res.status]).toEqual([p, 200]);
      expect(res.headers['www-authenticate']).toBeUndefined();
    }
    // Method checks come after auth: an unauthenticated POST learns nothing either.
    await request(app).post('/metrics').expect(401);
    await request(app).post('/metrics').set('Authorization', basic('prometheus', 's3cret')).expect(405);
  });

  it('runs bcrypt once for a scraper that sends the same credential every time', async () => {
    let compares = 0;
    const authenticator = new BasicAuthenticator({ compare: (p, h) => (compares++, bcrypt.compare(p, h)) });
    const { app } = await appWith(`basic_auth_users:\n  prometheus: ${HASH}\n`, authenticator);
    for (let i = 0; i < 5; i++) await request(app).get('/metrics').set('Authorization', basic('prometheus', 's3cret')).expect(200);
    expect(compares).toBe(1);
  });

  it('adds the configured headers to every answer, 401s included', async () => {
    const { app } = await appWith(`
http_server_config:
  headers:
    X-Frame-Options: deny
    X-Content-Type-Options: nosniff
    Strict-Transport-Security: max-age=63072000
basic_auth_users:
  prometheus: ${HASH}
`);
    for (const p of PATHS) {
      for (const res of [await request(app).get(p), await request(app).get(p).set('Authorization', basic('prometheus', 's3cret'))]) {
        expect(res.headers).toMatchObject({ 'x-frame-options': 'deny', 'x-content-type-options': 'nosniff', 'strict-transport-security': 'max-age=63072000' });
      }
    }
  });

  it('leaves every path open without basic_auth_users', async () => {
    const { app } = await appWith('http_server_config: { headers: { X-Frame-Options: sameorigin } }\n');
    for (const p of PATHS) expect((await request(app).get(p).expect(200)).headers['x-frame-options']).toBe('sameorigin');
  });

  it('puts a changed file in force for the next request, and keeps the last good one when the new one is broken', async () => {
    const { app, file, errors, web } = await appWith(`basic_auth_users:\n  prometheus: ${HASH}\n`);
    await request(app).get('/metrics').set('Authorization', basic('prometheus', 's3cret')).expect(200);
    fs.writeFileSync(file, `basic_auth_users:\n  prometheus: ${bcrypt.hashSync('n3w', 4)}\n`);
    await request(app).get('/metrics').set('Authorization', basic('prometheus', 's3cret')).expect(401);
    await request(app).get('/metrics').set('Authorization', basic('prometheus', 'n3w')).expect(200);
    expect(web.current.generation).toBe(2);
    fs.writeFileSync(file, 'basic_auth_users:\n  prometheus: not-a-hash\n');
    await request(app).get('/metrics').set('Authorization', basic('prometheus', 'n3w')).expect(200);
    expect(errors).toEqual(['the web configuration has problems; the last good one stays in force']);
    expect(web.current.generation).toBe(2);
    // The same broken file is not read again on every request: one error, not one per request.
    await request(app).get('/').set('Authorization', basic('prometheus', 'n3w')).expect(200);
    expect(errors).toHaveLength(1);
  });

  it('answers 429 past the rate limit, before auth', async () => {
    const { app } = await appWith(`rate_limit: { interval: 1h, burst: 2 }\nbasic_auth_users:\n  prometheus: ${HASH}\n`);
    await request(app).get('/-/healthy').expect(401);
    await request(app).get('/-/healthy').set('Authorization', basic('prometheus', 's3cret')).expect(200);
    await request(app).get('/-/healthy').set('Authorization', basic('prometheus', 's3cret')).expect(429);
  });
});

describe('TokenBucket', () => {
  it('starts full, refills one token per interval, and never holds more than the burst (Go\'s rate.Limiter)', () => {
    let t = 0;
    const bucket = new TokenBucket(100, 3, () => t);
    expect([bucket.allow(), bucket.allow(), bucket.allow(), bucket.allow()]).toEqual([true, true, true, false]);
    t += 99;
    expect(bucket.allow()).toBe(false);
    t += 1;
    expect([bucket.allow(), bucket.allow()]).toEqual([true, false]);
    t += 10_000;
    expect([bucket.allow(), bucket.allow(), bucket.allow(), bucket.allow()]).toEqual([true, true, true, false]);
  });
});
