// /metrics secured with the exporter-toolkit web configuration (--web.config.file), against
// the real Prometheus 2.42 and certificates made here by openssl: a CA, server certificates for
// 127.0.0.1 (two, for a rotation), an expired one, and a client certificate.
//
// Three exporters, each with its own web configuration, all on loopback:
//   - tls: TLS with basic auth;
//   - mtls: client_auth_type RequireAndVerifyClientCert;
//   - rotated: starts with an expired certificate, which is then replaced on disk.
// One Prometheus scrapes them with five jobs (right and wrong password; with and without a
// client certificate; the expired-then-rotated one) every second, and its targets API says
// how each went. Every wait polls (waitUntil); nothing sleeps to pass.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import * as fs from 'node:fs';
import * as https from 'node:https';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tls from 'node:tls';
import * as zlib from 'node:zlib';
import bcrypt from 'bcryptjs';
import { waitUntil } from '../helpers/docker-cli';
import { ExporterProcess, httpGet, runExporter } from '../helpers/exporter-process';
import { freePort } from '../helpers/free-port';
import { dyingWithParent } from '../helpers/second-daemon';

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'dae-webcfg-'));
const f = (name: string) => path.join(work, name);
const PASSWORD = 's3cret';
// Only the engine collector: these exporters are here for their web side.
const LIGHT = ['--collection.schedule', '* * * * * *', ...['containers', 'daemon', 'images', 'resources', 'events', 'auditrules', 'auditlog', 'cis'].map((c) => `--no-collector.${c}`)];

function openssl(...args: string[]): void {
  execFileSync('openssl', args, { cwd: work, stdio: ['ignore', 'pipe', 'pipe'] });
}

/**
 * Makes NAME.key and NAME.pem, signed by the test CA with `openssl ca`: the one openssl 3.0
 * command that sets any validity period, a past one included (-startdate/-enddate).
 */
function issue(name: string, extensions: 'server' | 'client', validity: string[]): void {
  openssl('req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`);
  openssl('ca', '-batch', '-config', 'ca.cnf', '-cert', 'ca.pem', '-keyfile', 'ca.key', '-in', `${name}.csr`, '-out', `${name}.pem`, '-extensions', extensions, '-notext', ...validity);
}

function makeCertificates(): void {
  fs.mkdirSync(f('db'));
  fs.writeFileSync(f('db/index.txt'), '');
  fs.writeFileSync(f('db/serial'), '1000\n');
  fs.writeFileSync(
    f('ca.cnf'),
    [
      '[ca]',
      'default_ca = test',
      '[test]',
      'dir = .',
      'database = db/index.txt',
      'serial = db/serial',
      'new_certs_dir = db',
      'default_md = sha256',
      'policy = any',
      'unique_subject = no',
      '[any]',
      'commonName = supplied',
      '[server]',
      'subjectAltName = IP:127.0.0.1',
      'extendedKeyUsage = serverAuth',
      '[client]',
      'subjectAltName = DNS:prometheus.test',
      'extendedKeyUsage = clientAuth',
      '',
    ].join('\n'),
  );
  openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=dae test CA');
  issue('server-a', 'server', ['-days', '1']);
  issue('server-b', 'server', ['-days', '1']);
  issue('expired', 'server', ['-startdate', '20200101000000Z', '-enddate', '20200102000000Z']);
  issue('client', 'client', ['-days', '1']);
}

const serialOf = (pemFile: string) => new X509Certificate(fs.readFileSync(f(pemFile))).serialNumber;

/** Replaces `dest` by a copy of `src` the way rotation tools do: write aside, then rename over. */
function replaceFile(src: string, dest: string): void {
  fs.copyFileSync(f(src), f(`${dest}.tmp`));
  fs.renameSync(f(`${dest}.tmp`), f(dest));
}

interface HttpsAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** One HTTPS GET on a new connection (agent: false), trusting the test CA. */
function httpsGet(port: number, urlPath: string, options: { auth?: string; cert?: string; key?: string; gzip?: boolean } = {}): Promise<HttpsAnswer> {
  return new Promise((resolve, reject) => {
    const req = https.get(
      {
        host: '127.0.0.1',
        port,
        path: urlPath,
        agent: false,
        ca: fs.readFileSync(f('ca.pem')),
        cert: options.cert && fs.readFileSync(f(options.cert)),
        key: options.key && fs.readFileSync(f(options.key)),
        auth: options.auth,
        headers: options.gzip ? { 'Accept-Encoding': 'gzip' } : {},
        timeout: 5000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`GET https://127.0.0.1:${port}${urlPath}: no answer in 5 s`)));
    req.on('error', reject);
  });
}

