// DOCKER_HOST=tcp://… with DOCKER_TLS_VERIFY and DOCKER_CERT_PATH, as the docker CLI uses
// them, against a real dockerd listening with --tlsverify. The daemon lives in a network
// namespace of its own (see second-daemon.ts); the exporter joins it with nsenter, so the
// TCP listener is on that namespace's loopback and nothing else can reach it.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runExporter } from '../helpers/exporter-process';
import { startSecondDaemon, type SecondDaemon } from '../helpers/second-daemon';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dae-tls-'));
const clientDir = path.join(dir, 'client');
const strangerDir = path.join(dir, 'stranger');
const PORT = 2376;
let daemon: SecondDaemon | undefined;

function openssl(...args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** A CA, a server certificate for 127.0.0.1 and a client certificate, as `dockerd --tlsverify` docs describe. */
function makeCertificates(): void {
  fs.mkdirSync(clientDir);
  fs.mkdirSync(strangerDir);
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=test-ca', '-keyout', 'ca-key.pem', '-out', 'ca.pem');
  fs.writeFileSync(path.join(dir, 'server.ext'), 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  openssl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=127.0.0.1', '-keyout', 'server-key.pem', '-out', 'server.csr');
  openssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca-key.pem', '-CAcreateserial', '-days', '2', '-extfile', 'server.ext', '-out', 'server-cert.pem');
  fs.writeFileSync(path.join(dir, 'client.ext'), 'extendedKeyUsage=clientAuth\n');
  openssl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=exporter', '-keyout', 'client/key.pem', '-out', 'client.csr');
  openssl('x509', '-req', '-in', 'client.csr', '-CA', 'ca.pem', '-CAkey', 'ca-key.pem', '-CAcreateserial', '-days', '2', '-extfile', 'client.ext', '-out', 'client/cert.pem');
  fs.copyFileSync(path.join(dir, 'ca.pem'), path.join(clientDir, 'ca.pem'));
  // A client whose certificate no CA of the daemon's signed.
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=stranger', '-keyout', 'stranger/key.pem', '-out', 'stranger/cert.pem');
  fs.copyFileSync(path.join(dir, 'ca.pem'), path.join(strangerDir, 'ca.pem'));
}

beforeAll(async () => {
  makeCertificates();
  daemon = await startSecondDaemon({
    extraArgs: [
      '--tlsverify',
      `--tlscacert=${path.join(dir, 'ca.pem')}`,
      `--tlscert=${path.join(dir, 'server-cert.pem')}`,
      `--tlskey=${path.join(dir, 'server-key.pem')}`,
      '-H',
      `tcp://127.0.0.1:${PORT}`,
    ],
  });
}, 120_000);

afterAll(async () => {
  await daemon?.cleanup();
  fs.rmSync(dir, { recursive: true, force: true });
}, 120_000);

const once = (env: NodeJS.ProcessEnv) =>
  runExporter(['--once', '--docker.timeout=5s'], 30_000, { env: { DOCKER_HOST: `tcp://127.0.0.1:${PORT}`, ...env }, networkNamespaceOfPid: daemon!.pid });

describe('an engine that requires TLS client certificates', () => {
  it('is reached with DOCKER_TLS_VERIFY and DOCKER_CERT_PATH', async () => {
    const run = await once({ DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: clientDir });
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
    expect(run.stdout).toContain('docker_audit_engine_up 1\n');
    expect(run.stdout).toMatch(/^docker_audit_engine_info\{engine="docker",rootless="false",version="[^"]+",api_version="1\.41",/m);
    expect(run.stdout).toContain('docker_audit_collector_success{collector="containers"} 1\n');
  }, 60_000);

  it('is reported down, with the reason, without TLS or with a certificate it did not sign', async () => {
    const plain = await once({ DOCKER_TLS_VERIFY: '' });
    expect(plain.code).toBe(1);
    expect(plain.stdout).toContain('docker_audit_engine_up 0\n');
    expect(plain.stderr).toMatch(/pinging the engine at http:\/\/127\.0\.0\.1:2376 failed/);

    const stranger = await once({ DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: strangerDir });
    expect(stranger.code).toBe(1);
    expect(stranger.stdout).toContain('docker_audit_engine_up 0\n');
    expect(stranger.stderr).toMatch(/pinging the engine at https:\/\/127\.0\.0\.1:2376 failed/);
  }, 60_000);

  it('refuses to start, exit 2, when DOCKER_CERT_PATH lacks a file', async () => {
    const run = await once({ DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: path.join(dir, 'nowhere') });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/reading TLS file .*nowhere\/ca\.pem failed \(DOCKER_TLS_VERIFY is set\)/);
  }, 60_000);
});
