// The exporter service of docker-compose.yml, for real: the image built as the README says
// (test/helpers/exporter-image.ts, shared with docker-image.test.ts), started with
// `docker-compose up -d docker-audit-exporter` (Debian's docker-compose v1) on the real engine
// with auditd running, with the host facts the README has the user pass (DOCKER_GID, ADM_GID),
// in a project and on a port of its own. The audit rules reach it the way docs/deployment.md
// sets up: the host's docker-audit-rules.service writes `auditctl -l` to
// /run/docker-audit-rules/; with no booted systemd here, its ExecStart is run with that unit's
// user, group, umask, capabilities and private network (setpriv, unshare). Every collector
// must succeed; the CIS section 3 checks must read the host's files (a file this test makes,
// with a known mode, shows up); and the exporter's own container must pass its own checks.
//
// Prometheus and Grafana cannot be pulled here (no registry): those two services are only
// validated with `docker-compose config` (test/unit/deploy/compose.test.ts).
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DEFAULT_COLLECTOR_NAMES } from '../../src/collectors';
import { ComposeProject, EXPORTER_SERVICE, exporterLimits, fileGid, groupGid } from '../helpers/compose';
import { freePort } from '../helpers/free-port';
import { docker, inspectField, waitUntil } from '../helpers/docker-cli';
import { httpGet } from '../helpers/exporter-process';
import { exporterImage } from '../helpers/exporter-image';
import { parseExposition, seriesLines, type ParsedSeries } from '../helpers/exposition';
import { hardenedAs, ownHardening, ownLines } from '../helpers/own-container';
import { execStart, gidOf, readUnit, setprivArgs, SYSTEMD_DIR } from '../helpers/systemd-unit';

const KEY = `dae-compose-it-${process.pid}`;
const PROJECT = `dae-compose-${process.pid}`;
const auditctl = (...args: string[]) => execFileSync('auditctl', args, { encoding: 'utf8' });
const RULE = ['-w', '/etc/docker', '-p', 'wa', '-k', KEY];

// A host file of CIS 3.21/3.22 that a Debian host does not have, so only the host's root
// (mounted at /host) can show it, with a mode no default gives it.
const SYSCONFIG_DIR = '/etc/sysconfig';
const SYSCONFIG_FILE = path.join(SYSCONFIG_DIR, 'docker');
const SYSCONFIG_MODE = 0o600;

let image = '';
let compose: ComposeProject;
let port = 0;
let container = '';
let name = '';
let series: ParsedSeries[] = [];
let text = '';
const cleanups: (() => void)[] = [];

const RULES_UNIT = readUnit(path.join(SYSTEMD_DIR, 'docker-audit-rules.service'));
const RULES_DIR = path.join('/run', RULES_UNIT.value('Service', 'RuntimeDirectory')!);

/** What RuntimeDirectory= makes: /run/docker-audit-rules, owned by User= and Group=, RuntimeDirectoryMode=. */
function makeRulesDir(): void {
  const s = 'Service';
  const mode = parseInt(RULES_UNIT.value(s, 'RuntimeDirectoryMode')!, 8);
  fs.mkdirSync(RULES_DIR, { mode });
  fs.chownSync(RULES_DIR, 0, gidOf(RULES_UNIT.value(s, 'Group')!));
  fs.chmodSync(RULES_DIR, mode);
}

/** Runs docker-audit-rules.service's ExecStart with its user (root), group, umask, capabilities and PrivateNetwork=. */
function runRulesSnapshot(): void {
  const s = 'Service';
  expect([RULES_UNIT.value(s, 'User'), RULES_UNIT.value(s, 'PrivateNetwork')]).toEqual(['root', 'yes']);
  const args = setprivArgs(RULES_UNIT, { uid: 0, gid: gidOf(RULES_UNIT.value(s, 'Group')!), groups: [] });
  const umask = RULES_UNIT.value(s, 'UMask')!;
  execFileSync('unshare', ['--net', 'setpriv', ...args, '/bin/sh', '-c', `umask ${umask}; exec "$@"`, 'sh', ...execStart(RULES_UNIT)], { stdio: ['ignore', 'ignore', 'pipe'] });
}

async function scrape(): Promise<void> {
  const res = await httpGet(`http://127.0.0.1:${port}/metrics`);
  if (res.status !== 200) throw new Error(`GET /metrics: HTTP ${res.status}`);
  text = res.body;
  series = parseExposition(text);
}