/** The serial number of the certificate a new TLS connection is served, not verifying it (it may be expired). */
function servedSerial(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false }, () => {
      const serial = socket.getPeerCertificate().serialNumber;
      socket.end();
      resolve(serial);
    });
    socket.on('error', reject);
  });
}

/** A TLS connection to an mTLS port without a client certificate: how it ends. */
function connectWithoutClientCert(port: number): Promise<{ handshake: boolean; error: NodeJS.ErrnoException | undefined; httpAnswer: string }> {
  return new Promise((resolve) => {
    let handshake = false;
    let httpAnswer = '';
    const socket = tls.connect({ host: '127.0.0.1', port, ca: fs.readFileSync(f('ca.pem')) }, () => {
      handshake = true;
      socket.write('GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n');
    });
    socket.on('data', (d: Buffer) => (httpAnswer += d.toString()));
    socket.on('error', (error: NodeJS.ErrnoException) => resolve({ handshake, error, httpAnswer }));
    socket.on('close', () => resolve({ handshake, error: undefined, httpAnswer }));
  });
}

let hash: string;
const exporters = {
  tls: new ExporterProcess(['--web.listen-address', '127.0.0.1:0', '--web.config.file', f('web-tls.yml'), ...LIGHT]),
  mtls: new ExporterProcess(['--web.listen-address', '127.0.0.1:0', '--web.config.file', f('web-mtls.yml'), ...LIGHT]),
  rotated: new ExporterProcess(['--web.listen-address', '127.0.0.1:0', '--web.config.file', f('web-rotated.yml'), ...LIGHT]),
};
let prometheus: ChildProcess | undefined;
let prometheusUrl: string;

interface Target {
  job: string;
  health: string;
  lastError: string;
}
async function targets(): Promise<Map<string, Target>> {
  const res = await httpGet(`${prometheusUrl}/api/v1/targets?state=active`, 10_000);
  const body = JSON.parse(res.body) as { data: { activeTargets: { labels: Record<string, string>; health: string; lastError: string }[] } };
  return new Map(body.data.activeTargets.map((t) => [t.labels.job, { job: t.labels.job, health: t.health, lastError: t.lastError }]));
}
/** Waits until the job's target satisfies `predicate`; returns that target. */
async function waitForTarget(job: string, what: string, predicate: (t: Target) => boolean, timeoutMs = 30_000): Promise<Target> {
  let last: Target | undefined;
  await waitUntil(`target ${job} ${what} (last seen: ${JSON.stringify(last)})`, async () => {
    last = (await targets()).get(job);
    return last !== undefined && predicate(last);
  }, timeoutMs, 250).catch((err: Error) => {
    throw new Error(`${err.message}; last seen: ${JSON.stringify(last)}`);
  });
  return last!;
}

