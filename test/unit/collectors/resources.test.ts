import * as fs from 'node:fs';
import * as path from 'node:path';
import type { CollectContext } from '../../../src/collectors/collector';
import { createResourcesCollector, networksInUse, reclaimableBytes, resourceSamples } from '../../../src/collectors/resources';
import type { ContainerInspect, SystemDf } from '../../../src/readers/engine-types';
import { silentLogger } from '../../../src/base/log';
import type { Sample } from '../../../src/metrics/sample';
import { createFacts } from '../../../src/facts';
import { ENGINE_FIXTURES, series } from '../../helpers/fixtures';
import { testOptions } from '../../helpers/options';
import { RecordedEngine } from '../../helpers/recorded-engine';

const readFixture = <T>(name: string): T => JSON.parse(fs.readFileSync(path.join(ENGINE_FIXTURES, name), 'utf8')) as T;
/** A container that ran (mounting fixture-rec-img-used, on network fixture-rec-img-used) and one created on that network, never started. */
const users = readFixture<ContainerInspect[]>('recorded-resource-users.inspect.json');
const created = users[1];

/** go-units' HumanSize, which `docker system df` prints: 4 significant digits, decimal units. */
function humanSize(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'];
  let size = bytes;
  let i = 0;
  while (size >= 1000 && i < units.length - 1) {
    size /= 1000;
    i++;
  }
  return `${parseFloat(size.toPrecision(4))}${units[i]}`;
}
const withPercent = (reclaimable: number, total: number) => (total > 0 ? `${humanSize(reclaimable)} (${Math.trunc((reclaimable * 100) / total)}%)` : humanSize(reclaimable));

describe('reclaimableBytes', () => {
  it('matches the RECLAIMABLE column `docker system df` printed from the same engine state', () => {
    const df = readFixture<SystemDf>('recorded-system-df.json');
    const cli = Object.fromEntries(readFixture<{ Type: string; Reclaimable: string }[]>('recorded-system-df-cli.json').map((l) => [l.Type, l.Reclaimable]));
    const r = reclaimableBytes(df);
    const containersTotal = (df.Containers ?? []).reduce((sum, c) => sum + (c.SizeRw ?? 0), 0);
    const volumesTotal = (df.Volumes ?? []).reduce((sum, v) => sum + Math.max(0, v.UsageData?.Size ?? 0), 0);
    expect(withPercent(r.images, df.LayersSize!)).toBe(cli.Images);
    expect(withPercent(r.containers, containersTotal)).toBe(cli.Containers);
    expect(withPercent(r.volumes, volumesTotal)).toBe(cli['Local Volumes']);
    expect(humanSize(r.build_cache)).toBe(cli['Build Cache']);
    // The recording left something to reclaim on each line but the build cache (the legacy builder keeps none).
    expect([r.images > 0, r.containers, r.volumes]).toEqual([true, 20_000, 50_000]);
  });

  it('follows docker/cli on each rule', () => {
    const df: SystemDf = {
      LayersSize: 1000,
      Images: [
        { Id: 'a', Containers: 2, Size: 600, VirtualSize: 600, SharedSize: 100 }, // used: 500 unique bytes are not reclaimable
        { Id: 'b', Containers: 0, Size: 300, SharedSize: 100 },
        { Id: 'c', Containers: 1, Size: 200, SharedSize: -1 }, // sizes not computed: skipped
        { Id: 'd', Containers: 1, Size: 100, SharedSize: 0 }, // API 1.44: no VirtualSize, Size stands in
      ],
      Containers: [
        { Id: '1', State: 'running', SizeRw: 5 },
        { Id: '2', State: 'exited', SizeRw: 7 },
        { Id: '3', State: 'paused', SizeRw: 11 },
        { Id: '4', State: 'created', SizeRw: 13 },
        { Id: '5', State: 'restarting', SizeRw: 17 },
        { Id: '6', State: 'dead' },
      ],
      Volumes: [
        { Name: 'v1', UsageData: { Size: 100, RefCount: 0 } },
        { Name: 'v2', UsageData: { Size: 1000, RefCount: 1 } },
        { Name: 'v3', UsageData: { Size: -1, RefCount: 0 } },
      ],
      BuildCache: [
        { ID: 'x', Size: 40, InUse: false, Shared: false },
        { ID: 'y', Size: 50, InUse: true, Shared: false },
        { ID: 'z', Size: 60, InUse: false, Shared: true },
      ],
    };
    expect(reclaimableBytes(df)).toEqual({ images: 1000 - 500 - 100, containers: 20, volumes: 100, build_cache: 40 });
    expect(reclaimableBytes({})).toEqual({ images: 0, containers: 0, volumes: 0, build_cache: 0 });
  });
});

