// deploy/systemd/: the host install's unit, its sysusers snippet, and the audit-rules snapshot
// units of the compose stack. There is no booted systemd here, so:
// - the exporter is installed into a throwaway root as the unit's header says (npm pack,
//   npm install -g), its user made there by systemd-sysusers on a copy of this host's user
//   database, and `systemd-analyze verify --root` checks every unit against that root (the
//   host's unit folder copied in, so sysinit.target and the rest resolve);
// - `systemd-analyze security --offline=yes` scores the exporter's sandbox and is printed;
// - the installed exporter is run by setpriv(1) with the unit's privileges: the sysusers
//   uid and gid, SupplementaryGroups, CapabilityBoundingSet, AmbientCapabilities and
//   NoNewPrivileges, with a state directory as StateDirectory= makes it. With them every
//   collector succeeds; without the capability only auditrules fails, saying why.
// setpriv does not apply the filesystem and system-call sandbox (ProtectSystem=,
// SystemCallFilter=, ...): only a booted systemd can, so those are verified, not run.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DEFAULT_COLLECTOR_NAMES } from '../../src/collectors';
import { parseExposition, seriesLines, type ParsedSeries } from '../helpers/exposition';
import { execStart, installRoot, listValue, readUnit, setprivArgs, supplementaryGids, sysusersUser, SYSTEMD_DIR, type Identity, type PasswdEntry, type UnitFile } from '../helpers/systemd-unit';

const UNIT_FILE = path.join(SYSTEMD_DIR, 'docker-audit-exporter.service');
const SYSUSERS_FILE = path.join(SYSTEMD_DIR, 'docker-audit-exporter.sysusers');
const UNITS = ['docker-audit-exporter.service', 'docker-audit-rules.service', 'docker-audit-rules.timer'];
/** CAP_AUDIT_CONTROL is capability 30. */
const AUDIT_CONTROL_MASK = (1n << 30n).toString(16).padStart(16, '0');

const unit: UnitFile = readUnit(UNIT_FILE);
let root = '';
let stateDir = '';
let user: PasswdEntry;
let identity: Identity;

/** The unit's ExecStart, its program under the test root, the state directory moved to `stateDir`, the environment file's flags left out. */
function exporterCommand(extra: string[]): string[] {
  const [program, ...args] = execStart(unit);
  const stateDirectory = path.join('/var/lib', unit.value('Service', 'StateDirectory')!);
  return [path.join(root, program), ...args.filter((a) => !a.startsWith('$')).map((a) => a.split(stateDirectory).join(stateDir)), ...extra];
}