beforeAll(async () => {
  makeCertificates();
  hash = bcrypt.hashSync(PASSWORD, 10);
  fs.copyFileSync(f('server-a.pem'), f('tls.pem'));
  fs.copyFileSync(f('server-a.key'), f('tls.key'));
  fs.copyFileSync(f('expired.pem'), f('rotated.pem'));
  fs.copyFileSync(f('expired.key'), f('rotated.key'));
  // Relative paths, as node_exporter's examples write them: relative to the file's folder.
  fs.writeFileSync(
    f('web-tls.yml'),
    `tls_server_config:\n  cert_file: tls.pem\n  key_file: tls.key\nhttp_server_config:\n  headers:\n    X-Content-Type-Options: nosniff\nbasic_auth_users:\n  prometheus: ${hash}\n`,
  );
  fs.writeFileSync(f('web-mtls.yml'), 'tls_server_config:\n  cert_file: server-a.pem\n  key_file: server-a.key\n  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: ca.pem\n');
  fs.writeFileSync(f('web-rotated.yml'), 'tls_server_config:\n  cert_file: rotated.pem\n  key_file: rotated.key\n');
  await Promise.all(Object.values(exporters).map((e) => e.start()));

  const job = (name: string, port: number, extra: string[]) => [
    `  - job_name: ${name}`,
    '    scheme: https',
    ...extra.map((l) => `    ${l}`),
    `    static_configs: [{ targets: ["127.0.0.1:${port}"] }]`,
  ];
  const ca = f('ca.pem');
  fs.writeFileSync(
    f('prometheus.yml'),
    [
      'global: { scrape_interval: 1s, scrape_timeout: 1s }',
      'scrape_configs:',
      ...job('tls-basic-auth', exporters.tls.port!, [`tls_config: { ca_file: ${ca} }`, `basic_auth: { username: prometheus, password: ${PASSWORD} }`]),
      ...job('tls-wrong-password', exporters.tls.port!, [`tls_config: { ca_file: ${ca} }`, 'basic_auth: { username: prometheus, password: wrong }']),
      ...job('mtls', exporters.mtls.port!, [`tls_config: { ca_file: ${ca}, cert_file: ${f('client.pem')}, key_file: ${f('client.key')} }`]),
      ...job('mtls-no-client-cert', exporters.mtls.port!, [`tls_config: { ca_file: ${ca} }`]),
      ...job('rotated', exporters.rotated.port!, [`tls_config: { ca_file: ${ca} }`]),
      '',
    ].join('\n'),
  );
  execFileSync('promtool', ['check', 'config', f('prometheus.yml')], { stdio: 'pipe' });
  const port = await freePort();
  prometheusUrl = `http://127.0.0.1:${port}`;
  const [cmd, args] = dyingWithParent('prometheus', [`--config.file=${f('prometheus.yml')}`, `--storage.tsdb.path=${f('data')}`, `--web.listen-address=127.0.0.1:${port}`]);
  prometheus = spawn(cmd, args, { stdio: ['ignore', 'ignore', fs.openSync(f('prometheus.log'), 'w')] });
  await waitUntil('Prometheus is ready', async () => (await httpGet(`${prometheusUrl}/-/ready`).catch(() => ({ status: 0 }))).status === 200, 30_000);
}, 120_000);

afterAll(async () => {
  prometheus?.kill('SIGTERM');
  await Promise.all(Object.values(exporters).map((e) => e.stop()));
  fs.rmSync(work, { recursive: true, force: true });
}, 60_000);

