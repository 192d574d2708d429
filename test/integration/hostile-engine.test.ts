// An engine that lists a container twice (a hostile one on a unix socket: no real engine can
// be made to). In 0.1 the duplicate series made the render throw, the rejection went
// unhandled, and the exporter served its last snapshot forever: new containers never
// appeared and /-/ready stayed 200. Now the snapshot keeps coming, the container is
// reported once, and what the engine did is logged.
import { ExporterProcess, metricLines, runExporter, seriesValue } from '../helpers/exporter-process';
import { HostileEngine } from '../helpers/hostile-engine';
import { parseExposition } from '../helpers/exposition';

const LAST_COLLECTION = 'docker_audit_last_collection_timestamp_seconds';
const ONLY = ['--no-collector.daemon', '--no-collector.auditlog', '--no-collector.auditrules', '--no-collector.events', '--no-collector.images', '--no-collector.resources'];

describe('an engine that lists a container twice', () => {
  const engine = new HostileEngine();
  const exporter = new ExporterProcess(['--docker.host', engine.host, '--web.listen-address', '127.0.0.1:0', '--collection.schedule', '* * * * * *', '--collector.containers.watch-events=false', ...ONLY]);

  beforeAll(async () => {
    await engine.start();
    // Listed twice, as the issue that found it saw.
    engine.list.push({ ...engine.list[0] });
    await exporter.start();
  }, 30_000);

  afterAll(async () => {
    await exporter.stop();
    await engine.stop();
  });

  it('keeps collecting: each container once, new containers appear, and the snapshot stays fresh', async () => {
    const first = await exporter.waitFor((m) => seriesValue(m, LAST_COLLECTION) !== undefined, 15_000, 'a first snapshot');
    const doubled = engine.list[0].Names![0].slice(1);
    const infos = parseExposition(first).filter((s) => s.name === 'docker_audit_container_info' && s.labels.name === doubled);
    expect(infos).toHaveLength(1);
    expect(metricLines(first)).toContain('docker_audit_collector_success{collector="containers"} 1');

    // A container created meanwhile shows up: the snapshot is not frozen.
    engine.addContainer('hardened', 'f'.repeat(64), 'hostile-new');
    const since = seriesValue(first, LAST_COLLECTION)!;
    const later = await exporter.waitFor((m) => m.includes('name="hostile-new"') && seriesValue(m, LAST_COLLECTION)! > since, 15_000, 'the new container and a newer snapshot');
    expect(parseExposition(later).filter((s) => s.name === 'docker_audit_container_info' && s.labels.name === doubled)).toHaveLength(1);
    expect(metricLines(later)).toContain('docker_audit_samples_dropped_total{collector="containers"} 0');
    expect((await exporter.get('/-/ready')).status).toBe(200);
    expect(exporter.stderr).toMatch(/the engine listed containers more than once; each is reported once.*duplicates=1/);
    expect(exporter.stderr).not.toContain('unhandled rejection');
  }, 60_000);

  it('--once prints the container once and exits 0', async () => {
    const res = await runExporter(['--once', '--docker.host', engine.host, ...ONLY], 30_000);
    expect(res.code).toBe(0);
    const doubled = engine.list[0].Names![0].slice(1);
    expect(parseExposition(res.stdout).filter((s) => s.name === 'docker_audit_container_state' && s.labels.name === doubled)).toHaveLength(1);
  }, 60_000);
});

describe('an engine whose event stream sends a line that never ends', () => {
  const engine = new HostileEngine();
  const exporter = new ExporterProcess(['--docker.host', engine.host, '--web.listen-address', '127.0.0.1:0', '--collection.schedule', '* * * * * *', ...ONLY.filter((f) => f !== '--no-collector.events')]);

  beforeAll(async () => {
    engine.events = 'endless-line';
    await engine.start();
    await exporter.start();
  }, 30_000);

  afterAll(async () => {
    await exporter.stop();
    await engine.stop();
  });

  // In 0.1 the line was kept whole and rescanned on every chunk: RSS reached 1.8 GB, scrapes
  // took over a second, and events_stream_up stayed 1.
  it('drops the line at 1 MiB, counts it, subscribes again, and keeps memory and scrapes small', async () => {
    const DROPPED = 'docker_audit_engine_events_dropped_lines_total';
    const m = await exporter.waitFor((t) => (seriesValue(t, DROPPED) ?? 0) >= 3, 60_000, 'three dropped event lines');
    expect(seriesValue(m, 'docker_audit_engine_events_reconnects_total')).toBeGreaterThanOrEqual(2);
    expect(engine.eventStreams).toBeGreaterThanOrEqual(3);
    // Bounded: under 200 MiB resident, where 0.1 grew by the megabyte every second.
    expect(seriesValue(m, 'process_resident_memory_bytes')).toBeLessThan(200 * 1024 * 1024);
    expect(metricLines(m)).toContain('docker_audit_collector_success{collector="containers"} 1');
    expect(exporter.stderr).toMatch(/engine event line was over 1048576 bytes/);
    expect(exporter.stderr).not.toContain('unhandled rejection');
  }, 90_000);
});