/** What systemd puts in the environment of a User= service, and the unit's Environment= lines. */
function unitEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin', // systemd's default for system services
    LANG: 'C.UTF-8',
    USER: user.name,
    LOGNAME: user.name,
    HOME: user.home,
    SHELL: user.shell,
  };
  for (const line of unit.values('Service', 'Environment')) {
    const eq = line.indexOf('=');
    env[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return env;
}

interface Run {
  code: number | null;
  stderr: string;
  series: ParsedSeries[];
}

/** Runs the installed exporter with --once under setpriv with the unit's privileges (or `ambient` instead of its capabilities). */
function runAsUnit(options: { ambient?: string[] } = {}): Run {
  const r = spawnSync('setpriv', [...setprivArgs(unit, identity, options), ...exporterCommand(['--once'])], {
    encoding: 'utf8',
    env: unitEnv(),
    cwd: '/', // WorkingDirectory= defaults to /
    timeout: 60_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.error) throw r.error;
  return { code: r.status, stderr: r.stderr, series: r.stdout.startsWith('#') ? parseExposition(r.stdout) : [] };
}

const successes = (run: Run) => seriesLines(run.series, 'docker_audit_collector_success');
const allSucceed = (except: string[] = []) => DEFAULT_COLLECTOR_NAMES.map((c) => `docker_audit_collector_success{collector=${c}} ${except.includes(c) ? 0 : 1}`).sort();
/** The "collector failed" log lines of one collector. */
const failures = (run: Run, collector: string) => run.stderr.split('\n').filter((l) => l.includes(`collector=${collector} `) && l.includes('msg="collector failed"'));

beforeAll(() => {
  root = installRoot(UNITS);
  user = sysusersUser(root, SYSUSERS_FILE, unit.value('Service', 'User')!);
  identity = { uid: user.uid, gid: user.gid, groups: supplementaryGids(unit) };
  // What StateDirectory= and StateDirectoryMode= make: owned by the user, mode 0700.
  stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dae-state-'));
  fs.chownSync(stateDir, user.uid, user.gid);
  fs.chmodSync(stateDir, parseInt(unit.value('Service', 'StateDirectoryMode')!, 8));
}, 120_000);

afterAll(() => {
  for (const dir of [root, stateDir]) if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('deploy/systemd/docker-audit-exporter.service', () => {
  it('runs as a dedicated system user with the docker and adm groups, CAP_AUDIT_CONTROL only, and the sandbox the issue asks for', () => {
    const s = 'Service';
    expect(unit.value(s, 'User')).toBe(user.name);
    expect(unit.value(s, 'Group')).toBe(user.name);
    expect(user.uid).toBeGreaterThan(0);
    expect(user.uid).toBeLessThan(1000); // a system user, as sysusers allocates it
    expect(user.shell).toMatch(/nologin$/);
    expect(listValue(unit, 'SupplementaryGroups')).toEqual(['docker', 'adm']);
    expect(listValue(unit, 'AmbientCapabilities')).toEqual(['CAP_AUDIT_CONTROL']);
    expect(listValue(unit, 'CapabilityBoundingSet')).toEqual(['CAP_AUDIT_CONTROL']);
    for (const [key, want] of [
      ['NoNewPrivileges', 'yes'],
      ['ProtectSystem', 'strict'],
      ['ProtectHome', 'yes'],
      ['PrivateTmp', 'yes'],
      ['StateDirectory', 'docker-audit-exporter'],
      ['StateDirectoryMode', '0700'],
    ]) {
      expect([key, unit.value(s, key)]).toEqual([key, want]);
    }
    // The audit log position is kept in the state directory.
    expect(execStart(unit)).toContain('--audit.state-file=/var/lib/docker-audit-exporter/auditlog.state');
  });

  it('passes systemd-analyze verify, with the audit-rules snapshot service and its timer', () => {
    for (const name of UNITS) {
      const r = spawnSync('systemd-analyze', ['verify', `--root=${root}`, name], { encoding: 'utf8' });
      // Any output is a finding (an unknown key or a missing program is only warned about).
      expect([name, r.status, r.stdout + r.stderr]).toEqual([name, 0, '']);
    }
  });

  it('has an exposure of at most 2.5 in systemd-analyze security --offline=yes, printed here', () => {
    const r = spawnSync('systemd-analyze', ['security', '--offline=yes', `--root=${root}`, '--no-pager', 'docker-audit-exporter.service'], { encoding: 'utf8' });
    expect([r.status, r.stderr]).toEqual([0, '']);
    // For the CI log: what each setting scores (✗ lines are what the exporter is allowed).
    const table = r.stdout.replace(/\x1b\[[0-9;]*m/g, '').replace(/[ \t]+$/gm, '');
    console.log(`systemd-analyze security --offline=yes docker-audit-exporter.service\n${table.split('\n').filter((l) => !l.startsWith('✓')).join('\n')}`);
    const m = /Overall exposure level for docker-audit-exporter\.service: (\d+\.\d+)/.exec(table);
    expect(m).not.toBeNull();
    expect(Number(m![1])).toBeLessThanOrEqual(2.5);
  });

  it('gives the process exactly its uid, groups and capability, as setpriv applies them', () => {
    const r = spawnSync('setpriv', [...setprivArgs(unit, identity), 'cat', '/proc/self/status'], { encoding: 'utf8' });
    expect([r.status, r.stderr]).toEqual([0, '']);
    const field = (name: string) => new RegExp(`^${name}:\\s+(.*)$`, 'm').exec(r.stdout)![1].trim().split(/\s+/);
    expect(field('Uid')).toEqual(Array(4).fill(String(user.uid)));
    expect(field('Gid')).toEqual(Array(4).fill(String(user.gid)));
    expect(field('Groups').map(Number).sort((a, b) => a - b)).toEqual([...identity.groups].sort((a, b) => a - b));
    for (const set of ['CapInh', 'CapPrm', 'CapEff', 'CapBnd', 'CapAmb']) expect([set, field(set)[0]]).toEqual([set, AUDIT_CONTROL_MASK]);
    expect(field('NoNewPrivs')).toEqual(['1']);
  });

  it('runs every collector with success 1 with those privileges, the live rules and kernel status from auditctl included', () => {
    const run = runAsUnit();
    const complaints = run.stderr.split('\n').filter((l) => / level=(warn|error) /.test(l));
    expect([run.code, complaints]).toEqual([0, []]);
    expect(successes(run)).toEqual(allSucceed());
    expect(seriesLines(run.series, 'docker_audit_rules_source', { source: 'auditctl' })).toEqual(['docker_audit_rules_source{source=auditctl} 1']);
    expect(seriesLines(run.series, 'docker_audit_kernel_audit_enabled')).toEqual([`docker_audit_kernel_audit_enabled{} ${spawnSync('auditctl', ['-s'], { encoding: 'utf8' }).stdout.match(/^enabled (\d)/m)![1]}`]);
    // The CIS 1.1.x paths were looked up (dockerd is on this host).
    expect(seriesLines(run.series, 'docker_audit_rule_present', { check: '1.1.3' })).toHaveLength(1);
    // StateDirectory= is where the audit log position goes, written as the unit's user.
    const state = path.join(stateDir, 'auditlog.state');
    expect(fs.statSync(state).uid).toBe(user.uid);
  });

  it('fails only auditrules without CAP_AUDIT_CONTROL, saying why', () => {
    const run = runAsUnit({ ambient: [] });
    expect(run.code).toBe(1); // --once exits 1 when a collector failed
    expect(successes(run)).toEqual(allSucceed(['auditrules']));
    expect(seriesLines(run.series, 'docker_audit_rules_source', { source: 'none' })).toEqual(['docker_audit_rules_source{source=none} 1']);
    const failed = failures(run, 'auditrules');
    expect(failed).toHaveLength(1);
    // auditctl refuses without the capability, and the rules files are root's (/etc/audit is 0750 on Debian).
    expect(failed[0]).toContain('running auditctl -l failed: exit code 4: You must be root to run this program.');
    expect(failed[0]).toMatch(/EACCES: permission denied, \w+ '\/etc\/audit\//);
    expect(DEFAULT_COLLECTOR_NAMES.filter((c) => c !== 'auditrules' && failures(run, c).length > 0)).toEqual([]);
  });

  it('needs CAP_AUDIT_CONTROL itself: CAP_AUDIT_READ and CAP_AUDIT_WRITE do not do', () => {
    const run = runAsUnit({ ambient: ['CAP_AUDIT_READ', 'CAP_AUDIT_WRITE'] });
    expect(successes(run)).toEqual(allSucceed(['auditrules']));
    expect(failures(run, 'auditrules')[0]).toContain('running auditctl -l failed: exit code 4');
  });
});
