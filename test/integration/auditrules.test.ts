// The auditrules collector against the real audit subsystem (auditd started by
// scripts/provision.sh): rules this test loads with its own key, read back through the
// built exporter's `auditctl -l`, and the kernel status compared with `auditctl -s`.
//
// Other tests load rules of their own at the same time (never -D). The assertions hold
// whatever they add: a path is expected uncovered only when no foreign rule in the listing
// read before and after the exporter run names it or a folder above it.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseExposition, type ParsedSeries } from '../helpers/exposition';
import { runExporter } from '../helpers/exporter-process';

const KEY = `dae-auditrules-it-${process.pid}`;
const auditctl = (...args: string[]) => execFileSync('auditctl', args, { encoding: 'utf8' });

/** Each rule with the exact arguments that delete it again. */
const RULES: { add: string[]; del: string[] }[] = [
  { add: ['-w', '/etc/docker', '-p', 'wa', '-k', KEY], del: ['-W', '/etc/docker', '-p', 'wa', '-k', KEY] },
  { add: ['-w', '/usr/sbin/dockerd', '-p', 'x', '-k', KEY], del: ['-W', '/usr/sbin/dockerd', '-p', 'x', '-k', KEY] },
  { add: ['-a', 'always,exit', '-F', 'dir=/var/lib/docker', '-F', 'perm=wa', '-k', KEY], del: ['-d', 'always,exit', '-F', 'dir=/var/lib/docker', '-F', 'perm=wa', '-k', KEY] },
  // The substring trap, on a path that exists here.
  { add: ['-w', '/etc/default/docker-old', '-p', 'wa', '-k', KEY], del: ['-W', '/etc/default/docker-old', '-p', 'wa', '-k', KEY] },
  // A watch on a symlink watches the link (Debian: /usr/bin/runc -> ../sbin/runc), not runc.
  { add: ['-w', '/usr/bin/runc', '-p', 'wa', '-k', KEY], del: ['-W', '/usr/bin/runc', '-p', 'wa', '-k', KEY] },
];

const mine = (line: string) => line.split(/\s+/).some((t) => t === KEY || t === `key=${KEY}`);

/** Paths named by rules that are not this test's, with their parent folders resolved as the kernel does. */
function foreignPaths(listing: string): string[] {
  const out: string[] = [];
  for (const line of listing.split('\n')) {
    if (line === '' || mine(line)) continue;
    const named = [/^-w (.+?) -p /.exec(line)?.[1], ...[...line.matchAll(/ -F (?:path|dir)=(\S+)/g)].map((m) => m[1])];
    for (const p of named) {
      if (!p) continue;
      const clean = path.posix.normalize(p).replace(/(.)\/$/, '$1');
      out.push(clean);
      try {
        out.push(path.join(fs.realpathSync(path.dirname(clean)), path.basename(clean)));
      } catch {
        // the parent does not exist
      }
    }
  }
  return out;
}
const foreignCovers = (listings: string[], target: string) =>
  listings.flatMap(foreignPaths).some((p) => p === target || target.startsWith(p === '/' ? '/' : p + '/'));

/** Every collector but auditrules, from the built exporter's --help. */
function otherCollectorsOff(help: string): string[] {
  return [...help.matchAll(/--\[no-\]collector\.([a-z0-9_-]+)\n/g)].map((m) => m[1]).filter((n) => n !== 'auditrules').map((n) => `--no-collector.${n}`);
}

const value = (all: ParsedSeries[], name: string, labels: Record<string, string> = {}) => {
  const found = all.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  if (found.length !== 1) throw new Error(`${name}${JSON.stringify(labels)}: ${found.length} series`);
  return found[0].value;
};

let others: string[] = [];
const added: { add: string[]; del: string[] }[] = [];

beforeAll(async () => {
  const help = await runExporter(['--help'], 30_000);
  others = otherCollectorsOff(help.stdout);
  for (const rule of RULES) {
    auditctl(...rule.add);
    added.push(rule);
  }
}, 60_000);

afterAll(() => {
  for (const rule of added.reverse()) {
    try {
      auditctl(...rule.del);
    } catch (err) {
      console.error(`deleting audit rule ${rule.add.join(' ')} failed: ${(err as Error).message}`);
    }
  }
});

