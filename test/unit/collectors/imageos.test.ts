// The imageos collector and its facts over the recorded engine (test/helpers/recorded-engine.ts),
// its archives built with tarOf in the engine's layout (one entry, named by the base name;
// test/fixtures/imageos holds archives recorded from the real engine).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { silentLogger } from '../../../src/base/log';
import { createImageOsCollector } from '../../../src/collectors/imageos';
import { CollectorRunner } from '../../../src/collectors/runner';
import { createFacts } from '../../../src/facts';
import { ImageOsReader } from '../../../src/facts/image-os';
import { MAX_LABEL_VALUE_LENGTH } from '../../../src/metrics/render';
import type { Sample } from '../../../src/metrics/sample';
import { tarOf } from '../../../src/model/tar';
import { recordedImageInspect } from '../../helpers/fixtures';
import { testOptions } from '../../helpers/options';
import { RecordedEngine } from '../../helpers/recorded-engine';

const FIXTURES = path.join(__dirname, '..', '..', 'fixtures', 'imageos');
const UBUNTU = fs.readFileSync(path.join(FIXTURES, 'os-release', 'ubuntu-18.04'), 'utf8');
const RECORDED_LINK = fs.readFileSync(path.join(FIXTURES, 'archive-symlink-etc-os-release.tar'));
const BUSYBOX = recordedImageInspect('busybox').Id;
const short = (n: 'busybox' | 'nonroot' | 'root' | 'dangling') => recordedImageInspect(n).Id.slice(7, 19);
const file = (text: string) => Buffer.from(tarOf([{ name: 'os-release', data: text }]));

/** The recorded containers, all of the busybox image, in list order. */
const busyboxContainers = (engine: RecordedEngine): string[] => engine.list.map((c) => c.Id!).filter((id) => engine.inspects.get(id)?.Image === BUSYBOX);

/** Every busybox container: /etc/os-release a link to ../usr/lib/os-release (as recorded), and that file Ubuntu 18.04's. */
function ubuntuEngine(): RecordedEngine {
  const engine = new RecordedEngine();
  for (const id of busyboxContainers(engine)) {
    engine.archives.set(`${id}:/etc/os-release`, RECORDED_LINK);
    engine.archives.set(`${id}:/usr/lib/os-release`, file(UBUNTU));
  }
  return engine;
}

function collector(engine: RecordedEngine, nowMs: number, argv: string[] = []) {
  const options = testOptions(argv, { watchEvents: false });
  const facts = createFacts(engine, silentLogger, options);
  const runner = new CollectorRunner([createImageOsCollector({ engine, facts, options })], silentLogger, () => nowMs, facts);
  return {
    async run(): Promise<{ lines: string[]; error?: string }> {
      const result = await runner.run(new AbortController().signal);
      const lines = result.samples.filter((s) => s.family.collector === 'imageos').map(line).sort();
      return { lines, error: result.statuses[0].error };
    },
    close: () => runner.close(),
  };
}
const line = (s: Sample) => `${s.family.name}{${Object.entries(s.labels).map(([k, v]) => `${k}=${v}`).join(',')}} ${s.value}`;
const status = (lines: string[]) => lines.filter((l) => l.startsWith('docker_audit_image_os_release_status') && l.endsWith(' 1'));