describe('resourceSamples', () => {
  const volumes = readFixture<{ Volumes: { Name: string }[] }>('recorded-volumes.json').Volumes;
  const networks = readFixture<{ Name: string; Id: string }[]>('recorded-networks.json');
  const net = (name: string) => `network=${name},id=${networks.find((n) => n.Name === name)!.Id.slice(0, 12)},driver=bridge`;

  it('marks the volume and network the recorded containers use, and leaves out the built-in networks', () => {
    const samples = resourceSamples(volumes as never, networks as never, users);
    expect(series(samples, 'docker_audit_volume_in_use', [])).toEqual(['volume=fixture-rec-img-unused,driver=local => 0', 'volume=fixture-rec-img-used,driver=local => 1']);
    expect(series(samples, 'docker_audit_volumes', [])).toEqual(['in_use=false => 1', 'in_use=true => 1']);
    expect(series(samples, 'docker_audit_network_in_use', [])).toEqual([`${net('fixture-rec-img-unused')} => 0`, `${net('fixture-rec-img-used')} => 1`]);
    expect(series(samples, 'docker_audit_networks', [])).toEqual(['in_use=false => 1', 'in_use=true => 1']);
  });

  it('knows a never-started container\'s network by name (it has no NetworkID yet)', () => {
    expect(created.NetworkSettings?.Networks?.['fixture-rec-img-used']?.NetworkID).toBe('');
    expect([...networksInUse([created])]).toEqual(['fixture-rec-img-used']);
    const samples = resourceSamples(volumes as never, networks as never, [created]);
    expect(series(samples, 'docker_audit_network_in_use', []).filter((l) => l.endsWith('=> 1'))).toEqual([`${net('fixture-rec-img-used')} => 1`]);
    expect(series(samples, 'docker_audit_volumes', [])).toEqual(['in_use=false => 2', 'in_use=true => 0']);
  });

  it('counts zero of each when there is nothing', () => {
    expect(series(resourceSamples([], [], []), 'docker_audit_networks', [])).toEqual(['in_use=false => 0', 'in_use=true => 0']);
    expect(series(resourceSamples([], [], []), 'docker_audit_volumes', [])).toEqual(['in_use=false => 0', 'in_use=true => 0']);
  });
});