const value = (family: string, labels: Record<string, string> = {}): number | undefined => {
  const found = series.filter((s) => s.name === family && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  if (found.length > 1) throw new Error(`${family}${JSON.stringify(labels)}: ${found.length} series`);
  return found[0]?.value;
};

beforeAll(async () => {
  image = exporterImage(); // built once per run: docker-image.test.ts may have built it already

  // Cleanups run last first: the rule goes before the snapshot is taken again or removed.
  if (fs.existsSync(RULES_DIR)) {
    // The host runs the timer: leave its snapshot as the timer would, without this test's rule.
    cleanups.push(() => runRulesSnapshot());
  } else {
    makeRulesDir();
    cleanups.push(() => fs.rmSync(RULES_DIR, { recursive: true, force: true }));
  }
  auditctl(...RULE);
  cleanups.push(() => auditctl('-W', ...RULE.slice(1)));
  runRulesSnapshot();

  if (!fs.existsSync(SYSCONFIG_DIR)) {
    fs.mkdirSync(SYSCONFIG_DIR, { mode: 0o755 });
    cleanups.push(() => fs.rmSync(SYSCONFIG_DIR, { recursive: true, force: true }));
  }
  if (fs.existsSync(SYSCONFIG_FILE)) throw new Error(`${SYSCONFIG_FILE} exists on this host; the test would change it`);
  fs.writeFileSync(SYSCONFIG_FILE, '# docker-audit-exporter compose test\n', { mode: SYSCONFIG_MODE });
  fs.chmodSync(SYSCONFIG_FILE, SYSCONFIG_MODE);
  cleanups.push(() => fs.rmSync(SYSCONFIG_FILE, { force: true }));

  port = await freePort();
  compose = new ComposeProject(PROJECT, {
    // What the README has a user pass.
    DOCKER_GID: fileGid('/var/run/docker.sock'),
    ADM_GID: groupGid('adm'),
    // This test's image and a free port instead of docker-audit-exporter:local and 9795.
    DOCKER_AUDIT_IMAGE: image,
    DOCKER_AUDIT_PORT: String(port),
  });
  cleanups.push(() => compose.down());
  compose.run('up', '-d', '--no-build', EXPORTER_SERVICE);
  container = compose.containerId();
  name = inspectField(container, '{{.Name}}').replace(/^\//, '');

  await waitUntil(
    'every collector has succeeded and the exporter sees its own container',
    async () => {
      if (inspectField(container, '{{.State.Status}}') !== 'running') {
        throw new Error(`the exporter container is ${inspectField(container, '{{.State.Status}}')}; its log:\n${docker('logs', '--tail', '30', container)}`);
      }
      try {
        await scrape();
      } catch {
        return false; // not listening yet
      }
      return DEFAULT_COLLECTOR_NAMES.every((c) => value('docker_audit_collector_success', { collector: c }) === 1) && ownLines(series, 'docker_audit_container_read_only_rootfs', name).length === 1;
    },
    45_000,
  ).catch(async (err: Error) => {
    const failing = series.filter((s) => s.name === 'docker_audit_collector_success').map((s) => `${s.labels.collector}=${s.value}`);
    throw new Error(`${err.message}\ncollectors: ${failing.join(' ')}\nlog:\n${docker('logs', '--tail', '30', container)}`);
  });
}, 600_000);

afterAll(() => {
  for (const cleanup of cleanups.reverse()) {
    try {
      cleanup();
    } catch (err) {
      console.error(`cleanup failed: ${(err as Error).message}`);
    }
  }
}, 120_000);

describe('docker-compose.yml: the exporter service on the real engine', () => {
  it('runs every collector with success 1', () => {
    // Every collector that is on by default: firewall is off (it needs CAP_NET_ADMIN in the host's network namespace: docs/firewall.md).
    expect(DEFAULT_COLLECTOR_NAMES.length).toBe(13);
    expect(seriesLines(series, 'docker_audit_collector_success')).toEqual(DEFAULT_COLLECTOR_NAMES.map((c) => `docker_audit_collector_success{collector=${c}} 1`).sort());
    expect(value('docker_audit_engine_up')).toBe(1);
  });

  it("reads the host's loaded audit rules from the snapshot docker-audit-rules.service writes", () => {
    expect(value('docker_audit_rules_source', { source: 'files' })).toBe(1);
    // The rule this test loaded live: only `auditctl -l` shows it, no rules file has it.
    expect(value('docker_audit_rule_present', { check: '1.1.6', path: '/etc/docker' })).toBe(1);
    expect(value('docker_audit_rule_permissions_ok', { check: '1.1.6', path: '/etc/docker' })).toBe(1);
    // The CIS 1.1.x paths are looked up on the host: dockerd is not in the container.
    expect(series.filter((x) => x.name === 'docker_audit_rule_present' && x.labels.check === '1.1.3').length).toBe(1);
    // The kernel status needs auditctl itself, which the container cannot run.
    expect(value('docker_audit_kernel_audit_enabled')).toBeUndefined();
  });

  it("judges the CIS section 3 files of the host, not the container's", () => {
    // The file this test made, with its mode: no such file in the image.
    expect(value('docker_audit_daemon_file_mode', { path: SYSCONFIG_FILE })).toBe(SYSCONFIG_MODE);
    expect(value('docker_audit_daemon_file_owner_ok', { path: SYSCONFIG_FILE })).toBe(1);
    expect(value('docker_audit_cis_check_passed', { check: '3.21' })).toBe(1);
    expect(value('docker_audit_cis_check_passed', { check: '3.22' })).toBe(1);
    // The socket, with its host mode, and docker.service where the host has it.
    expect(value('docker_audit_daemon_file_mode', { path: '/var/run/docker.sock' })).toBe(fs.statSync('/var/run/docker.sock').mode & 0o7777);
    for (const dir of ['/etc/systemd/system', '/lib/systemd/system', '/usr/lib/systemd/system']) {
      const unit = path.join(dir, 'docker.service');
      if (!fs.existsSync(unit)) continue;
      expect(value('docker_audit_daemon_file_mode', { path: unit })).toBe(fs.statSync(unit).mode & 0o7777);
      break;
    }
    expect(value('docker_audit_cis_check_passed', { check: '3.2' })).toBeDefined();
  });

  it('passes its own container checks, as its own /metrics shows', () => {
    const limits = exporterLimits(compose.run('config'));
    expect(ownHardening(series, name)).toEqual(hardenedAs(limits));
    // No host namespace but, on a cgroup v1 host, the cgroup one: there Engine 20.10's default
    // cgroupns mode is host, and Compose v1 has no key to change it (docs/deployment.md).
    const cgroupV1 = docker('info', '--format', '{{.CgroupVersion}}') === '1';
    expect(ownLines(series, 'docker_audit_container_host_namespace', name)).toEqual(cgroupV1 ? ['namespace=cgroup => 1'] : []);
    // The socket and the host's root, both read-only; nothing else of the host is sensitive.
    expect(ownLines(series, 'docker_audit_container_sensitive_mount', name)).toEqual([
      'source=/,destination=/host,read_only=true => 1',
      'source=/etc/docker,destination=/etc/docker,read_only=true => 1',
      'source=/var/run/docker.sock,destination=/var/run/docker.sock,read_only=true => 1',
    ]);
    expect(seriesLines(series, 'docker_audit_container_info', { name }, ['id', 'image', 'image_id', 'name'])).toEqual([
      `docker_audit_container_info{compose_project=${PROJECT},compose_service=${EXPORTER_SERVICE}} 1`,
    ]);
  });

  it('runs as uid 1000 with only the socket and adm groups, no capability, and a working healthcheck', () => {
    const status = docker('exec', container, 'cat', '/proc/1/status');
    const field = (name: string) => new RegExp(`^${name}:\\s+(.*)$`, 'm').exec(status)![1].trim().split(/\s+/);
    expect(field('Uid')).toEqual(['1000', '1000', '1000', '1000']);
    expect(field('Gid')).toEqual(['1000', '1000', '1000', '1000']);
    // The image's own group, and the two of group_add.
    const groups = [1000, Number(fileGid('/var/run/docker.sock')), Number(groupGid('adm'))];
    expect(field('Groups').map(Number).sort((a, b) => a - b)).toEqual([...new Set(groups)].sort((a, b) => a - b));
    for (const set of ['CapInh', 'CapPrm', 'CapEff', 'CapBnd', 'CapAmb']) expect([set, field(set)]).toEqual([set, ['0000000000000000']]);
    expect(field('NoNewPrivs')).toEqual(['1']);
    // The image's HEALTHCHECK command, run now (its first run would be 30 s after the start).
    const test = JSON.parse(inspectField(container, '{{json .Config.Healthcheck.Test}}')) as string[];
    expect(test[0]).toBe('CMD');
    docker('exec', container, ...test.slice(1)); // throws unless it exits 0
  });

  it('writes nothing: its root filesystem and the host root are read-only', () => {
    // One node in the container tries to write in each folder and prints what it got.
    const dirs = ['/app', '/tmp', '/host', '/host/etc', '/host/var/log/audit', '/host/run/docker-audit-rules'];
    const script = `for (const d of ${JSON.stringify(dirs)}) { try { require("fs").writeFileSync(d + "/${KEY}", ""); console.log(d, "written"); } catch (e) { console.log(d, e.code); } }`;
    const got = Object.fromEntries(
      docker('exec', container, 'node', '-e', script)
        .split('\n')
        .map((l) => l.split(' ')),
    );
    // The container's root and the host's root mount: read-only.
    expect([got['/app'], got['/tmp'], got['/host']]).toEqual(['EROFS', 'EROFS', 'EROFS']);
    // Under /host, a folder on another host mount keeps that mount's flags (Engine 20.10 has no
    // recursive read-only); file permissions stop uid 1000 there (docs/deployment.md).
    for (const d of dirs.slice(3)) expect([d, got[d]]).toEqual([d, expect.stringMatching(/^(EROFS|EACCES)$/)]);
  });
});
