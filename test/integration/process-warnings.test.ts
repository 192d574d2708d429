// The built exporter prints no Node process warning (MaxListenersExceededWarning,
// DeprecationWarning, ...) over several collections against the real engine, in server mode
// on a 1 s schedule and in --once mode. Server mode runs with every container inspected on
// every collection at 16 at once (--collector.containers.inspect-max-age=0,
// --collector.containers.inspect-concurrency=16) over at least 16 containers of our own,
// so more than 10 engine calls are in flight together: before src/base/abort.ts each one
// put an abort listener on the shutdown signal, and Node warned at the 11th.
import { spawnSync } from 'node:child_process';
import { TEST_IMAGE, docker, removeContainers } from '../helpers/docker-cli';
import { EXPORTER_MAIN, ExporterProcess, seriesValue } from '../helpers/exporter-process';

const PREFIX = 'dae13-host-pw-';
const COLLECTIONS = 6;
/** A Node process warning as Node prints it: "(node:123) [DEP0005] DeprecationWarning: ...". */
const warningLines = (stderr: string) => stderr.split('\n').filter((l) => /Warning:/.test(l));

beforeAll(() => {
  removeContainers(PREFIX); // left-overs of a crashed run
  for (let i = 0; i < 16; i++) docker('create', '--name', `${PREFIX}${i}`, '--label', 'docker-audit-test=process-warnings', TEST_IMAGE, 'true');
}, 120_000);
afterAll(() => removeContainers(PREFIX), 120_000);

describe('Node process warnings', () => {
  const exporter = new ExporterProcess([
    '--web.listen-address=127.0.0.1:0',
    '--collection.schedule=* * * * * *',
    '--collector.containers.inspect-max-age=0',
    '--collector.containers.inspect-concurrency=16',
    '--collector.containers.watch-events=false',
  ]);
  afterAll(() => exporter.stop());

  it(`none in server mode over ${COLLECTIONS} collections on a 1 s schedule`, async () => {
    await exporter.start();
    const finished = new Set<number>();
    await exporter.waitFor(
      (metrics) => {
        const at = seriesValue(metrics, 'docker_audit_last_collection_timestamp_seconds');
        if (at !== undefined && at > 0) finished.add(at);
        return finished.size >= COLLECTIONS;
      },
      240_000,
      `${COLLECTIONS} completed collections`,
      250,
    );
    // Our containers were seen, so the inspects really ran.
    const metrics = await exporter.metrics();
    expect(metrics).toContain(`name="${PREFIX}0"`);
    expect(warningLines(exporter.stderr)).toEqual([]);
  }, 300_000);

  it('none in a --once run', () => {
    const run = spawnSync(process.execPath, [EXPORTER_MAIN, '--once', '--collector.containers.inspect-concurrency=16'], { encoding: 'utf8', timeout: 240_000 });
    expect(run.stdout).toContain(`name="${PREFIX}0"`);
    expect(warningLines(run.stderr)).toEqual([]);
  }, 300_000);
});
