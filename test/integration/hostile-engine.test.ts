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