describe('resources collector: the /system/df schedule', () => {
  /** The recorded engine whose /system/df answers only when the test says so. */
  class SlowDfEngine extends RecordedEngine {
    pending: { resolve(df: SystemDf): void; reject(err: Error): void }[] = [];
    private sent: (() => void)[] = [];
    async systemDf(): Promise<SystemDf> {
      this.imageCalls.df++;
      const answer = new Promise<SystemDf>((resolve, reject) => this.pending.push({ resolve, reject }));
      for (const wake of this.sent.splice(0)) wake();
      return answer;
    }
    /** Until a /system/df waits for its answer: the reads before it (the container facts) take their own time. */
    untilDfSent(): Promise<void> {
      return this.pending.length > 0 ? Promise.resolve() : new Promise((resolve) => this.sent.push(resolve));
    }
  }
  const INTERVAL = 600_000;
  let now: number;
  let collection: number;

  function setup(once: boolean) {
    const engine = new SlowDfEngine();
    engine.list = users.map((c) => ({ Id: c.Id, Names: [c.Name!], State: c.State?.Status, Status: 'Created' }));
    engine.inspects = new Map(users.map((c) => [c.Id, c]));
    const options = testOptions(once ? ['--once'] : [], { watchEvents: false });
    expect(options.resourcesDfIntervalMs).toBe(INTERVAL);
    const sources = createFacts(engine, silentLogger, options);
    const collector = createResourcesCollector({ engine, facts: sources, options, logger: silentLogger });
    const run = async (): Promise<{ samples: Sample[]; error?: unknown }> => {
      const samples: Sample[] = [];
      const ctx: CollectContext = { signal: new AbortController().signal, emit: (s) => void samples.push(s), logger: silentLogger, now: () => now, collection: ++collection };
      try {
        await collector.collect(ctx);
        return { samples };
      } catch (error) {
        return { samples, error };
      }
    };
    return { engine, collector, run };
  }
  const reclaimable = (samples: Sample[]) => series(samples, 'docker_audit_reclaimable_bytes', []);
  const lastSuccess = (samples: Sample[]) => samples.find((s) => s.family.name === 'docker_audit_system_df_last_success_timestamp_seconds')?.value;
  const settle = () => new Promise((r) => setImmediate(r));
  const df = (images: number): SystemDf => ({ LayersSize: images });

  beforeEach(() => {
    now = 1_800_000_000_000;
    collection = 0;
  });

  it('reads in the background and serves the last answer until the next read is due', async () => {
    const { engine, run } = setup(false);
    const first = await run(); // does not wait for the read it started
    expect(first.error).toBeUndefined();
    expect(engine.imageCalls.df).toBe(1);
    expect(reclaimable(first.samples)).toEqual([]);
    expect(lastSuccess(first.samples)).toBe(0);
    expect(series(first.samples, 'docker_audit_volumes', [])).toEqual(['in_use=false => 1', 'in_use=true => 1']);

    now += 2_000;
    engine.pending.shift()!.resolve(df(1234));
    await settle();
    now += 13_000;
    const second = await run();
    expect(reclaimable(second.samples)).toEqual(['type=build_cache => 0', 'type=containers => 0', 'type=images => 1234', 'type=volumes => 0']);
    expect(lastSuccess(second.samples)).toBe((1_800_000_000_000 + 2_000) / 1000);
    expect(engine.imageCalls.df).toBe(1);

    now = 1_800_000_000_000 + INTERVAL; // due again: a new read starts, the old answer is served meanwhile
    const third = await run();
    expect(engine.imageCalls.df).toBe(2);
    expect(reclaimable(third.samples)).toContain('type=images => 1234');
    now += 15_000;
    await run(); // still in flight: no second read on top of it
    expect(engine.imageCalls.df).toBe(2);
    engine.pending.shift()!.resolve(df(99));
    await settle();
    expect(reclaimable((await run()).samples)).toContain('type=images => 99');
  });

  it('reports a failed background read once, keeps serving the last answer, and reads again when due', async () => {
    const { engine, run } = setup(false);
    await run();
    engine.pending.shift()!.resolve(df(1234));
    await settle();
    now += INTERVAL;
    await run();
    engine.pending.shift()!.reject(new Error('reading disk usage (/system/df) failed: no answer within 10000 ms'));
    await settle();
    now += 15_000;
    const failed = await run();
    expect(String(failed.error)).toBe('Error: the last background read of disk usage failed');
    expect((failed.error as Error).cause).toEqual(new Error('reading disk usage (/system/df) failed: no answer within 10000 ms'));
    expect(reclaimable(failed.samples)).toContain('type=images => 1234');
    expect(lastSuccess(failed.samples)).toBe(1_800_000_000);
    expect(series(failed.samples, 'docker_audit_volumes', [])).toHaveLength(2);
    now += 15_000;
    expect((await run()).error).toBeUndefined();
    expect(engine.imageCalls.df).toBe(2);
    now += INTERVAL;
    await run();
    expect(engine.imageCalls.df).toBe(3);
  });

  it('waits for the first read in --once mode, and fails with its error', async () => {
    const ok = setup(true);
    const done = ok.run();
    await ok.engine.untilDfSent();
    ok.engine.pending.shift()!.resolve(readFixture<SystemDf>('recorded-system-df.json'));
    const { samples, error } = await done;
    expect(error).toBeUndefined();
    expect(reclaimable(samples)).toContain('type=volumes => 50000');

    const failing = setup(true);
    const attempt = failing.run();
    await failing.engine.untilDfSent();
    failing.engine.pending.shift()!.reject(new Error('reading disk usage (/system/df) failed'));
    const result = await attempt;
    expect(String(result.error)).toBe('Error: reading disk usage (/system/df) failed');
    expect(reclaimable(result.samples)).toEqual([]);
    expect(lastSuccess(result.samples)).toBe(0);
    expect(series(result.samples, 'docker_audit_networks', [])).toEqual(['in_use=false => 1', 'in_use=true => 1']);
  });

  it('close() waits for a read in flight', async () => {
    const { engine, collector, run } = setup(false);
    await run();
    let closed = false;
    const closing = collector.close!().then(() => (closed = true));
    await settle();
    expect(closed).toBe(false);
    engine.pending.shift()!.reject(new Error('aborted'));
    await closing;
    expect(closed).toBe(true);
  });
});
