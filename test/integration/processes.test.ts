// The processes collector against the real Docker Engine: containers of the test image with
// a known number of processes, one of an image built here in which busybox is reached
// through symlinks named init, crond and syslogd (busybox init as PID 1, respawning the
// other two and a sleep: init and crond are in the whole-OS list, syslogd is not), one
// created and never started, one that exited. Only these containers' series are asserted:
// other work creates and removes containers on the same engine meanwhile.
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { silentLogger } from '../../src/base/log';
import { COLLECTOR_NAMES } from '../../src/collectors';
import { createProcessesCollector } from '../../src/collectors/processes';
import { CollectorRunner } from '../../src/collectors/runner';
import { createFacts } from '../../src/facts';
import { EngineClient, resolveConnection, type DockerEngine } from '../../src/readers/engine';
import { TEST_IMAGE, docker, inspectField, removeContainers, waitUntil } from '../helpers/docker-cli';
import { ExporterProcess, EXPORTER_MAIN, seriesValue } from '../helpers/exporter-process';
import { parseExposition, seriesLines } from '../helpers/exposition';
import { testOptions } from '../helpers/options';

const P = 'dae13-proc-it';
const LABEL = 'docker-audit-test=processes';
const FULLOS_IMAGE = `${P}/fullos:1`;
const C = { sleeps: `${P}-sleeps`, fullos: `${P}-fullos`, restarter: `${P}-restarter`, created: `${P}-created`, exited: `${P}-exited`, late: `${P}-late` };
const ids: Record<string, string> = {};
const ONLY_PROCESSES = COLLECTOR_NAMES.filter((n) => n !== 'processes').map((n) => `--no-collector.${n}`);

function cleanUp(): void {
  removeContainers(`${P}-`);
  try {
    docker('rmi', '-f', FULLOS_IMAGE);
  } catch {
    // not there
  }
}

const run = (name: string, ...args: string[]) => docker('run', '-d', '--name', name, '--label', LABEL, '--network', 'none', ...args);
/** The processes `docker top` lists now (the header line aside). */
const topCount = (name: string) => docker('top', name).split('\n').length - 1;

beforeAll(async () => {
  cleanUp();
  // The legacy builder (no BuildKit here) reads the Dockerfile from stdin with no context.
  const dockerfile = [
    `FROM ${TEST_IMAGE}`,
    "RUN mkdir -p /sbin /usr/sbin /var/spool/cron/crontabs /var/log && ln -s /bin/busybox /sbin/init && ln -s /bin/busybox /usr/sbin/crond && ln -s /bin/busybox /sbin/syslogd && printf '::respawn:/usr/sbin/crond -f\\n::respawn:/sbin/syslogd -n\\n::respawn:/bin/sleep 1000\\n' > /etc/inittab",
    'CMD ["/sbin/init"]',
  ].join('\n');
  execFileSync('docker', ['build', '-q', '--label', LABEL, '-t', FULLOS_IMAGE, '-'], { input: dockerfile, stdio: ['pipe', 'pipe', 'pipe'] });
  run(C.sleeps, TEST_IMAGE, 'sh', '-c', 'sleep 1000 & sleep 1000 & wait');
  run(C.fullos, FULLOS_IMAGE);
  // One sleep on its first run, two on every later one (the file stays in its writable layer).
  run(C.restarter, TEST_IMAGE, 'sh', '-c', 'if [ -e /ran ]; then sleep 1000 & fi; touch /ran; sleep 1000 & wait');
  docker('create', '--name', C.created, '--label', LABEL, '--network', 'none', TEST_IMAGE, 'sleep', '1000');
  docker('run', '--name', C.exited, '--label', LABEL, '--network', 'none', TEST_IMAGE, 'true');
  for (const [key, name] of Object.entries(C)) if (key !== 'late') ids[key] = inspectField(name, '{{.Id}}').slice(0, 12);
  // init starts its children after it started: wait until all four run.
  await waitUntil('init respawned crond, syslogd and sleep', () => topCount(C.fullos) === 4, 30_000);
  await waitUntil('the shells started their sleeps', () => topCount(C.sleeps) === 3 && topCount(C.restarter) === 2, 30_000);
}, 120_000);

afterAll(() => {
  cleanUp();
  expect(docker('ps', '-aq', '--filter', `name=^${P}-`)).toBe('');
});

/** The processes series of this file's containers, as "name{labels} value" lines (id and image left out). */
function own(text: string): string[] {
  const all = parseExposition(text).filter((s) => s.labels.name?.startsWith(`${P}-`));
  return [...seriesLines(all, 'docker_audit_container_processes', {}, ['id', 'image']), ...seriesLines(all, 'docker_audit_container_full_os_process', {}, ['id', 'image'])];
}

const processes = (name: string, n: number) => `docker_audit_container_processes{name=${name}} ${n}`;
const fullOs = (name: string, process: string) => `docker_audit_container_full_os_process{name=${name},process=${process}} 1`;