describe('an engine that misbehaves in turn: slow, hung, garbage, a huge list, a flapping API version', () => {
  const engine = new HostileEngine();
  const exporter = new ExporterProcess([
    ...['--docker.host', engine.host, '--docker.timeout', '1s', '--web.listen-address', '127.0.0.1:0', '--collection.schedule', '* * * * * *'],
    // Every collection lists: the faults are in the list call.
    '--collector.containers.watch-events=false',
    ...ONLY,
  ]);
  const SUCCESS = 'docker_audit_collector_success{collector="containers"}';
  const LAST = 'docker_audit_last_collection_timestamp_seconds';
  /** A snapshot of a collection that started after now, that satisfies `ok`. */
  const later = async (what: string, ok: (m: string) => boolean, timeoutMs = 20_000) => {
    const since = seriesValue(await exporter.metrics(), LAST) ?? 0;
    return exporter.waitFor((m) => (seriesValue(m, LAST) ?? 0) >= since + 2 && ok(m), timeoutMs, what);
  };
  const recovers = async () => {
    engine.behaviour = 'normal';
    await later('recovery', (m) => seriesValue(m, SUCCESS) === 1 && (seriesValue(m, 'docker_audit_containers{state="running"}') ?? 0) > 0);
    expect((await exporter.get('/-/ready')).status).toBe(200);
  };

  beforeAll(async () => {
    await engine.start();
    await exporter.start();
    await exporter.waitFor((m) => seriesValue(m, SUCCESS) === 1, 15_000, 'a first good collection');
  }, 30_000);

  afterAll(async () => {
    await exporter.stop();
    await engine.stop();
  });

  afterEach(() => expect(exporter.stderr).not.toContain('unhandled rejection'));

  it('slow (300 ms an answer, inside the 1 s deadline): collections take longer and succeed', async () => {
    engine.behaviour = 'slow';
    const m = await later('a slow collection', (t) => (seriesValue(t, 'docker_audit_collector_duration_seconds{collector="containers"}') ?? 0) >= 0.3);
    expect(seriesValue(m, SUCCESS)).toBe(1);
    await recovers();
  }, 60_000);

  it('hung (never answers the list): the collector fails at the deadline, scrapes go on, and it recovers', async () => {
    engine.behaviour = 'hang';
    const m = await later('the containers collector failing', (t) => seriesValue(t, SUCCESS) === 0);
    expect(seriesValue(m, 'docker_audit_engine_up')).toBe(1); // the engine pings fine
    expect(exporter.stderr).toMatch(/listing containers failed: no answer from unix:\/\/\S+ within 1000 ms/);
    await recovers();
  }, 60_000);

  it('garbage (200 with a body that is not JSON): the collector fails and says why, and it recovers', async () => {
    engine.behaviour = 'garbage';
    await later('the containers collector failing', (t) => seriesValue(t, SUCCESS) === 0);
    expect(exporter.stderr).toMatch(/collector failed" collector=containers err="listing containers failed: .*JSON/);
    await recovers();
  }, 60_000);

  it('a huge list (3,000 more containers): all reported, scrapes still fast, and they go when the list shrinks', async () => {
    engine.behaviour = 'huge-list';
    const m = await later('3,000 more containers', (t) => (seriesValue(t, 'docker_audit_containers{state="created"}') ?? 0) >= 3000, 60_000);
    expect(seriesValue(m, SUCCESS)).toBe(1);
    const started = Date.now();
    await exporter.metrics();
    expect(Date.now() - started).toBeLessThan(2000);
    await recovers();
    expect(await exporter.metrics()).not.toContain('name="huge-');
  }, 120_000);

  it('a flapping Api-Version: renegotiated on every change, collections still succeed', async () => {
    engine.behaviour = 'flapping-api-version';
    const versions = new Set<string>();
    await later('three API versions seen', (t) => {
      for (const v of t.matchAll(/^docker_audit_engine_info\{.*api_version="([^"]+)".*\} 1$/gm)) versions.add(v[1]);
      return versions.size >= 3 && seriesValue(t, SUCCESS) === 1;
    });
    expect([...versions].sort()).toEqual(['1.40', '1.41', '1.43']);
    await recovers();
  }, 60_000);
});