describe('TLS with basic auth', () => {
  it('is scraped by Prometheus (target up), and a wrong password is a 401 there', async () => {
    const up = await waitForTarget('tls-basic-auth', 'is up', (t) => t.health === 'up');
    expect(up.lastError).toBe('');
    const wrong = await waitForTarget('tls-wrong-password', 'is down', (t) => t.health === 'down');
    expect(wrong.lastError).toBe('server returned HTTP status 401 Unauthorized');
  }, 40_000);

  it('answers 401 with WWW-Authenticate: Basic to a wrong password or none, on every path', async () => {
    const port = exporters.tls.port!;
    for (const p of ['/metrics', '/', '/-/healthy', '/-/ready']) {
      for (const auth of [undefined, 'prometheus:wrong', 'nobody:s3cret']) {
        const res = await httpsGet(port, p, { auth });
        expect([p, auth, res.status, res.headers['www-authenticate'], res.headers['x-content-type-options']]).toEqual([p, auth, 401, 'Basic', 'nosniff']);
      }
    }
    const ok = await httpsGet(port, '/-/healthy', { auth: `prometheus:${PASSWORD}` });
    expect([ok.status, ok.body.toString()]).toEqual([200, 'OK\n']);
  }, 30_000);

  it('serves /metrics gzipped to a scraper that takes gzip, gunzipping to the plain exposition', async () => {
    const port = exporters.tls.port!;
    const gz = await httpsGet(port, '/metrics', { auth: `prometheus:${PASSWORD}`, gzip: true });
    expect([gz.status, gz.headers['content-encoding']]).toEqual([200, 'gzip']);
    const text = zlib.gunzipSync(gz.body).toString();
    expect(text).toMatch(/^docker_audit_build_info\{/m);
    expect(text).toMatch(/^process_resident_memory_bytes /m);
    const plain = await httpsGet(port, '/metrics', { auth: `prometheus:${PASSWORD}` });
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body.toString()).toMatch(/^docker_audit_build_info\{/m);
  }, 30_000);

  it('reloads on SIGHUP, and keeps serving (SIGHUP no longer kills it)', async () => {
    const e = exporters.tls;
    e.kill('SIGHUP');
    await waitUntil('the SIGHUP reload is logged', () => /msg="web configuration reloaded".*trigger=SIGHUP/.test(e.stderr), 10_000);
    expect(e.running).toBe(true);
    expect((await httpsGet(e.port!, '/metrics', { auth: `prometheus:${PASSWORD}` })).status).toBe(200);
    // A new password: in force for the next request, SIGHUP or not; the old one is refused.
    fs.writeFileSync(f('web-tls.yml'), fs.readFileSync(f('web-tls.yml'), 'utf8').replace(hash, bcrypt.hashSync('n3w', 10)));
    e.kill('SIGHUP');
    await waitUntil('the new password works', async () => (await httpsGet(e.port!, '/-/healthy', { auth: 'prometheus:n3w' })).status === 200, 10_000);
    expect((await httpsGet(e.port!, '/-/healthy', { auth: `prometheus:${PASSWORD}` })).status).toBe(401);
    // TLS cannot be switched off under a running server: refused, logged, and TLS stays.
    const before = fs.readFileSync(f('web-tls.yml'), 'utf8');
    fs.writeFileSync(f('web-tls.yml'), before.replace(/^tls_server_config:\n(  .*\n)+/, ''));
    e.kill('SIGHUP');
    await waitUntil('the refusal is logged', () => e.stderr.includes('TLS cannot be turned off while the exporter runs: restart it'), 10_000);
    expect((await httpsGet(e.port!, '/-/healthy', { auth: 'prometheus:n3w' })).status).toBe(200);
    // Back as it was, for the scrapes of the other tests.
    fs.writeFileSync(f('web-tls.yml'), before.replace(/prometheus: .*/, `prometheus: ${hash}`));
    await waitUntil('the first password works again', async () => (await httpsGet(e.port!, '/-/healthy', { auth: `prometheus:${PASSWORD}` })).status === 200, 10_000);
  }, 60_000);
});

describe('mTLS: client_auth_type RequireAndVerifyClientCert', () => {
  it('is scraped by Prometheus with its client certificate (target up)', async () => {
    const up = await waitForTarget('mtls', 'is up', (t) => t.health === 'up');
    expect(up.lastError).toBe('');
    const res = await httpsGet(exporters.mtls.port!, '/-/healthy', { cert: 'client.pem', key: 'client.key' });
    expect(res.status).toBe(200);
  }, 40_000);

  it('fails the handshake of a client without a certificate, before any HTTP', async () => {
    const { error, httpAnswer } = await connectWithoutClientCert(exporters.mtls.port!);
    // TLS 1.3: the client's side of the handshake completes, then the server's alert arrives.
    expect(error?.code).toBe('ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED');
    expect(httpAnswer).toBe('');
    const noCert = await waitForTarget('mtls-no-client-cert', 'is down', (t) => t.health === 'down');
    expect(noCert.lastError).toMatch(/remote error: tls: certificate required$/);
  }, 40_000);
});

describe('certificates on disk', () => {
  it('reports an expired server certificate: the exporter warns with the file and its notAfter, and Prometheus says it expired', async () => {
    expect(exporters.rotated.stderr).toMatch(
      new RegExp(`level=warn msg="the web server certificate has expired: clients that verify it refuse to connect" cert_file=${f('rotated.pem')} .*not_after=2020-01-02T00:00:00.000Z`),
    );
    const expired = await waitForTarget('rotated', 'is down', (t) => t.health === 'down');
    expect(expired.lastError).toMatch(/x509: certificate has expired or is not yet valid: current time \S+ is after 2020-01-02T00:00:00Z/);
    expect(await servedSerial(exporters.rotated.port!)).toBe(serialOf('expired.pem'));
  }, 40_000);

  it('serves a certificate and key swapped on disk to the next connection, without a restart', async () => {
    const e = exporters.rotated;
    const pid = e.pid;
    replaceFile('server-b.pem', 'rotated.pem');
    replaceFile('server-b.key', 'rotated.key');
    await waitUntil('a new connection gets the new certificate', async () => (await servedSerial(e.port!)) === serialOf('server-b.pem'), 10_000);
    expect(serialOf('server-b.pem')).not.toBe(serialOf('expired.pem'));
    expect([e.running, e.pid]).toEqual([true, pid]);
    expect(e.stderr).toMatch(/msg="web configuration reloaded" .*trigger=change/);
    // Prometheus reconnects after its failed scrapes, and finds the new certificate good.
    const up = await waitForTarget('rotated', 'is up after the rotation', (t) => t.health === 'up');
    expect(up.lastError).toBe('');
  }, 40_000);

  it('keeps the last good certificate when the new key does not match it, and logs why', async () => {
    const e = exporters.rotated;
    const from = e.stderr.length;
    replaceFile('server-a.key', 'rotated.key'); // server-b's certificate with server-a's key
    // Each new connection looks at the files; the mismatch is found and logged once.
    await waitUntil('the mismatch is logged', async () => (await servedSerial(e.port!)) !== '' && e.stderr.slice(from).includes('the certificate and the key do not match'), 10_000);
    expect(await servedSerial(e.port!)).toBe(serialOf('server-b.pem'));
    replaceFile('server-b.key', 'rotated.key');
  }, 30_000);
});

describe('a broken web configuration at start-up', () => {
  it('exits 2 listing every problem', async () => {
    fs.writeFileSync(
      f('web-broken.yml'),
      [
        'tls_server_config:',
        '  cert_file: nowhere.pem',
        '  key_file: server-a.key',
        '  client_auth_type: RequireAndVerify',
        '  min_version: TLS14',
        'http_server_config:',
        '  headers: { Server: dae }',
        'basic_auth_users:',
        '  prometheus: hunter2',
        'tls_config: {}',
        '',
      ].join('\n'),
    );
    const r = await runExporter(['--web.listen-address', '127.0.0.1:0', '--web.config.file', f('web-broken.yml'), ...LIGHT], 30_000);
    expect(r.code).toBe(2);
    const listed = r.stderr.split('\n').filter((l) => l.startsWith(`  - --web.config.file=${f('web-broken.yml')}: `)).map((l) => l.slice(`  - --web.config.file=${f('web-broken.yml')}: `.length));
    expect(listed).toEqual([
      expect.stringMatching(/^tls_config: unknown key/),
      expect.stringMatching(/^tls_server_config\.client_auth_type: "RequireAndVerify" is not one of/),
      expect.stringMatching(/^tls_server_config\.min_version: unknown TLS version "TLS14"/),
      expect.stringMatching(/^http_server_config\.headers: HTTP header "Server" can not be configured/),
      expect.stringMatching(/^basic_auth_users\.prometheus: not a bcrypt hash/),
      expect.stringMatching(new RegExp(`^tls_server_config\\.cert_file: cannot read ${f('nowhere.pem')}: .*ENOENT`)),
    ]);
    expect(r.stderr).not.toContain('hunter2');
    expect(r.stderr).toContain('docs/web-config.md');
  }, 40_000);
});
