// The processes collector over the recorded engine: the recorded containers for which
// containers run, top answers recorded from Engine 20.10 for what runs in them, and a clock
// the test moves. Which containers are asked when (the cache and the spread), what is
// served between asks, and what fails the collector and what only counts.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { CollectContext, Collector } from '../../../src/collectors/collector';
import { createProcessesCollector, engineAnswered, processSamples, runningContainers } from '../../../src/collectors/processes';
import type { Logger } from '../../../src/base/log';
import { silentLogger } from '../../../src/base/log';
import type { Sample } from '../../../src/metrics/sample';
import { createFacts } from '../../../src/facts';
import { topDueAtMs } from '../../../src/model/processes';
import { EngineHttpError } from '../../../src/readers/engine';
import type { ContainerTop } from '../../../src/readers/engine-types';
import { ENGINE_FIXTURES, recordedInspect, type RecordedContainer } from '../../helpers/fixtures';
import { testOptions } from '../../helpers/options';
import { RecordedEngine } from '../../helpers/recorded-engine';

const recordedTop = (name: string): ContainerTop => JSON.parse(fs.readFileSync(path.join(ENGINE_FIXTURES, `recorded-top-${name}.json`), 'utf8')) as ContainerTop;
const idOf = (name: RecordedContainer) => recordedInspect(name).Id;
const short = (name: RecordedContainer) => idOf(name).slice(0, 12);
const INTERVAL = 5 * 60_000;

/** The recorded containers that run (restartloop is restarting, the others created or exited). */
const RUNNING: RecordedContainer[] = ['hostns', 'mounts', 'caps', 'hardened', 'ports', 'unhealthy'];

/** The engine's top fails for one container while the engine answers everything else: as a 500 from the engine. */
const engineSays500 = () => new Error('listing the processes of container x failed', { cause: new EngineHttpError(500, '{"message":"ps: exit status 1"}') });

interface Setup {
  engine: RecordedEngine;
  collector: Collector;
  run(): Promise<{ samples: Sample[]; error?: unknown }>;
  warnings: string[];
  setNow(ms: number): void;
}

function setup(args: string[] = []): Setup {
  const engine = new RecordedEngine();
  engine.tops.set(idOf('hostns'), recordedTop('sleeps'));
  engine.tops.set(idOf('mounts'), recordedTop('fullos'));
  engine.tops.set(idOf('caps'), recordedTop('sshd-title'));
  engine.tops.set(idOf('hardened'), recordedTop('sleeps'));
  engine.tops.set(idOf('ports'), recordedTop('sleeps'));
  // unhealthy has no top: it answers as stopped since the list (409).
  // Inspected on every collection, so a change of an inspect is seen at once.
  const options = testOptions(['--collector.containers.inspect-max-age=0', ...args], { watchEvents: false });
  const facts = createFacts(engine, silentLogger, options);
  const collector = createProcessesCollector({ engine, facts, options });
  const warnings: string[] = [];
  const logger: Logger = { ...silentLogger, warn: (msg, fields) => void warnings.push(`${msg} ${String((fields as { container?: string }).container)}`) };
  let now = Date.UTC(2026, 11, 2, 16, 0, 0);
  let collection = 0;
  return {
    engine,
    collector,
    warnings,
    setNow: (ms) => void (now = ms),
    async run() {
      const samples: Sample[] = [];
      const ctx: CollectContext = { signal: new AbortController().signal, emit: (s) => void samples.push(s), logger, now: () => now, collection: ++collection };
      try {
        await collector.collect(ctx);
        return { samples };
      } catch (error) {
        return { samples, error };
      }
    },
  };
}

/** "name:process=…" lines of the processes collector's series, sorted. */
function lines(samples: readonly Sample[]): string[] {
  return samples
    .map((s) => `${s.family.name}{${Object.entries(s.labels).map(([k, v]) => `${k}=${v}`).join(',')}} ${s.value}`)
    .sort();
}

