// docker-compose.yml and the socket-proxy variant: valid for Debian's docker-compose
// (`docker-compose config`), with the mounts and hardening the README promises, and every
// file they mount present in the repository.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const ROOT = path.join(__dirname, '..', '..', '..');

/** The Compose file as docker-compose resolves it (normalised YAML), or its error. */
function composeConfig(file: string): string {
  const env: NodeJS.ProcessEnv = { ...process.env, DOCKER_GID: '998' };
  delete env.ADM_GID; // its default
  return execFileSync('docker-compose', ['-f', path.join(ROOT, file), 'config'], { encoding: 'utf8', env });
}

/** The block of one service in the normalised output. */
function service(config: string, name: string): string {
  // Only the services: block (a network or volume may have a service's name).
  config = /^services:\n((?:  .*\n|\n)*)/m.exec(config)?.[1] ?? '';
  config = config.replace(/^/gm, '').replace(/^(?=\S)/gm, '  ');
  const m = new RegExp(`^  ${name}:\\n((?:    .*\\n|    \\n)*)`, 'm').exec(config);
  if (!m) throw new Error(`service ${name} not found in:\n${config}`);
  return m[1];
}

const HARDENING = ['read_only: true', 'user: 1000:1000', 'pids_limit: 64', '- no-new-privileges:true', 'cap_drop:\n    - ALL'];

/** The figures of the memory section of docs/deployment.md: the limit and the heap cap, in MiB. */
function documentedMemory(): { limit: number; heap: number; semi: number } {
  const doc = fs.readFileSync(path.join(ROOT, 'docs', 'deployment.md'), 'utf8');
  const section = /^## Memory\n([\s\S]*?)(?=^## |(?![\s\S]))/m.exec(doc)?.[1] ?? '';
  const limit = /memory limit: \*\*(\d+) MiB\*\*/.exec(section);
  const heap = /V8 heap cap: \*\*(\d+) MiB\*\*/.exec(section);
  const semi = /young generation: \*\*(\d+) MiB\*\*/.exec(section);
  if (!limit || !heap || !semi) throw new Error('docs/deployment.md, "Memory", states no limit, heap cap or young generation');
  return { limit: Number(limit[1]), heap: Number(heap[1]), semi: Number(semi[1]) };
}

describe('docker-compose.yml', () => {
  const config = composeConfig('docker-compose.yml');

  it('runs the exporter, Prometheus and Grafana', () => {
    for (const name of ['docker-audit-exporter', 'prometheus', 'grafana']) expect(service(config, name)).not.toBe('');
  });

  it('hardens the exporter as the exporter checks other containers', () => {
    const exporter = service(config, 'docker-audit-exporter');
    for (const line of HARDENING) expect(exporter).toContain(line);
    // DOCKER_GID for the socket and ADM_GID (adm, 4 by default) for the audit log and rules snapshot.
    expect(exporter).toContain("group_add:\n    - '998'\n    - '4'\n");
    for (const risky of ['privileged', 'cap_add', 'pid:', 'network_mode', 'userns_mode']) expect(exporter).not.toContain(risky);
  });

  it('sets the memory limit and heap cap that docs/deployment.md states, the same as the systemd unit', () => {
    const { limit, heap, semi } = documentedMemory();
    expect(service(config, 'docker-audit-exporter')).toContain(`mem_limit: ${limit}m`);
    // The image's heap cap applies: the service does not override it.
    expect(service(config, 'docker-audit-exporter')).not.toContain('NODE_OPTIONS');
    expect(fs.readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8')).toMatch(new RegExp(`NODE_OPTIONS="--max-old-space-size=${heap} --max-semi-space-size=${semi}"`));
    const unit = fs.readFileSync(path.join(ROOT, 'deploy', 'systemd', 'docker-audit-exporter.service'), 'utf8');
    expect(unit).toMatch(new RegExp(`^MemoryMax=${limit}M$`, 'm'));
    expect(unit).toMatch(new RegExp(`^Environment="NODE_OPTIONS=--max-old-space-size=${heap} --max-semi-space-size=${semi}"$`, 'm'));
    expect(heap).toBeLessThan(limit);
  });

  it("mounts the socket, the host's root at /host and /etc/docker, read-only, and reads the host there", () => {
    const exporter = service(config, 'docker-audit-exporter');
    const mounts = [...exporter.matchAll(/^    - (\/\S*:\S+)$/gm)].map((m) => m[1]).filter((m) => !m.includes('/tcp'));
    expect(mounts).toEqual(['/var/run/docker.sock:/var/run/docker.sock:ro', '/:/host:ro', '/etc/docker:/etc/docker:ro']);
    for (const flag of ['--host.root-path=/host', '--host.proc-path=/host/proc', '--host.sys-path=/host/sys', '--audit.log-path=/host/var/log/audit/audit.log', '--audit.auditctl-path=']) {
      expect(exporter).toContain(`- ${flag}\n`);
    }
  });

  it('reads the audit rules from the file docker-audit-rules.service writes, under /host', () => {
    const unit = fs.readFileSync(path.join(ROOT, 'deploy', 'systemd', 'docker-audit-rules.service'), 'utf8');
    const written = /^ExecStart=.* mv -f \S+ (\S+?)'?$/m.exec(unit)?.[1];
    expect(written).toBe('/run/docker-audit-rules/auditctl-l.rules');
    expect(service(config, 'docker-audit-exporter')).toContain(`- --audit.rules-paths=/host${written}\n`);
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
    for (const line of HARDENING) expect(exporter).toContain(line);
    // The same memory limit as docker-compose.yml, and the image's heap cap.
    expect(exporter).toContain(`mem_limit: ${documentedMemory().limit}m`);
    expect(exporter).not.toContain('NODE_OPTIONS');
    expect(service(config, 'docker-socket-proxy')).toMatch(/POST: '0'|POST: "0"|POST: 0/);
  });
});