describe('processes collector on the real engine', () => {
  it('--once counts the processes of every running container and names the whole-OS ones, and exits 0', async () => {
    let stdout: string;
    try {
      ({ stdout } = await promisify(execFile)('node', [EXPORTER_MAIN, '--once', ...ONLY_PROCESSES], { encoding: 'utf8', maxBuffer: 64 << 20 }));
    } catch (err) {
      const e = err as { code: number; stderr: string };
      throw new Error(`--once exited ${e.code}: ${e.stderr}`);
    }
    expect(own(stdout)).toEqual([
      processes(C.fullos, 4),
      processes(C.restarter, 2),
      processes(C.sleeps, 3),
      fullOs(C.fullos, 'crond'),
      fullOs(C.fullos, 'init'),
    ]);
    // The labels are those of every per-container series: the short id and the image reference.
    const all = parseExposition(stdout);
    expect(seriesLines(all, 'docker_audit_container_processes', { name: C.fullos })).toEqual([`docker_audit_container_processes{name=${C.fullos},id=${ids.fullos},image=${FULLOS_IMAGE}} 4`]);
    expect(seriesValue(stdout, 'docker_audit_collector_success{collector="processes"}')).toBe(1);
  }, 60_000);

  it('asks the engine once per running container, and not again while nothing changed', async () => {
    // No bound per collection: other work's containers on this engine must not push these out of the first.
    const options = testOptions(['--collector.processes.max-per-collection=0'], { watchEvents: false });
    const client = new EngineClient(resolveConnection({ host: 'unix:///var/run/docker.sock', tlsVerify: false, certPath: '' }), { timeoutMs: 10_000 });
    const asked: string[] = [];
    const engine: DockerEngine = new Proxy(client, {
      get(target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver) as unknown;
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          if (prop === 'containerTop') asked.push(String(args[0]).slice(0, 12));
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });
    const facts = createFacts(engine, silentLogger, options);
    const runner = new CollectorRunner([createProcessesCollector({ engine, facts, options })], silentLogger, Date.now, facts);
    const mine = () => asked.filter((id) => Object.values(ids).includes(id)).sort();
    try {
      const signal = new AbortController().signal;
      const first = await runner.run(signal);
      expect(first.statuses.map((s) => [s.name, s.success])).toEqual([['processes', true]]);
      expect(mine()).toEqual([ids.fullos, ids.restarter, ids.sleeps].sort());
      asked.length = 0;
      const second = await runner.run(signal);
      expect(mine()).toEqual([]);
      const text = second.samples.map((s) => `${s.family.name}{${Object.entries(s.labels).map(([k, v]) => `${k}="${v}"`).join(',')}} ${s.value}`).join('\n');
      expect(own(text)).toEqual([processes(C.fullos, 4), processes(C.restarter, 2), processes(C.sleeps, 3), fullOs(C.fullos, 'crond'), fullOs(C.fullos, 'init')]);
    } finally {
      await runner.close();
      client.close();
    }
  }, 60_000);

  describe('in server mode', () => {
    // Every second, with an interval no test waits out: what changes is seen by a new StartedAt alone.
    const exporter = new ExporterProcess(['--web.listen-address', '127.0.0.1:0', '--collection.schedule', '* * * * * *', '--collector.processes.interval=1h', ...ONLY_PROCESSES]);
    beforeAll(() => exporter.start(), 60_000);
    afterAll(() => exporter.stop(), 30_000);

    /** Waits until a collection completed that started after now. */
    const nextCollection = async () => {
      const last = (m: string) => seriesValue(m, 'docker_audit_last_collection_timestamp_seconds') ?? 0;
      const since = Date.now() / 1000;
      await exporter.waitFor((m) => last(m) > since + 1, 20_000, 'two more collections');
    };

    it('serves the counts, the cached one until the container restarts, and drops the series of a container that stops or goes', async () => {
      const first = await exporter.waitFor((m) => own(m).length === 5, 20_000, 'the series of the running containers');
      expect(own(first)).toEqual([processes(C.fullos, 4), processes(C.restarter, 2), processes(C.sleeps, 3), fullOs(C.fullos, 'crond'), fullOs(C.fullos, 'init')]);

      // An exec adds a process; the answer is cached for the interval (1h), so the count stays.
      docker('exec', '-d', C.restarter, 'sleep', '1000');
      await waitUntil('the exec runs', () => topCount(C.restarter) === 3);
      await nextCollection();
      expect(own(await exporter.metrics())).toContain(processes(C.restarter, 2));

      // Restarted: a new StartedAt, asked at once (and it now runs two sleeps).
      docker('restart', '-t', '0', C.restarter);
      await waitUntil('the restarted shell started both sleeps', () => topCount(C.restarter) === 3);
      await exporter.waitFor((m) => own(m).includes(processes(C.restarter, 3)), 20_000, 'the restarted container\'s new count');

      // A container started after the exporter: asked at once, whatever its time in the interval.
      run(C.late, TEST_IMAGE, 'sleep', '1000');
      await exporter.waitFor((m) => own(m).includes(processes(C.late, 1)), 20_000, 'the new container\'s count');

      // Stopped: no series. Removed: no series.
      docker('stop', '-t', '0', C.fullos);
      docker('rm', '-f', C.sleeps);
      const after = await exporter.waitFor((m) => !own(m).some((l) => l.includes(C.fullos) || l.includes(C.sleeps)), 20_000, 'the stopped and removed containers\' series gone');
      expect(own(after)).toEqual([processes(C.late, 1), processes(C.restarter, 3)]);
      expect(seriesValue(after, 'docker_audit_collector_success{collector="processes"}')).toBe(1);
    }, 120_000);
  });
});