describe('imageos collector over the recorded engine', () => {
  it('follows the link to /usr/lib/os-release, and reports the images without a container as not read', async () => {
    const engine = ubuntuEngine();
    const c = collector(engine, Date.UTC(2023, 0, 1));
    const { lines, error } = await c.run();
    await c.close();
    expect(error).toBeUndefined();
    const b = short('busybox');
    expect(lines.filter((l) => !l.startsWith('docker_audit_image_os_release_status'))).toEqual(
      [
        `docker_audit_image_os_info{id=${b},os_id=ubuntu,version_id=18.04,pretty_name=Ubuntu 18.04.6 LTS} 1`,
        `docker_audit_image_os_eol{id=${b}} 0`, // 2023-01-01 is before 2023-05-31
        `docker_audit_image_os_eol_timestamp_seconds{id=${b}} ${Date.UTC(2023, 4, 31) / 1000}`,
        `docker_audit_image_os_eol_unknown{id=${b}} 0`,
        'docker_audit_image_os_release_read_failures_total{} 0',
        `docker_audit_image_os_eol_table_updated_timestamp_seconds{source=bundled} ${Date.UTC(2026, 11, 2) / 1000}`,
      ].sort(),
    );
    expect(status(lines)).toEqual(
      [
        `docker_audit_image_os_release_status{id=${b},status=read} 1`,
        `docker_audit_image_os_release_status{id=${short('nonroot')},status=no_container} 1`,
        `docker_audit_image_os_release_status{id=${short('root')},status=no_container} 1`,
        `docker_audit_image_os_release_status{id=${short('dangling')},status=no_container} 1`,
      ].sort(),
    );
    expect(lines.filter((l) => l.startsWith('docker_audit_image_os_release_status'))).toHaveLength(4 * 4);
    // One container read, link then target; no container created or started (the engine has no such call).
    const first = busyboxContainers(engine)[0];
    expect(engine.archiveCalls).toEqual([`${first}:/etc/os-release`, `${first}:/usr/lib/os-release`]);
  });

  it('is past end of life from the date on, and reads nothing again on a steady collection', async () => {
    const engine = ubuntuEngine();
    const c = collector(engine, Date.UTC(2023, 4, 31));
    await c.run();
    engine.archiveCalls.length = 0;
    const { lines } = await c.run();
    await c.close();
    expect(lines).toContain(`docker_audit_image_os_eol{id=${short('busybox')}} 1`);
    expect(engine.archiveCalls).toEqual([]);
  });

  it('reports not_found when neither path is there, and keeps that answer', async () => {
    const engine = new RecordedEngine();
    const c = collector(engine, Date.now());
    const { lines } = await c.run();
    const first = busyboxContainers(engine)[0];
    expect(engine.archiveCalls).toEqual([`${first}:/etc/os-release`, `${first}:/usr/lib/os-release`]);
    expect(status(lines)).toContain(`docker_audit_image_os_release_status{id=${short('busybox')},status=not_found} 1`);
    expect(lines.some((l) => l.startsWith('docker_audit_image_os_info'))).toBe(false);
    await c.run();
    await c.close();
    expect(engine.archiveCalls).toHaveLength(2);
  });

  it('counts a hostile archive as failed, and tries it again next collection', async () => {
    const engine = new RecordedEngine();
    for (const id of busyboxContainers(engine)) engine.archives.set(`${id}:/etc/os-release`, Buffer.alloc(700, 0x41));
    const c = collector(engine, Date.now());
    const one = await c.run();
    const two = await c.run();
    await c.close();
    // The collector succeeds: one image's failure is its status, not the collection's.
    expect(one.error).toBeUndefined();
    expect(status(one.lines)).toContain(`docker_audit_image_os_release_status{id=${short('busybox')},status=failed} 1`);
    expect(one.lines).toContain('docker_audit_image_os_release_read_failures_total{} 1');
    expect(two.lines).toContain('docker_audit_image_os_release_read_failures_total{} 2');
  });

  it('says unknown for an OS version the table does not list, with no eol series', async () => {
    const engine = new RecordedEngine();
    for (const id of busyboxContainers(engine)) engine.archives.set(`${id}:/etc/os-release`, file('ID=alpine\nVERSION_ID=3.20.0_alpha20240329\nPRETTY_NAME="Alpine Linux edge"\n'));
    const c = collector(engine, Date.now());
    const { lines } = await c.run();
    await c.close();
    const b = short('busybox');
    expect(lines).toContain(`docker_audit_image_os_eol_unknown{id=${b}} 1`);
    expect(lines.filter((l) => l.startsWith('docker_audit_image_os_eol{') || l.startsWith('docker_audit_image_os_eol_timestamp'))).toEqual([]);
  });

  it('bounds a long PRETTY_NAME as every label value is bounded', async () => {
    const engine = new RecordedEngine();
    for (const id of busyboxContainers(engine)) engine.archives.set(`${id}:/etc/os-release`, file(`ID=debian\nVERSION_ID=12\nPRETTY_NAME="${'x'.repeat(5000)}"\n`));
    const c = collector(engine, Date.now());
    const { lines } = await c.run();
    await c.close();
    const info = lines.find((l) => l.startsWith('docker_audit_image_os_info'))!;
    const pretty = /pretty_name=(.*)\} 1$/.exec(info)![1];
    expect(pretty.length).toBeLessThanOrEqual(MAX_LABEL_VALUE_LENGTH);
    expect(pretty).toMatch(/^x{1000}…[0-9a-f]{8}$/);
  });
});

describe('ImageOsReader', () => {
  it('tries the next container of the image when one was removed since the list', async () => {
    const engine = ubuntuEngine();
    const [gone, next] = busyboxContainers(engine);
    const realArchive = engine.containerArchive.bind(engine);
    engine.containerArchive = async (id, p) => (id === gone ? (engine.archiveCalls.push(`${id}:${p}`), { found: false, missing: 'container' }) : realArchive(id, p));
    const facts = createFacts(engine, silentLogger, testOptions([], { watchEvents: false }));
    const ref = { collection: 1, signal: new AbortController().signal, now: Date.now };
    const reader = new ImageOsReader(engine, { concurrency: 4 });
    const result = await reader.read(await facts.images.get(ref), (await facts.containers.get(ref)).inspects);
    expect(result.find((r) => r.imageId === BUSYBOX)).toMatchObject({ status: 'read', path: '/usr/lib/os-release', os: { id: 'ubuntu' } });
    expect(engine.archiveCalls).toEqual([`${gone}:/etc/os-release`, `${next}:/etc/os-release`, `${next}:/usr/lib/os-release`]);
  });

  it('ends a link loop, and drops the answers of images no longer listed', async () => {
    const engine = new RecordedEngine();
    const link = (target: string) => Buffer.from(tarOf([{ name: 'os-release', type: 'symlink', linkName: target }]));
    for (const id of busyboxContainers(engine)) {
      engine.archives.set(`${id}:/etc/os-release`, link('/etc/a'));
      engine.archives.set(`${id}:/etc/a`, link('os-release'));
      engine.archives.set(`${id}:/usr/lib/os-release`, link('../../etc/os-release'));
    }
    const facts = createFacts(engine, silentLogger, testOptions([], { watchEvents: false }));
    const reader = new ImageOsReader(engine, { concurrency: 4 });
    const read = async (n: number) => {
      const ref = { collection: n, signal: new AbortController().signal, now: Date.now };
      return reader.read(await facts.images.get(ref), (await facts.containers.get(ref)).inspects);
    };
    expect((await read(1)).find((r) => r.imageId === BUSYBOX)?.status).toBe('not_found');
    const first = busyboxContainers(engine)[0];
    expect(engine.archiveCalls).toEqual([`${first}:/etc/os-release`, `${first}:/etc/a`, `${first}:/usr/lib/os-release`]);
    expect(reader.cached).toBe(1);
    engine.images = engine.images.filter((i) => i.Id !== BUSYBOX);
    expect((await read(2)).map((r) => r.imageId)).not.toContain(BUSYBOX);
    expect(reader.cached).toBe(0);
  });
});
