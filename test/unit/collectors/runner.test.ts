import type { Collector } from '../../../src/collectors/collector';
import { createContainersCollector } from '../../../src/collectors/containers';
import { createEngineCollector } from '../../../src/collectors/engine';
import { CollectorRunner } from '../../../src/collectors/runner';
import { silentLogger } from '../../../src/base/log';
import { METRICS } from '../../../src/metrics/catalog';
import { sample } from '../../../src/metrics/sample';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PODMAN_FIXTURES, series, valueOf } from '../../helpers/fixtures';
import { RecordedEngine } from '../../helpers/recorded-engine';
import { testOptions } from '../../helpers/options';
import { createFacts } from '../../../src/facts';

/** The containers collector over its own sources, with their inventory exposed. */
function containersCollector(engine: RecordedEngine, opts = options) {
  const sources = createFacts(engine, silentLogger, opts);
  const collector = createContainersCollector({ facts: sources });
  return Object.assign(collector, { cache: sources.containerInventory.cache, close: () => sources.close() });
}

const options = testOptions(['--collector.containers.inspect-concurrency=4'], { watchEvents: false });

/** The engine collector over facts of its own. */
const engineCollector = (engine: RecordedEngine) => createEngineCollector({ facts: createFacts(engine, silentLogger, options) });
const signal = new AbortController().signal;

describe('CollectorRunner', () => {
  it('keeps the other collectors, and samples emitted before a failure, when one fails', async () => {
    const failing: Collector = {
      name: 'failing',
      async collect(ctx) {
        ctx.emit(sample(METRICS.engineUp, {}, 0));
        throw new Error('reading things failed', { cause: new Error('connect ECONNREFUSED') });
      },
    };
    const fine: Collector = { name: 'fine', collect: async (ctx) => ctx.emit(sample(METRICS.containers, { state: 'running' }, 3)) };
    let now = 1_000_000;
    const runner = new CollectorRunner([failing, fine], silentLogger, () => now);
    const result = await runner.run(signal);
    expect(series(result.samples, 'docker_audit_collector_success', [])).toEqual(['collector=failing => 0', 'collector=fine => 1']);
    expect(series(result.samples, 'docker_audit_collector_last_success_timestamp_seconds', [])).toEqual([
      'collector=failing => 0',
      'collector=fine => 1000',
    ]);
    expect(valueOf(result.samples, 'docker_audit_engine_up')).toBe(0);
    expect(series(result.samples, 'docker_audit_containers', [])).toEqual(['state=running => 3']);
    expect(result.statuses.find((s) => s.name === 'failing')?.error).toBe('reading things failed: connect ECONNREFUSED');
    // The last success survives later failures.
    now = 2_000_000;
    const again = await new CollectorRunner([fine], silentLogger, () => now).run(signal);
    expect(again.statuses[0].lastSuccessTimestampSeconds).toBe(2000);
  });

  it('times each collector', async () => {
    jest.useFakeTimers();
    try {
      const slow: Collector = { name: 'slow', collect: () => new Promise((r) => setTimeout(r, 50)) };
      const running = new CollectorRunner([slow], silentLogger).run(signal);
      await jest.advanceTimersByTimeAsync(50);
      const { statuses } = await running;
      expect(statuses[0].durationSeconds).toBeCloseTo(0.05, 3);
    } finally {
      jest.useRealTimers();
    }
  });

  it('drops a duplicate sample, counts it, logs family and labels, and fails that collector only', async () => {
    const errors: string[] = [];
    const logger = { ...silentLogger, error: (msg: string, fields?: Record<string, unknown>) => errors.push(`${msg} ${JSON.stringify(fields)}`) };
    let emitTwice = true;
    const twice: Collector = {
      name: 'twice',
      async collect(ctx) {
        ctx.emit(sample(METRICS.containers, { state: 'running' }, 1));
        if (emitTwice) ctx.emit(sample(METRICS.containers, { state: 'running' }, 2));
      },
    };
    const fine: Collector = { name: 'fine', collect: async (ctx) => ctx.emit(sample(METRICS.engineUp, {}, 1)) };
    const runner = new CollectorRunner([twice, fine], logger);
    const first = await runner.run(signal);
    expect(series(first.samples, 'docker_audit_containers', [])).toEqual(['state=running => 1']);
    expect(series(first.samples, 'docker_audit_collector_success', [])).toEqual(['collector=fine => 1', 'collector=twice => 0']);
    expect(series(first.samples, 'docker_audit_samples_dropped_total', [])).toEqual(['collector=fine => 0', 'collector=twice => 1']);
    expect(first.statuses[0].error).toBe('emitted 1 duplicate sample (dropped; counted in docker_audit_samples_dropped_total)');
    expect(errors).toEqual(['dropped a duplicate sample {"collector":"twice","family":"docker_audit_containers","labels":"state=\\"running\\""}']);
    // The counter only grows; the collector succeeds again once it stops.
    emitTwice = false;
    const second = await runner.run(signal);
    expect(series(second.samples, 'docker_audit_samples_dropped_total', [])).toEqual(['collector=fine => 0', 'collector=twice => 1']);
    expect(second.statuses[0].success).toBe(true);
  });

  it('gathers 200,000 samples of one collector (10,000 containers) without spreading them into a call', async () => {
    const big: Collector = {
      name: 'big',
      async collect(ctx) {
        for (let i = 0; i < 200_000; i++) ctx.emit(sample(METRICS.containerPrivileged, { name: `c${i}`, id: String(i).padStart(12, '0'), image: 'busybox' }, 0));
      },
    };
    const { samples, statuses } = await new CollectorRunner([big], silentLogger).run(signal);
    expect(statuses[0].success).toBe(true);
    expect(samples.filter((s) => s.family.name === 'docker_audit_container_privileged')).toHaveLength(200_000);
  });
});