const base = (name: RecordedContainer) => `id=${short(name)},image=docker-audit-test/busybox:local`;
const EXPECTED_FIRST = [
  `docker_audit_container_full_os_process{name=fixture-rec-caps,${base('caps')},process=sshd} 1`,
  `docker_audit_container_full_os_process{name=fixture-rec-mounts,${base('mounts')},process=crond} 1`,
  `docker_audit_container_full_os_process{name=fixture-rec-mounts,${base('mounts')},process=init} 1`,
  `docker_audit_container_processes_read_errors_total{} 0`,
  `docker_audit_container_processes{name=fixture-rec-caps,${base('caps')}} 2`,
  `docker_audit_container_processes{name=fixture-rec-hardened,${base('hardened')}} 3`,
  `docker_audit_container_processes{name=fixture-rec-hostns,${base('hostns')}} 3`,
  `docker_audit_container_processes{name=fixture-rec-mounts,${base('mounts')}} 4`,
  `docker_audit_container_processes{name=fixture-rec-ports,${base('ports')}} 3`,
].sort();

describe('runningContainers and processSamples', () => {
  it('keep the running containers only, with their StartedAt, and give one series per whole-OS name', () => {
    const inspects = RUNNING.concat(['exited', 'restartloop', 'compose']).map(recordedInspect);
    const postures = inspects.map((i) => ({ state: i.State!.Status!, name: i.Name!.slice(1), shortId: i.Id.slice(0, 12), image: i.Config!.Image! }));
    const running = runningContainers({ inspects, postures: postures as never });
    expect(running.map((c) => c.posture.name)).toEqual(RUNNING.map((n) => `fixture-rec-${n}`));
    expect(running[0].startedAt).toBe(recordedInspect('hostns').State!.StartedAt);
    expect(lines(processSamples(postures[0], { processes: 4, fullOsProcesses: ['crond', 'init'] }))).toEqual([
      `docker_audit_container_full_os_process{name=fixture-rec-hostns,${base('hostns')},process=crond} 1`,
      `docker_audit_container_full_os_process{name=fixture-rec-hostns,${base('hostns')},process=init} 1`,
      `docker_audit_container_processes{name=fixture-rec-hostns,${base('hostns')}} 4`,
    ]);
  });

  it('tell a failure the engine answered (a status, a body that is not JSON) from one it did not', () => {
    expect(engineAnswered(engineSays500())).toBe(true);
    expect(engineAnswered(new Error('x failed', { cause: new SyntaxError('Unexpected token') }))).toBe(true);
    expect(engineAnswered(new Error('x failed: no answer within 10000 ms', { cause: new Error('deadline') }))).toBe(false);
    expect(engineAnswered(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }))).toBe(false);
    expect(engineAnswered('not an error')).toBe(false);
  });
});

