// The cis collector against the real engine: containers that each fail exactly the intended
// CIS checks, a hardened container that passes every container check, a waived container,
// and images built to fail (or pass) the image checks; read through the built exporter's
// --once output, and the CI one-liner the README documents, run for real.
import { execFile, execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { CIS_CHECKS } from '../../src/cis/checks';
import { COLLECTOR_NAMES } from '../../src/collectors';
import { TEST_IMAGE, docker, inspectField, removeContainers, waitUntil } from '../helpers/docker-cli';
import { parseExposition, type ParsedSeries } from '../helpers/exposition';

const execFileSyncText = (cmd: string, args: string[]) => execFileSync(cmd, args, { encoding: 'utf8' }).trim();
const MAIN = path.join(__dirname, '..', '..', 'dist', 'src', 'cli', 'main.js');
const P = `dae-cis-${process.pid}-`;
const NETWORK = `${P}net`;
const LABEL = ['--label', 'docker-audit-test=cis'];
const ANY_IFACE_PORT = String(30000 + (process.pid % 10000));
const LOOPBACK_PORT = String(40000 + (process.pid % 10000));
const PRIVILEGED_PORT = String(700 + (process.pid % 100));
const IMAGES = { add: `${P}img-add:1`, update: `${P}img-update:1`, clean: `${P}img-clean:1` };
/** Every other collector off: only cis (the sources it needs are read regardless). */
const ONLY_CIS = COLLECTOR_NAMES.filter((n) => n !== 'cis').map((n) => `--no-collector.${n}`);

const CONTAINERS = {
  privileged: ['--privileged'], // created only: a privileged container cannot start here
  hostnet: ['--network', 'host'],
  hostpid: ['--pid', 'host'],
  hostipc: ['--ipc', 'host'],
  hostuts: ['--uts', 'host'],
  capadd: ['--cap-add', 'NET_ADMIN'],
  seccomp: ['--security-opt', 'seccomp=unconfined'],
  socket: ['-v', '/var/run/docker.sock:/var/run/docker.sock:ro'],
  etcro: ['-v', '/etc:/host-etc:ro'],
  anyiface: ['-p', `${ANY_IFACE_PORT}:80`],
  privport: ['-p', `127.0.0.1:${PRIVILEGED_PORT}:80`],
  restart: ['--restart', 'on-failure:10'],
  waived: ['--network', 'host', '--cap-add', 'NET_ADMIN', '--label', 'docker-audit.waive= 5.10 ,5.4, 9.99'],
  hardened: [
    ...['--network', NETWORK, '--memory', '64m', '--cpus', '0.5', '--pids-limit', '64', '--read-only', '--security-opt', 'no-new-privileges'],
    ...['--user', 'nobody', '--health-cmd', 'true', '--health-interval', '1s', '--cap-drop', 'ALL', '--restart', 'on-failure:3', '-p', `127.0.0.1:${LOOPBACK_PORT}:80`],
  ],
} as const;
type Name = keyof typeof CONTAINERS;
const ALL = Object.keys(CONTAINERS) as Name[];
const allBut = (...names: Name[]) => ALL.filter((n) => !names.includes(n));

/** The intended offenders, among this file's containers, of every container check judged here. */
const EXPECTED: Record<string, Name[]> = {
  '4.1': allBut('hardened'),
  '5.4': ['capadd'], // waived adds NET_ADMIN too, but waives 5.4
  '5.5': ['privileged'],
  '5.6': ['socket', 'etcro'], // read-only /etc counts; the socket is in --collector.containers.sensitive-paths
  '5.8': ['privport'],
  '5.10': ['hostnet'], // waived shares it too, but waives 5.10
  '5.11': allBut('hardened'),
  '5.12': allBut('hardened'),
  '5.13': allBut('hardened'),
  '5.14': ['anyiface'],
  '5.15': ['restart'],
  '5.16': ['hostpid'],
  '5.17': ['hostipc'],
  '5.18': [],
  '5.20': [],
  '5.21': ['hostuts'],
  '5.22': ['privileged', 'seccomp'], // --privileged turns seccomp off
  '5.25': [],
  '5.27': allBut('hardened'),
  '5.29': allBut('hardened'),
  '5.30': allBut('hardened', 'hostnet', 'waived'),
  '5.31': [],
  '5.32': ['socket'],
};
/** Judged only once the daemon facts can be read. */
const EXPECTED_WITH_DAEMON: Record<string, Name[]> = { '5.26': allBut('hardened') };
const EXPECTED_IMAGES: Record<string, string[]> = { '4.6': [IMAGES.add, IMAGES.update], '4.7': [IMAGES.update], '4.9': [IMAGES.add] };

let contextDir: string;

function build(tag: string, dockerfile: string): void {
  fs.writeFileSync(path.join(contextDir, 'Dockerfile'), dockerfile);
  docker('build', '-q', '--label', 'docker-audit-test=cis', '-t', tag, contextDir);
}

async function once(...extra: string[]): Promise<{ code: number; stdout: string; stderr: string; series: ParsedSeries[] }> {
  try {
    const { stdout, stderr } = await promisify(execFile)('node', [MAIN, '--once', ...ONLY_CIS, ...extra], { encoding: 'utf8', maxBuffer: 64 << 20 });
    return { code: 0, stdout, stderr, series: parseExposition(stdout) };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    if (typeof e.code !== 'number') throw err;
    return { code: e.code, stdout: e.stdout, stderr: e.stderr, series: parseExposition(e.stdout) };
  }
}

function removeImages(): void {
  for (const tag of Object.values(IMAGES)) {
    try {
      docker('rmi', '-f', tag);
    } catch {
      // not there
    }
  }
}

beforeAll(async () => {
  removeContainers(P);
  removeImages();
  contextDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dae-cis-'));
  fs.writeFileSync(path.join(contextDir, 'hello.txt'), 'hello\n');
  build(IMAGES.add, `FROM ${TEST_IMAGE}\nADD hello.txt /hello.txt\nCMD ["sleep", "3600"]\n`);
  // The history records the command, which is all 4.7 reads; busybox has no package manager.
  build(IMAGES.update, `FROM ${TEST_IMAGE}\nRUN echo apt-get update > /dev/null\nCMD ["sleep", "3600"]\n`);
  build(IMAGES.clean, `FROM ${TEST_IMAGE}\nCOPY hello.txt /hello.txt\nHEALTHCHECK CMD true\nUSER nobody\nCMD ["sleep", "3600"]\n`);
  docker('network', 'create', ...LABEL, NETWORK);
  await Promise.all(
    ALL.map((name) => {
      const verb = name === 'privileged' ? ['create'] : ['run', '-d'];
      return promisify(execFile)('docker', [...verb, '--name', P + name, ...LABEL, ...CONTAINERS[name], TEST_IMAGE, 'sleep', '3600']);
    }),
  );
  await waitUntil('the hardened container is healthy', () => inspectField(P + 'hardened', '{{.State.Health.Status}}') === 'healthy');
}, 180_000);

afterAll(() => {
  removeContainers(P);
  removeImages();
  try {
    docker('network', 'rm', NETWORK);
  } catch {
    // never created
  }
  if (contextDir) fs.rmSync(contextDir, { recursive: true, force: true });
});

/** The objects of one check's failure series that this file created, sorted. */
function mineFailing(series: readonly ParsedSeries[], check: string): string[] {
  return series
    .filter((s) => s.name === 'docker_audit_cis_check_failure' && s.labels.check === check && s.labels.object.startsWith(P))
    .map((s) => s.labels.object)
    .sort();
}
const judgedChecks = (series: readonly ParsedSeries[]) => new Set(series.filter((s) => s.name === 'docker_audit_cis_check_passed').map((s) => s.labels.check));
const sourceUp = (series: readonly ParsedSeries[], source: string) => series.find((s) => s.name === 'docker_audit_cis_source_up' && s.labels.source === source)?.value;

describe('the cis collector against the real engine', () => {
  let result: Awaited<ReturnType<typeof once>>;
  beforeAll(async () => {
    result = await once();
  }, 120_000);

  it('fails every container check for exactly the intended containers', () => {
    const judged = judgedChecks(result.series);
    const expected = { ...EXPECTED, ...(sourceUp(result.series, 'daemon') === 1 ? EXPECTED_WITH_DAEMON : {}) };
    for (const [check, names] of Object.entries(expected)) {
      expect({ check, judged: judged.has(check) }).toEqual({ check, judged: true });
      expect({ check, offenders: mineFailing(result.series, check) }).toEqual({ check, offenders: names.map((n) => P + n).sort() });
    }
  });

  it('passes the hardened container on every judged container check, and counts the waived one', () => {
    const containerChecks = CIS_CHECKS.filter((c) => c.scope === 'container').map((c) => c.id);
    const judged = [...judgedChecks(result.series)].filter((c) => containerChecks.includes(c));
    expect(judged.length).toBeGreaterThanOrEqual(Object.keys(EXPECTED).length);
    for (const check of judged) expect({ check, offenders: mineFailing(result.series, check) }).not.toEqual({ check, offenders: expect.arrayContaining([P + 'hardened']) });
    const waived = (check: string) => result.series.find((s) => s.name === 'docker_audit_cis_check_waived' && s.labels.check === check)?.value;
    expect(waived('5.10')).toBeGreaterThanOrEqual(1);
    expect(waived('5.4')).toBeGreaterThanOrEqual(1);
    // Every judged container check has its waived count, 0 included.
    for (const check of judged) expect(waived(check)).toBeDefined();
    expect(result.stderr).toMatch(new RegExp(`container waives ids that are not CIS container checks.*container=${P}waived.*ids=9\\.99`));
  });

  it('has consistent passed, failures and score series, and says which sources it could read', () => {
    const passed = result.series.filter((s) => s.name === 'docker_audit_cis_check_passed');
    for (const p of passed) {
      const failures = result.series.find((s) => s.name === 'docker_audit_cis_check_failures' && s.labels.check === p.labels.check)!.value;
      expect(result.series.filter((s) => s.name === 'docker_audit_cis_check_failure' && s.labels.check === p.labels.check)).toHaveLength(failures);
      expect(p.value).toBe(failures === 0 ? 1 : 0);
      const info = result.series.find((s) => s.name === 'docker_audit_cis_check_info' && s.labels.check === p.labels.check)!;
      expect(info.labels.title).toBe(CIS_CHECKS.find((c) => c.id === p.labels.check)!.title);
    }
    const score = result.series.find((s) => s.name === 'docker_audit_cis_score_ratio')!.value;
    expect(score).toBeCloseTo(passed.filter((p) => p.value === 1).length / passed.length, 9);
    expect(sourceUp(result.series, 'containers')).toBe(1);
    const allUp = ['containers', 'daemon', 'images', 'audit_rules'].every((s) => sourceUp(result.series, s) === 1);
    expect(result.code).toBe(allUp ? 0 : 1); // a partial score fails the collector
    if (!allUp) expect(result.stderr).toContain('reading the facts of the CIS checks failed');
  });

  it('judges the daemon checks as docker info and stat see the daemon, when the daemon facts can be read', () => {
    if (sourceUp(result.series, 'daemon') !== 1) return expect(judgedChecks(result.series).has('2.2')).toBe(false);
    const passed = (check: string) => result.series.find((s) => s.name === 'docker_audit_cis_check_passed' && s.labels.check === check)?.value;
    const info = JSON.parse(docker('info', '--format', '{{json .}}')) as { LiveRestoreEnabled: boolean; Driver: string; Swarm: { LocalNodeState: string } };
    const swarm = info.Swarm.LocalNodeState === 'active';
    expect(passed('2.15')).toBe(info.LiveRestoreEnabled || swarm ? 1 : 0);
    expect(passed('2.6')).toBe(info.Driver === 'aufs' ? 0 : 1);
    expect(passed('5.1')).toBe(swarm ? 0 : 1);
    const [mode, uid] = execFileSyncText('stat', ['-L', '-c', '%a %u', '/var/run/docker.sock']).split(' ').map((n, i) => (i === 0 ? parseInt(n, 8) : Number(n)));
    expect(passed('3.16')).toBe((mode & ~0o660) === 0 ? 1 : 0);
    if (uid !== 0) expect(passed('3.15')).toBe(0);
  });

  it('judges the image checks on the images it built, when the images source can be read', () => {
    if (sourceUp(result.series, 'images') !== 1) return expect(judgedChecks(result.series).has('4.6')).toBe(false);
    for (const [check, images] of Object.entries(EXPECTED_IMAGES)) {
      expect({ check, offenders: mineFailing(result.series, check) }).toEqual({ check, offenders: [...images].sort() });
    }
  });

  it('the documented CI one-liner fails the pipeline on a failing check, and passes without one', async () => {
    // docs/cis.md documents it (the README links there); whichever holds the section.
    const docs = ['README.md', 'docs/cis.md'].map((f) => path.join(__dirname, '..', '..', f)).filter((f) => fs.existsSync(f)).map((f) => fs.readFileSync(f, 'utf8'));
    const readme = docs.find((d) => d.includes('### Failing a CI pipeline on a failing check'))!;
    const section = readme.slice(readme.indexOf('### Failing a CI pipeline on a failing check'));
    const oneLiner = /```sh\n([\s\S]*?)```/.exec(section)![1].trim();
    expect(oneLiner).toMatch(/^docker-audit-exporter --once .*--fail-on-level=1 > cis-report\.xml$/);
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'dae-cis-ci-'));
    // The command as documented, in a folder of its own; only the bin is called through node, as it is not installed here.
    const run = (command: string) =>
      promisify(execFile)('sh', ['-c', command.replace(/^docker-audit-exporter /, `node ${MAIN} `)], { cwd: work, encoding: 'utf8', maxBuffer: 64 << 20 }).then(
        () => ({ code: 0 }),
        (err: { code: number }) => ({ code: err.code }),
      );
    try {
      // This file's containers fail level-1 checks (5.5 privileged among them): exit 3, and the report names them.
      expect(await run(oneLiner)).toEqual({ code: 3 });
      const report = fs.readFileSync(path.join(work, 'cis-report.xml'), 'utf8');
      const failing = [...report.matchAll(/<testcase [^>]*name="(\d+(?:\.\d+)+) [^"]*"[^>]*>\s*<failure/g)].map((m) => m[1]);
      expect(failing).toEqual(expect.arrayContaining(['5.5', '5.10', '5.32']));
      // Gated on a check that passed above, the same pipeline passes.
      const passing = result.series.find((s) => s.name === 'docker_audit_cis_check_passed' && s.value === 1)!.labels.check;
      const gated = oneLiner.replace('--fail-on-level=1', `--fail-on=${passing}`);
      expect(gated).not.toBe(oneLiner);
      expect(await run(gated)).toEqual({ code: 0 });
    } finally {
      fs.rmSync(work, { recursive: true, force: true });
    }
  }, 120_000);
});