describe('auditrules on the live audit rules', () => {
  it('reads auditctl -l and judges the paths this test watches', async () => {
    const before = auditctl('-l');
    const statusBefore = auditctl('-s');
    const run = await runExporter(['--once', ...others], 30_000);
    const after = auditctl('-l');
    const statusAfter = auditctl('-s');
    if (run.code !== 0) throw new Error(`--once exited ${run.code}; stderr:\n${run.stderr}`);
    const all = parseExposition(run.stdout);

    expect(value(all, 'docker_audit_rules_source', { source: 'auditctl' })).toBe(1);
    expect(value(all, 'docker_audit_rules_source', { source: 'files' })).toBe(0);
    expect(value(all, 'docker_audit_collector_success', { collector: 'auditrules' })).toBe(1);

    // What this test's own rules guarantee, whatever else is loaded.
    expect(value(all, 'docker_audit_rule_present', { check: '1.1.6', path: '/etc/docker' })).toBe(1);
    expect(value(all, 'docker_audit_rule_permissions_ok', { check: '1.1.6', path: '/etc/docker' })).toBe(1);
    expect(value(all, 'docker_audit_rule_present', { check: '1.1.5', path: '/var/lib/docker' })).toBe(1);
    expect(value(all, 'docker_audit_rule_permissions_ok', { check: '1.1.5', path: '/var/lib/docker' })).toBe(1);
    expect(value(all, 'docker_audit_rule_present', { check: '1.1.3', path: '/usr/sbin/dockerd' })).toBe(1);

    // What they do not give, unless another test's rule gives it.
    const listings = [before, after];
    const expectUncovered = (check: string, p: string, family: string) => {
      expect(fs.existsSync(p)).toBe(true);
      const expected = foreignCovers(listings, p) ? [0, 1] : [0];
      expect(expected).toContain(value(all, family, { check, path: p }));
    };
    expectUncovered('1.1.3', '/usr/sbin/dockerd', 'docker_audit_rule_permissions_ok'); // -p x only
    expectUncovered('1.1.10', '/etc/default/docker', 'docker_audit_rule_present'); // -w /etc/default/docker-old
    const runc = fs.realpathSync('/usr/bin/runc');
    if (runc !== '/usr/bin/runc') expectUncovered('1.1.18', runc, 'docker_audit_rule_present');
    else expect(value(all, 'docker_audit_rule_present', { check: '1.1.18', path: runc })).toBe(1);

    // Only paths that exist get series.
    for (const s of all.filter((x) => x.name === 'docker_audit_rule_present')) expect(fs.existsSync(s.labels.path)).toBe(true);
    expect(all.some((s) => s.labels.path === '/etc/sysconfig/docker')).toBe(fs.existsSync('/etc/sysconfig/docker'));

    // The kernel status, read by auditctl -s around the run: fixed values equal, the lost counter in between.
    const status = (text: string, name: string) => Number(new RegExp(`^${name} (\\d+)`, 'm').exec(text)![1]);
    expect(value(all, 'docker_audit_kernel_audit_enabled')).toBe(status(statusBefore, 'enabled'));
    expect(value(all, 'docker_audit_kernel_audit_enabled')).toBe(status(statusAfter, 'enabled'));
    expect(value(all, 'docker_audit_kernel_audit_backlog_limit')).toBe(status(statusBefore, 'backlog_limit'));
    expect(value(all, 'docker_audit_kernel_audit_backlog_limit')).toBe(status(statusAfter, 'backlog_limit'));
    const lost = value(all, 'docker_audit_kernel_audit_lost');
    expect(lost).toBeGreaterThanOrEqual(status(statusBefore, 'lost'));
    expect(lost).toBeLessThanOrEqual(status(statusAfter, 'lost'));
    const backlog = value(all, 'docker_audit_kernel_audit_backlog');
    expect(backlog).toBeGreaterThanOrEqual(0);
    expect(backlog).toBeLessThanOrEqual(status(statusAfter, 'backlog_limit'));
  }, 60_000);

  it('falls back to the rules files when auditctl is missing, and logs why', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dae-auditrules-it-'));
    try {
      fs.writeFileSync(path.join(dir, 'docker.rules'), '-w /etc/default/docker -p wa -k docker\n-w /var/lib/docker-old -p wa -k trap\n');
      const run = await runExporter(['--once', ...others, `--audit.auditctl-path=${dir}/no-auditctl`, `--audit.rules-paths=${dir}`], 30_000);
      expect(run.code).toBe(0);
      const all = parseExposition(run.stdout);
      expect(value(all, 'docker_audit_rules_source', { source: 'files' })).toBe(1);
      expect(value(all, 'docker_audit_rule_present', { check: '1.1.10', path: '/etc/default/docker' })).toBe(1);
      expect(value(all, 'docker_audit_rule_present', { check: '1.1.5', path: '/var/lib/docker' })).toBe(0);
      expect(value(all, 'docker_audit_rule_present', { check: '1.1.6', path: '/etc/docker' })).toBe(0);
      expect(all.filter((s) => s.name.startsWith('docker_audit_kernel_audit_'))).toEqual([]);
      expect(run.stderr).toContain(`auditctl: missing (running ${dir}/no-auditctl -l failed: no such file)`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('clean-up', () => {
  it('leaves no rule with this test\'s key behind', () => {
    for (const rule of added.splice(0).reverse()) auditctl(...rule.del);
    expect(auditctl('-l').split('\n').filter(mine)).toEqual([]);
  });
});