describe('the processes collector', () => {
  it('asks every running container once, then serves the answers until each is due at its own time', async () => {
    const { engine, run, setNow } = setup();
    const start = Date.UTC(2026, 11, 2, 16, 0, 0);
    const first = await run();
    expect(first.error).toBeUndefined();
    expect(lines(first.samples)).toEqual(EXPECTED_FIRST);
    // Running ones only, each once; the restarting, exited and created ones are not asked.
    expect([...engine.topCalls].sort()).toEqual(RUNNING.map(idOf).sort());

    engine.topCalls = [];
    setNow(start + 15_000);
    const second = await run();
    expect(lines(second.samples)).toEqual(EXPECTED_FIRST);
    // unhealthy answered "not running" (stopped since the list): no entry, so it is asked again.
    expect(engine.topCalls).toEqual([idOf('unhealthy')]);

    // Each asked container is asked again at its own due time, not before.
    const dues = RUNNING.filter((n) => n !== 'unhealthy').map((n) => ({ id: idOf(n), due: topDueAtMs(idOf(n), start, INTERVAL) }));
    const firstDue = Math.min(...dues.map((d) => d.due));
    engine.topCalls = [];
    setNow(firstDue - 1);
    await run();
    expect(engine.topCalls).toEqual([idOf('unhealthy')]);
    engine.topCalls = [];
    setNow(firstDue);
    await run();
    expect(engine.topCalls.sort()).toEqual([idOf('unhealthy'), ...dues.filter((d) => d.due === firstDue).map((d) => d.id)].sort());
    // By one and a half intervals every one of them was asked again.
    engine.topCalls = [];
    setNow(start + 1.5 * INTERVAL);
    await run();
    expect(new Set(engine.topCalls).size).toBe(engine.topCalls.length);
    expect(engine.topCalls.length).toBe(1 + dues.filter((d) => d.due > firstDue).length);
  });

  it('asks a restarted container at once, and drops the series of one that stopped or went, in the same collection', async () => {
    const { engine, run, setNow } = setup();
    const start = Date.UTC(2026, 11, 2, 16, 0, 0);
    await run();
    engine.topCalls = [];
    // hostns restarted (a new StartedAt) and now runs a whole OS; ports stopped; hardened was removed.
    const hostns = engine.inspects.get(idOf('hostns'))!;
    engine.inspects.set(hostns.Id, { ...hostns, State: { ...hostns.State, StartedAt: '2026-12-02T16:00:10.5Z' } });
    engine.tops.set(hostns.Id, recordedTop('fullos'));
    const ports = engine.inspects.get(idOf('ports'))!;
    engine.inspects.set(ports.Id, { ...ports, State: { ...ports.State, Status: 'exited', Running: false } });
    engine.list = engine.list.filter((c) => c.Id !== idOf('hardened'));
    setNow(start + 15_000);
    const after = await run();
    expect(engine.topCalls.sort()).toEqual([idOf('hostns'), idOf('unhealthy')].sort());
    expect(lines(after.samples)).toEqual(
      [
        `docker_audit_container_full_os_process{name=fixture-rec-caps,${base('caps')},process=sshd} 1`,
        `docker_audit_container_full_os_process{name=fixture-rec-hostns,${base('hostns')},process=crond} 1`,
        `docker_audit_container_full_os_process{name=fixture-rec-hostns,${base('hostns')},process=init} 1`,
        `docker_audit_container_full_os_process{name=fixture-rec-mounts,${base('mounts')},process=crond} 1`,
        `docker_audit_container_full_os_process{name=fixture-rec-mounts,${base('mounts')},process=init} 1`,
        `docker_audit_container_processes_read_errors_total{} 0`,
        `docker_audit_container_processes{name=fixture-rec-caps,${base('caps')}} 2`,
        `docker_audit_container_processes{name=fixture-rec-hostns,${base('hostns')}} 4`,
        `docker_audit_container_processes{name=fixture-rec-mounts,${base('mounts')}} 4`,
      ].sort(),
    );
    // Running again: a new container to the cache, asked at once.
    engine.topCalls = [];
    engine.inspects.set(ports.Id, ports);
    setNow(start + 30_000);
    await run();
    expect(engine.topCalls.sort()).toEqual([idOf('ports'), idOf('unhealthy')].sort());
  });

  it('counts a container whose top fails while the engine answers, logs it once, serves the others and succeeds', async () => {
    const { engine, run, setNow, warnings } = setup();
    engine.topFailures.set(idOf('caps'), engineSays500());
    const start = Date.UTC(2026, 11, 2, 16, 0, 0);
    const first = await run();
    expect(first.error).toBeUndefined();
    expect(lines(first.samples)).toEqual(
      EXPECTED_FIRST.filter((l) => !l.includes('fixture-rec-caps'))
        .map((l) => l.replace('read_errors_total{} 0', 'read_errors_total{} 1'))
        .sort(),
    );
    expect(warnings).toEqual(['reading the processes of a container failed; it has no process series until a read succeeds fixture-rec-caps']);
    // Not asked again before its due time; asked then, and failing again: counted, not logged again.
    engine.topCalls = [];
    setNow(start + 15_000);
    await run();
    expect(engine.topCalls).not.toContain(idOf('caps'));
    setNow(topDueAtMs(idOf('caps'), start, INTERVAL));
    const again = await run();
    expect(engine.topCalls).toContain(idOf('caps'));
    expect(lines(again.samples)).toContain('docker_audit_container_processes_read_errors_total{} 2');
    expect(warnings.length).toBe(1);
    // Once it answers, its series are back; a later failure is logged again.
    engine.topFailures.delete(idOf('caps'));
    const due2 = topDueAtMs(idOf('caps'), topDueAtMs(idOf('caps'), start, INTERVAL), INTERVAL);
    setNow(due2);
    const back = await run();
    expect(lines(back.samples)).toContain(`docker_audit_container_processes{name=fixture-rec-caps,${base('caps')}} 2`);
    engine.topFailures.set(idOf('caps'), engineSays500());
    setNow(topDueAtMs(idOf('caps'), due2, INTERVAL));
    await run();
    expect(warnings.length).toBe(2);
  });

  it('counts a top that got no answer as one container\'s failure when the engine still answers a ping', async () => {
    const { engine, run } = setup();
    let pings = 0;
    engine.ping = async () => {
      pings++;
      return { apiVersion: '1.41', negotiatedVersion: '1.41' };
    };
    engine.topFailures.set(idOf('mounts'), new Error('listing the processes of container x failed: no answer within 10000 ms'));
    const r = await run();
    expect(r.error).toBeUndefined();
    // The collection's shared ping (which reads the engine's kind for the container facts), and one after the top that got no answer.
    expect(pings).toBe(2);
    expect(lines(r.samples)).toContain('docker_audit_container_processes_read_errors_total{} 1');
    expect(r.samples.some((s) => s.labels.name === 'fixture-rec-mounts')).toBe(false);
  });

  it('fails when the engine itself fails: stops asking, still serves what it knows, and counts nothing', async () => {
    const { engine, run, setNow } = setup(['--collector.processes.concurrency=1']);
    const start = Date.UTC(2026, 11, 2, 16, 0, 0);
    await run();
    // The engine goes away: every top and the ping get no answer (the list still works here,
    // as when dockerd dies between the list and the tops).
    const down = Object.assign(new Error('connect ECONNREFUSED /var/run/docker.sock'), { code: 'ECONNREFUSED' });
    for (const n of RUNNING) engine.topFailures.set(idOf(n), new Error(`listing the processes of container ${short(n)} failed`, { cause: down }));
    engine.ping = async () => {
      throw new Error('pinging the engine failed', { cause: down });
    };
    engine.topCalls = [];
    setNow(start + 2 * INTERVAL); // every container due
    const r = await run();
    expect(String((r.error as Error).message)).toBe('reading container processes failed: the engine did not answer');
    expect(engine.topCalls.length).toBe(1); // the others were not sent
    expect(lines(r.samples)).toEqual(EXPECTED_FIRST); // the answers of the last asks, until they are asked
    // The collector fails, too, when the container facts cannot be read.
    engine.failure = down;
    expect((await run()).error).toBe(down);
  });

  it('asks at most --collector.processes.max-per-collection, the new first, and the rest in the next collections', async () => {
    const { engine, run, setNow } = setup(['--collector.processes.max-per-collection=2']);
    const start = Date.UTC(2026, 11, 2, 16, 0, 0);
    const order = engine.list.map((c) => c.Id).filter((id) => RUNNING.map(idOf).includes(id));
    const asked = new Set<string>();
    // Each collection: the two first in list order of those never answered (unhealthy answers
    // "not running", so it stays new), until every one was asked.
    let k = 0;
    let last: Sample[] = [];
    while (asked.size < order.length) {
      engine.topCalls = [];
      setNow(start + k++ * 15_000);
      last = (await run()).samples;
      const expected = order.filter((id) => !asked.has(id) || id === idOf('unhealthy')).slice(0, 2);
      expect(engine.topCalls).toEqual(expected);
      for (const id of expected) asked.add(id);
      expect(k).toBeLessThanOrEqual(5);
    }
    expect(k).toBeGreaterThanOrEqual(3); // 6 containers, 2 a collection
    expect(lines(last)).toEqual(EXPECTED_FIRST);
  });

  it('in --once mode asks every running container on every collection, and keeps nothing', async () => {
    const { engine, run } = setup(['--once', '--collector.processes.max-per-collection=1']);
    const first = await run();
    expect(lines(first.samples)).toEqual(EXPECTED_FIRST);
    engine.topCalls = [];
    await run();
    expect(engine.topCalls.sort()).toEqual(RUNNING.map(idOf).sort());
  });

  it('matches the names of --collector.processes.full-os-names only', async () => {
    const { run } = setup(['--collector.processes.full-os-names=syslogd,sleep']);
    const r = await run();
    expect(lines(r.samples).filter((l) => l.includes('full_os'))).toEqual(
      [
        ...['hardened', 'hostns', 'mounts', 'ports'].map((n) => `docker_audit_container_full_os_process{name=fixture-rec-${n},${base(n as RecordedContainer)},process=sleep} 1`),
        `docker_audit_container_full_os_process{name=fixture-rec-mounts,${base('mounts')},process=syslogd} 1`,
        `docker_audit_container_full_os_process{name=fixture-rec-caps,${base('caps')},process=sleep} 1`,
      ].sort(),
    );
  });
});