describe('engine and containers collectors over the recorded engine', () => {
  it('reports engine_up 1 and engine_info when the engine answers', async () => {
    const engine = new RecordedEngine();
    const { samples } = await new CollectorRunner([engineCollector(engine)], silentLogger).run(signal);
    expect(valueOf(samples, 'docker_audit_engine_up')).toBe(1);
    expect(series(samples, 'docker_audit_engine_info', [])).toEqual([
      'engine=docker,rootless=false,version=20.10.24+dfsg1,api_version=1.41,os=linux,kernel_version=6.18.44-fc-v669,storage_driver=overlay2,logging_driver=json-file,cgroup_driver=cgroupfs,cgroup_version=1 => 1',
    ]);
  });

  it('reports engine="podman" for the recorded Podman answers, and rootless="true" when /info says so', async () => {
    const engine = new RecordedEngine();
    engine.versionAnswer = JSON.parse(fs.readFileSync(path.join(PODMAN_FIXTURES, 'recorded-version.json'), 'utf8'));
    engine.infoAnswer = { ...JSON.parse(fs.readFileSync(path.join(PODMAN_FIXTURES, 'recorded-info.json'), 'utf8')), SecurityOptions: ['name=seccomp,profile=default', 'name=rootless'] };
    const { samples } = await new CollectorRunner([engineCollector(engine)], silentLogger).run(signal);
    const [line] = series(samples, 'docker_audit_engine_info', []);
    expect(line).toMatch(/^engine=podman,rootless=true,version=4\.3\.1,/);
  });

  it('reads /info and /version again only when the engine went away or the answer got old', async () => {
    const engine = new RecordedEngine();
    const calls = { info: 0, version: 0 };
    const info = engine.info.bind(engine);
    engine.info = async () => (calls.info++, info());
    const version = engine.version.bind(engine);
    engine.version = async () => (calls.version++, version());
    let now = 1_000_000;
    const runner = new CollectorRunner([engineCollector(engine)], silentLogger, () => now);
    await runner.run(signal);
    now += 60_000;
    const second = await runner.run(signal);
    expect(calls).toEqual({ info: 1, version: 1 });
    expect(series(second.samples, 'docker_audit_engine_info', []).length).toBe(1);
    engine.failure = new Error('connect ECONNREFUSED');
    await runner.run(signal);
    engine.failure = undefined;
    await runner.run(signal);
    expect(calls).toEqual({ info: 2, version: 2 });
    now += 300_000;
    await runner.run(signal);
    expect(calls).toEqual({ info: 3, version: 3 });
  });

  it('reports engine_up 0, and no container series, when the engine is down', async () => {
    const engine = new RecordedEngine();
    engine.failure = new Error('pinging the engine failed', { cause: Object.assign(new Error('connect ENOENT'), { code: 'ENOENT' }) });
    const runner = new CollectorRunner([engineCollector(engine), containersCollector(engine)], silentLogger);
    const { samples, statuses } = await runner.run(signal);
    expect(valueOf(samples, 'docker_audit_engine_up')).toBe(0);
    expect(statuses.map((s) => [s.name, s.success])).toEqual([
      ['engine', false],
      ['containers', false],
    ]);
    expect(samples.filter((s) => s.family.name.startsWith('docker_audit_container'))).toEqual([]);
  });

  it('counts containers per state with every state present', async () => {
    const engine = new RecordedEngine();
    const { samples } = await new CollectorRunner([containersCollector(engine)], silentLogger).run(signal);
    expect(series(samples, 'docker_audit_containers', [])).toEqual([
      'state=created => 2',
      'state=dead => 0',
      'state=exited => 2',
      'state=paused => 0',
      'state=removing => 0',
      'state=restarting => 1',
      'state=running => 6',
    ]);
    expect(series(samples, 'docker_audit_containers_privileged', [])).toContain('state=created => 1');
    expect(series(samples, 'docker_audit_containers_running_as_root', [])).toContain('state=running => 5');
    expect(series(samples, 'docker_audit_containers_without_memory_limit', [])).toContain('state=running => 5');
    expect(series(samples, 'docker_audit_containers_without_cpu_limit', [])).toContain('state=running => 4');
  });

  it('treats a container removed between list and inspect as gone, not as an error', async () => {
    const engine = new RecordedEngine();
    const removed = engine.list[0];
    engine.inspects.delete(removed.Id);
    const { samples, statuses } = await new CollectorRunner([containersCollector(engine)], silentLogger).run(signal);
    expect(statuses[0].success).toBe(true);
    expect(samples.some((s) => s.labels.id === removed.Id.slice(0, 12))).toBe(false);
    expect(series(samples, 'docker_audit_container_info').length).toBe(engine.list.length - 1);
  });

  it('re-inspects only what changed, and drops removed containers at the next collection', async () => {
    const engine = new RecordedEngine();
    const collector = containersCollector(engine);
    // The list's Status texts ("Up 8 seconds") speak of the moment it was recorded.
    const runner = new CollectorRunner([collector], silentLogger, () => Date.parse('2026-11-23T16:23:02Z'));
    await runner.run(signal);
    expect(engine.calls.inspect).toBe(11);
    await runner.run(signal);
    expect(engine.calls.inspect).toBe(11); // nothing changed: list only
    // One container changes state, one is removed.
    const changed = engine.list.find((c) => c.State === 'created')!;
    engine.list = engine.list.map((c) => (c === changed ? { ...c, State: 'running', Status: 'Up 1 second' } : c));
    const gone = engine.list.find((c) => c.State === 'exited')!;
    engine.list = engine.list.filter((c) => c !== gone);
    const { samples } = await runner.run(signal);
    expect(engine.calls.inspect).toBe(12);
    expect(collector.cache.size).toBe(10);
    expect(samples.some((s) => s.labels.id === gone.Id.slice(0, 12))).toBe(false);
  });
});

