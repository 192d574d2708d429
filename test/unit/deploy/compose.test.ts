// docker-compose.yml and the socket-proxy variant: valid for Debian's docker-compose
// (`docker-compose config`), with the mounts and hardening the README promises, and every
// file they mount present in the repository.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const ROOT = path.join(__dirname, '..', '..', '..');

/** The Compose file as docker-compose resolves it (normalised YAML), or its error. */
function composeConfig(file: string): string {
  return execFileSync('docker-compose', ['-f', path.join(ROOT, file), 'config'], { encoding: 'utf8', env: { ...process.env, DOCKER_GID: '998' } });
}

/** The block of one service in the normalised output. */
function service(config: string, name: string): string {
  const m = new RegExp(`^  ${name}:\\n((?:    .*\\n|    \\n)*)`, 'm').exec(config);
  if (!m) throw new Error(`service ${name} not found in:\n${config}`);
  return m[1];
}

const HARDENING = ['read_only: true', 'user: 1000:1000', 'mem_limit: 128m', 'pids_limit: 64', '- no-new-privileges:true', 'cap_drop:\n    - ALL'];

describe('docker-compose.yml', () => {
  const config = composeConfig('docker-compose.yml');

  it('runs the exporter, Prometheus and Grafana', () => {
    for (const name of ['docker-audit-exporter', 'prometheus', 'grafana']) expect(service(config, name)).not.toBe('');
  });

  it('hardens the exporter as the exporter checks other containers', () => {
    const exporter = service(config, 'docker-audit-exporter');
    for (const line of HARDENING) expect(exporter).toContain(line);
    expect(exporter).toContain("group_add:\n    - '998'"); // DOCKER_GID, to read the socket without root
  });

  it('mounts the socket, the audit log, /etc/docker read-only and /proc as /host/proc', () => {
    const exporter = service(config, 'docker-audit-exporter');
    for (const mount of ['/var/run/docker.sock:/var/run/docker.sock:ro', '/var/log/audit:/var/log/audit:ro', '/etc/docker:/etc/docker:ro', '/proc:/host/proc:ro']) {
      expect(exporter).toContain(`- ${mount}`);
    }
    expect(exporter).toContain('- --host.proc-path=/host/proc');
  });

  it('binds every published port to loopback', () => {
    const ports = [...config.matchAll(/^    - (\S+:\d+:\d+\/tcp)$/gm)].map((m) => m[1]);
    expect(ports.length).toBe(3);
    for (const p of ports) expect(p).toMatch(/^127\.0\.0\.1:/);
  });

  it('mounts only files and folders that exist in the repository', () => {
    const local = [...config.matchAll(/^    - (\/[^:]+):/gm)].map((m) => m[1]).filter((p) => p.startsWith(ROOT));
    expect(local.length).toBeGreaterThanOrEqual(4);
    for (const p of local) expect([p, fs.existsSync(p)]).toEqual([p, true]);
  });
});

describe('deploy/docker-compose.socket-proxy.yml', () => {
  const config = composeConfig('deploy/docker-compose.socket-proxy.yml');

  it('gives the exporter no socket, only the GET-only proxy', () => {
    const exporter = service(config, 'docker-audit-exporter');
    expect(exporter).not.toContain('docker.sock');
    expect(exporter).toContain('DOCKER_HOST: tcp://docker-socket-proxy:2375');
    // Its memory limit is its own (256m, with the heap cap it sets); the rest of the hardening is docker-compose.yml's.
    for (const line of HARDENING.filter((l) => !l.startsWith('mem_limit'))) expect(exporter).toContain(line);
    expect(exporter).toContain('mem_limit: 256m');
    // The proxy's whole environment is held exact by test/integration/socket-proxy.test.ts.
    expect(config).toMatch(/POST: '0'|POST: "0"|POST: 0/);
  });
});
