// The logs collector against the real Docker Engine and the real json-file logs under
// /var/lib/docker/containers (read as root, as the tests run): containers that print known
// lines to stdout and stderr, one of them across json-file rotations (max-size=10k,
// max-file=3) that happen between collections, a --log-driver none and a local one, and a
// json-file one without max-size. The collector is driven directly, so the test decides
// when collections happen. Only these containers' series are asserted: other work on the
// same engine has containers (and logs) of its own.
//
// Lines are written into a running container's log deterministically with `docker exec`
// writing to /proc/1/fd/1 and /proc/1/fd/2: the pipes dockerd reads the container's
// stdout and stderr from.
import { execFileSync, execSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { silentLogger } from '../../src/base/log';
import { createLogsCollector } from '../../src/collectors/logs';
import { CollectorRunner } from '../../src/collectors/runner';
import { createFacts } from '../../src/facts';
import type { Sample } from '../../src/metrics/sample';
import { EngineClient, resolveConnection } from '../../src/readers/engine';
import { TEST_IMAGE, docker, removeContainers, waitUntil } from '../helpers/docker-cli';
import { testOptions } from '../helpers/options';
import { SecondDaemon } from '../helpers/second-daemon';

const P = 'dae13-log-';
const LONG = 40_000; // over two of Docker's 16 KiB parts

function inspectOf(name: string): { id: string; logPath: string } {
  const [id, logPath] = docker('inspect', '--format', '{{.Id}} {{.LogPath}}', name).split(' ');
  return { id, logPath };
}

/** Every line of the container's json-file log files on disk, oldest file first. */
function linesOnDisk(logPath: string): string[] {
  const dir = path.dirname(logPath);
  const base = path.basename(logPath);
  const rotated = fs.readdirSync(dir).filter((n) => n.startsWith(base + '.')).sort((a, b) => Number(b.slice(base.length + 1)) - Number(a.slice(base.length + 1)));
  return [...rotated.map((n) => path.join(dir, n)), logPath].flatMap((f) => fs.readFileSync(f, 'utf8').split('\n').filter(Boolean));
}

function diskBytes(logPath: string): number {
  const dir = path.dirname(logPath);
  const base = path.basename(logPath);
  return fs.readdirSync(dir).filter((n) => n === base || n.startsWith(base + '.')).reduce((n, f) => n + fs.statSync(path.join(dir, f)).size, 0);
}

/** Writes a batch of numbered lines into the running container's log: "ERROR i" and "ok i" on stdout, "warn i" on stderr. */
function writeBatch(name: string, from: number, to: number): void {
  docker('exec', name, 'sh', '-c', `exec >/proc/1/fd/1 2>/proc/1/fd/2; for i in $(seq ${from} ${to}); do echo "ERROR $i"; echo "warn $i" >&2; echo "ok $i"; done`);
}

type Counts = Record<string, number>;

/** The container's line counts as "stream/level" -> value, and its other log series. */
function seriesOf(samples: readonly Sample[], name: string): { lines: Counts; driver: string[]; rotation: number | undefined; size: number | undefined } {
  const mine = samples.filter((s) => s.labels.name === name);
  const lines: Counts = {};
  for (const s of mine.filter((s) => s.family.name === 'docker_audit_container_log_lines_total')) lines[`${s.labels.stream}/${s.labels.level}`] = s.value;
  return {
    lines,
    driver: mine.filter((s) => s.family.name === 'docker_audit_container_log_driver').map((s) => `${s.labels.driver} ${s.value}`),
    rotation: mine.find((s) => s.family.name === 'docker_audit_container_log_rotation_configured')?.value,
    size: mine.find((s) => s.family.name === 'docker_audit_container_log_size_bytes')?.value,
  };
}

const expected = (stdoutError: number, stdoutOther: number, stderrWarning: number): Counts => ({
  'stdout/error': stdoutError,
  'stdout/warning': 0,
  'stdout/other': stdoutOther,
  'stderr/error': 0,
  'stderr/warning': stderrWarning,
  'stderr/other': 0,
});

function runnerFor(host: string, argv: string[] = []): { runner: CollectorRunner; close: () => Promise<void> } {
  const options = testOptions(argv, { watchEvents: false, inspectMaxAgeMs: 0 });
  const client = new EngineClient(resolveConnection({ host, tlsVerify: false, certPath: '' }), { timeoutMs: 10_000 });
  const facts = createFacts(client, silentLogger, options);
  const runner = new CollectorRunner([createLogsCollector({ facts, options, logger: silentLogger })], silentLogger, Date.now, facts);
  return {
    runner,
    close: async () => {
      await runner.close();
      client.close();
    },
  };
}

async function collect(runner: CollectorRunner): Promise<readonly Sample[]> {
  const result = await runner.run(new AbortController().signal);
  const status = result.statuses.find((s) => s.name === 'logs')!;
  if (!status.success) throw new Error(`the logs collector failed: ${status.error}`);
  return result.samples;
}

beforeAll(() => removeContainers(P));
afterAll(() => removeContainers(P));

describe('logs collector on the real engine', () => {
  it('reports the driver and rotation of json-file, local and none containers, and counts a json-file log without max-size exactly', async () => {
    const script = `for i in $(seq 1 500); do echo "ERROR $i"; echo "warn $i" >&2; echo "ok $i"; done; head -c ${LONG} /dev/zero | tr '\\0' a; echo " FATAL"; exec sleep 1000`;
    docker('run', '-d', '--name', `${P}plain`, TEST_IMAGE, 'sh', '-c', script);
    docker('run', '-d', '--name', `${P}none`, '--log-driver', 'none', TEST_IMAGE, 'sleep', '1000');
    docker('run', '-d', '--name', `${P}local`, '--log-driver', 'local', TEST_IMAGE, 'sleep', '1000');
    const plain = inspectOf(`${P}plain`);
    // 1500 short lines and the long one, which Docker wrote as three entries (two partial).
    await waitUntil('the plain container printed everything', () => fs.existsSync(plain.logPath) && linesOnDisk(plain.logPath).length === 1500 + Math.ceil((LONG + 7) / 16384));
    const parts = linesOnDisk(plain.logPath).slice(1500).map((l) => JSON.parse(l) as { log: string });
    expect(parts.map((p) => p.log.endsWith('\n'))).toEqual([false, false, true]);

    const { runner, close } = runnerFor('unix:///var/run/docker.sock');
    try {
      const samples = await collect(runner);
      const got = seriesOf(samples, `${P}plain`);
      expect(got.driver).toEqual(['json-file 1']);
      expect(got.rotation).toBe(0);
      expect(got.size).toBe(diskBytes(plain.logPath));
      // The long line counts once, as an error (" FATAL" is in its last part).
      expect(got.lines).toEqual(expected(501, 500, 500));
      expect(seriesOf(samples, `${P}none`)).toEqual({ lines: {}, driver: ['none 1'], rotation: 0, size: undefined });
      expect(seriesOf(samples, `${P}local`)).toEqual({ lines: {}, driver: ['local 1'], rotation: 1, size: undefined });

      // Nothing new: the same counts; then new lines are added to them, not recounted.
      expect(seriesOf(await collect(runner), `${P}plain`).lines).toEqual(expected(501, 500, 500));
      writeBatch(`${P}plain`, 501, 510);
      await waitUntil('the batch reached the log', () => linesOnDisk(plain.logPath).length === 1503 + 30);
      expect(seriesOf(await collect(runner), `${P}plain`).lines).toEqual(expected(511, 510, 510));

      // The series go with the container.
      docker('rm', '-f', `${P}plain`);
      expect(seriesOf(await collect(runner), `${P}plain`)).toEqual({ lines: {}, driver: [], rotation: undefined, size: undefined });
    } finally {
      await close();
    }
  }, 90_000);

  it('counts every line exactly across json-file rotations (max-size=10k, max-file=3) that happen between collections, with and without a byte budget', async () => {
    const name = `${P}rot`;
    docker('run', '-d', '--name', name, '--log-opt', 'max-size=10k', '--log-opt', 'max-file=3', TEST_IMAGE, 'sleep', '1000');
    const { logPath } = inspectOf(name);
    const whole = runnerFor('unix:///var/run/docker.sock');
    // 4 KiB a collection: each batch (about 12 KB) takes several collections, across its rotation.
    const budgeted = runnerFor('unix:///var/run/docker.sock', ['--collector.logs.max-bytes-per-collection=4096']);
    try {
      const first = seriesOf(await collect(whole.runner), name);
      expect(first.rotation).toBe(1);
      expect(first.lines).toEqual(expected(0, 0, 0));
      await collect(budgeted.runner);
      /** The first line of the current file after each round: a new one each time the log rotated. */
      const firstLines = new Set<string>();
      const batch = 50;
      for (let round = 0; round < 6; round++) {
        const from = round * batch + 1;
        const to = (round + 1) * batch;
        writeBatch(name, from, to);
        // Written: stdout and stderr are copied by two goroutines, so either may come last.
        await waitUntil(`batch ${round + 1} reached the log`, () => {
          const lines = linesOnDisk(logPath).join('\n');
          return [`"ERROR ${to}\\n"`, `"warn ${to}\\n"`, `"ok ${to}\\n"`].every((l) => lines.includes(l));
        });
        firstLines.add(fs.readFileSync(logPath, 'utf8').split('\n')[0]);
        expect(seriesOf(await collect(whole.runner), name).lines).toEqual(expected(to, to, to));
        // The budgeted collector needs several collections; its counts never go past the truth.
        for (let i = 0; i < 20; i++) {
          const lines = seriesOf(await collect(budgeted.runner), name).lines;
          for (const [k, v] of Object.entries(lines)) expect(v).toBeLessThanOrEqual(expected(to, to, to)[k]);
          if (lines['stdout/other'] === to && lines['stderr/warning'] === to) break;
        }
        expect(seriesOf(await collect(budgeted.runner), name).lines).toEqual(expected(to, to, to));
      }
      // The log did rotate between collections: a new current file each round (dockerd often
      // gives it the inode of the file it deleted, so inodes do not tell), the rotated ones kept.
      expect(firstLines.size).toBe(6);
      expect(fs.existsSync(`${logPath}.1`) && fs.existsSync(`${logPath}.2`)).toBe(true);
      const samples = await collect(whole.runner);
      expect(seriesOf(samples, name).size).toBe(diskBytes(logPath));
      expect(samples.find((s) => s.family.name === 'docker_audit_container_logs_readable')?.value).toBe(1);
    } finally {
      await whole.close();
      await budgeted.close();
    }
  }, 120_000);
});

describe('logs collector on a second engine with daemon-wide log-opts', () => {
  const daemon = new SecondDaemon({ extraArgs: ['--log-opt', 'max-size=1m', '--log-opt', 'max-file=2'] });
  const other = (...args: string[]): string => execFileSync('docker', ['-H', daemon.host, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();

  beforeAll(async () => {
    await daemon.start();
    execSync(`docker save ${TEST_IMAGE} | docker -H ${daemon.host} load`, { stdio: 'ignore' });
  }, 120_000);
  afterAll(() => daemon.cleanup(), 90_000);

  it('sees the daemon\'s log-opts in the container\'s LogConfig (merged at create), and reads the log under that engine\'s data root', async () => {
    other('run', '-d', '--name', `${P}defaults`, '--network', 'none', TEST_IMAGE, 'sh', '-c', 'echo "permission denied"; echo "warning: x" >&2; exec sleep 1000');
    other('run', '-d', '--name', `${P}own`, '--network', 'none', '--log-opt', 'max-file=4', TEST_IMAGE, 'sleep', '1000');
    expect(JSON.parse(other('inspect', '--format', '{{json .HostConfig.LogConfig}}', `${P}defaults`))).toEqual({ Type: 'json-file', Config: { 'max-file': '2', 'max-size': '1m' } });
    // The container's own option wins; the daemon's others are filled in.
    expect(JSON.parse(other('inspect', '--format', '{{json .HostConfig.LogConfig}}', `${P}own`))).toEqual({ Type: 'json-file', Config: { 'max-file': '4', 'max-size': '1m' } });
    const logPath = other('inspect', '--format', '{{.LogPath}}', `${P}defaults`);
    expect(logPath.startsWith(path.join(daemon.dataRoot, 'containers') + '/')).toBe(true);
    await waitUntil('the container printed its lines', () => fs.existsSync(logPath) && fs.readFileSync(logPath, 'utf8').split('\n').filter(Boolean).length === 2);

    const { runner, close } = runnerFor(daemon.host);
    try {
      const samples = await collect(runner);
      const got = seriesOf(samples, `${P}defaults`);
      expect(got.rotation).toBe(1);
      expect(got.lines).toEqual({ ...expected(1, 0, 1) });
      expect(seriesOf(samples, `${P}own`).rotation).toBe(1);
    } finally {
      await close();
    }
  }, 90_000);
});