describe('containers collector following the event stream', () => {
  const RECORDED_AT = Date.parse('2026-11-23T16:23:02Z');
  const setup = () => {
    const engine = new RecordedEngine();
    let now = RECORDED_AT;
    const collector = containersCollector(engine, { ...options, watchEvents: true });
    const runner = new CollectorRunner([collector], silentLogger, () => now);
    return { engine, runner, collector, advance: (ms: number) => (now += ms) };
  };

  it('skips the list while the stream is up and quiet, but still pings the engine', async () => {
    const { engine, runner, collector } = setup();
    const first = await runner.run(signal);
    expect(engine.streamsOpened).toBe(1);
    expect(engine.calls).toMatchObject({ list: 1, inspect: 11 });
    const pings = engine.calls.ping;
    const second = await runner.run(signal);
    expect(engine.calls).toMatchObject({ list: 1, inspect: 11, ping: pings + 1 });
    const containerSeries = (r: typeof first) => r.samples.filter((s) => !s.family.name.startsWith('docker_audit_collector'));
    expect(containerSeries(second)).toEqual(containerSeries(first));
    await collector.close!();
  });

  it('lists again after a change event, and re-inspects only the changed container', async () => {
    const { engine, runner, collector } = setup();
    await runner.run(signal);
    const changed = engine.list[0].Id;
    engine.stream!.onEvent({ Type: 'container', Action: 'update', Actor: { ID: changed } });
    await runner.run(signal);
    expect(engine.calls).toMatchObject({ list: 2, inspect: 12 });
    // An exec leaves the container as it was: no new list.
    engine.stream!.onEvent({ Type: 'container', Action: 'exec_start: sh -c id', Actor: { ID: changed } });
    await runner.run(signal);
    expect(engine.calls).toMatchObject({ list: 2, inspect: 12 });
    await collector.close!();
  });

  it('lists on every collection while the stream is down, and at least every minute while it is up', async () => {
    const { engine, runner, collector } = setup();
    await runner.run(signal);
    engine.stream!.end();
    await new Promise((r) => setImmediate(r));
    await runner.run(signal);
    expect(engine.calls.list).toBe(2);
    await collector.close!();
    const up = setup();
    await up.runner.run(signal);
    up.advance(59_000);
    await up.runner.run(signal);
    expect(up.engine.calls.list).toBe(1);
    up.advance(2_000);
    await up.runner.run(signal);
    expect(up.engine.calls.list).toBe(2);
    await up.collector.close!();
  });

  it('fails, instead of serving the old list, when the engine stops answering', async () => {
    const { engine, runner, collector } = setup();
    await runner.run(signal);
    engine.failure = new Error('pinging the engine failed: no answer within 1000 ms');
    const { statuses, samples } = await runner.run(signal);
    expect(statuses[0]).toMatchObject({ success: false, error: 'pinging the engine failed: no answer within 1000 ms' });
    expect(samples.filter((s) => s.family.name.startsWith('docker_audit_container'))).toEqual([]);
    engine.failure = undefined;
    await collector.close!();
  });
});
