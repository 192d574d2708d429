import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createImagesCollector } from '../../../src/collectors/images';
import { CollectorRunner } from '../../../src/collectors/runner';
import type { ContainerInspect } from '../../../src/readers/engine-types';
import { silentLogger } from '../../../src/base/log';
import type { Sample } from '../../../src/metrics/sample';
import { createFacts } from '../../../src/facts';
import { ENGINE_FIXTURES, recordedImageInspect, series } from '../../helpers/fixtures';
import { testOptions } from '../../helpers/options';
import { RecordedEngine } from '../../helpers/recorded-engine';

const TRIVY = path.join(__dirname, '..', '..', 'fixtures', 'trivy');
const users = JSON.parse(fs.readFileSync(path.join(ENGINE_FIXTURES, 'recorded-resource-users.inspect.json'), 'utf8')) as ContainerInspect[];
const short = (n: 'busybox' | 'nonroot' | 'root' | 'dangling') => recordedImageInspect(n).Id.slice(7, 19);

/** The recorded engine with the two containers record-image-fixtures.sh made (of root:1 and nonroot:1) as its only containers. */
function engineWithUsers(): RecordedEngine {
  const engine = new RecordedEngine();
  engine.list = users.map((c) => ({ Id: c.Id, Names: [c.Name!], State: c.State?.Status, Status: c.State?.Status === 'created' ? 'Created' : 'Exited (0) 1 minute ago', Image: c.Config?.Image }));
  engine.inspects = new Map(users.map((c) => [c.Id, c]));
  return engine;
}

async function collect(engine: RecordedEngine, argv: string[] = []): Promise<{ samples: Sample[]; error?: string }> {
  const options = testOptions(argv, { watchEvents: false });
  const sources = createFacts(engine, silentLogger, options);
  const runner = new CollectorRunner([createImagesCollector({ facts: sources, options, logger: silentLogger })], silentLogger, Date.now, sources);
  const result = await runner.run(new AbortController().signal);
  await runner.close();
  return { samples: result.samples.filter((s) => s.family.collector === 'images'), error: result.statuses[0].error };
}

describe('images collector over the recorded engine', () => {
  it('emits every image\'s series, and the counts by dangling', async () => {
    const { samples, error } = await collect(engineWithUsers());
    expect(error).toBeUndefined();
    // Per-image series carry the id alone; the names are on docker_audit_image_info.
    const img = (_name: string, n: 'busybox' | 'nonroot' | 'root' | 'dangling') => `id=${short(n)}`;
    const on = (family: string) => series(samples, family, []).filter((l) => l.endsWith('=> 1'));
    expect(series(samples, 'docker_audit_images', [])).toEqual(['dangling=false => 3', 'dangling=true => 1']);
    expect(series(samples, 'docker_audit_image_info', [])).toEqual(
      [
        `id=${short('dangling')},image=<none>,tags= => 1`,
        `id=${short('busybox')},image=docker-audit-test/busybox:local,tags=docker-audit-test/busybox:local => 1`,
        `id=${short('nonroot')},image=fixture-rec-img/nonroot:1,tags=fixture-rec-img/nonroot:1 => 1`,
        `id=${short('root')},image=fixture-rec-img/root:1,tags=fixture-rec-img/root:1 => 1`,
      ].sort(),
    );
    expect(on('docker_audit_image_runs_as_root')).toEqual(
      [img('<none>', 'dangling'), img('docker-audit-test/busybox:local', 'busybox'), img('fixture-rec-img/root:1', 'root')].map((l) => `${l} => 1`).sort(),
    );
    expect(on('docker_audit_image_healthcheck_defined')).toEqual([`${img('fixture-rec-img/nonroot:1', 'nonroot')} => 1`]);
    expect(on('docker_audit_image_in_use')).toEqual([img('fixture-rec-img/nonroot:1', 'nonroot'), img('fixture-rec-img/root:1', 'root')].map((l) => `${l} => 1`).sort());
    // Built or loaded locally, never pulled or pushed: no registry digest anywhere.
    expect(series(samples, 'docker_audit_image_repo_digest_present', []).every((l) => l.endsWith('=> 0'))).toBe(true);
    expect(series(samples, 'docker_audit_image_repo_digest_present', [])).toHaveLength(4);
    const list = JSON.parse(fs.readFileSync(path.join(ENGINE_FIXTURES, 'recorded-images.json'), 'utf8')) as { Id: string; Size: number; Created: number }[];
    const root = list.find((i) => i.Id === recordedImageInspect('root').Id)!;
    expect(series(samples, 'docker_audit_image_size_bytes', []).find((l) => l.startsWith(img('fixture-rec-img/root:1', 'root')))).toBe(`${img('fixture-rec-img/root:1', 'root')} => ${root.Size}`);
    expect(series(samples, 'docker_audit_image_created_timestamp_seconds', []).find((l) => l.startsWith(img('fixture-rec-img/root:1', 'root')))).toBe(
      `${img('fixture-rec-img/root:1', 'root')} => ${Math.floor(Date.parse(recordedImageInspect('root').Created!) / 1000)}`,
    );
    // No --trivy.reports-dir: no Trivy series at all.
    expect(samples.filter((s) => s.family.name.includes('trivy') || s.family.name.includes('vulnerab'))).toEqual([]);
  });

  it('counts the Trivy reports\' vulnerabilities per image with every severity, and the unreadable reports', async () => {
    const { samples, error } = await collect(engineWithUsers(), [`--trivy.reports-dir=${TRIVY}`]);
    expect(error).toBeUndefined();
    expect(series(samples, 'docker_audit_image_vulnerabilities', [])).toEqual(
      [
        ...['CRITICAL=1', 'HIGH=2', 'LOW=1', 'MEDIUM=3', 'UNKNOWN=1'].map((s) => `id=${short('root')},severity=${s.replace('=', ' => ')}`),
        ...['CRITICAL', 'HIGH', 'LOW', 'MEDIUM', 'UNKNOWN'].map((s) => `id=${short('busybox')},severity=${s} => 0`),
        ...['CRITICAL', 'HIGH', 'LOW', 'MEDIUM', 'UNKNOWN'].map((s) => `id=${short('nonroot')},severity=${s} => 0`),
      ].sort(),
    );
    expect(series(samples, 'docker_audit_trivy_reports', [])).toEqual(['status=ok => 3', 'status=unmatched => 0', 'status=unreadable => 2']);
    const created = series(samples, 'docker_audit_trivy_report_created_timestamp_seconds', []);
    expect(created).toContain(`id=${short('busybox')} => ${Date.parse('2026-11-23T18:31:00Z') / 1000}`);
    // No CreatedAt in the report: the file's modification time.
    const mtime = fs.statSync(path.join(TRIVY, 'trivy-schema-v2-image-no-results.json')).mtimeMs / 1000;
    expect(created).toContain(`id=${short('nonroot')} => ${mtime}`);
  });

  it('still emits the image series, and fails, when the reports folder cannot be read', async () => {
    const missing = path.join(os.tmpdir(), `dae-images-missing-${process.pid}`);
    const { samples, error } = await collect(engineWithUsers(), [`--trivy.reports-dir=${missing}`]);
    expect(error).toBe(`reading Trivy reports from ${missing} failed: ENOENT: no such file or directory, scandir '${missing}'`);
    expect(series(samples, 'docker_audit_images', [])).toEqual(['dangling=false => 3', 'dangling=true => 1']);
  });

  it('still emits the Trivy series, and fails, when the engine is down', async () => {
    const engine = engineWithUsers();
    engine.failure = new Error('connect ECONNREFUSED /var/run/docker.sock');
    const { samples, error } = await collect(engine, [`--trivy.reports-dir=${TRIVY}`]);
    expect(error).toBe('connect ECONNREFUSED /var/run/docker.sock');
    expect(series(samples, 'docker_audit_images', [])).toEqual([]);
    // The reports name their image ids: they are still counted without the engine.
    expect(series(samples, 'docker_audit_trivy_reports', [])).toEqual(['status=ok => 3', 'status=unmatched => 0', 'status=unreadable => 2']);
  });

  it('matches a report without an image id by its artifact name, keeps the newest per image, and counts the rest as unmatched', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dae-images-trivy-'));
    try {
      const vulnerable = JSON.parse(fs.readFileSync(path.join(TRIVY, 'trivy-schema-v2-image-vulnerable.json'), 'utf8')) as Record<string, unknown>;
      const { Metadata: _dropped, ...bare } = vulnerable;
      fs.writeFileSync(path.join(dir, 'by-name.json'), JSON.stringify(bare)); // fixture-rec-img/root:1, no ImageID
      fs.writeFileSync(path.join(dir, 'elsewhere.json'), JSON.stringify({ ...bare, ArtifactName: 'not-on-this-host:1' }));
      const clean = JSON.parse(fs.readFileSync(path.join(TRIVY, 'trivy-schema-v2-image-clean.json'), 'utf8')) as { Metadata: Record<string, unknown> };
      fs.writeFileSync(path.join(dir, 'newer.json'), JSON.stringify({ ...clean, Metadata: { ...clean.Metadata, ImageID: recordedImageInspect('root').Id } }));
      fs.utimesSync(path.join(dir, 'by-name.json'), new Date(), new Date(Date.now() - 60_000));
      const { samples, error } = await collect(engineWithUsers(), [`--trivy.reports-dir=${dir}`]);
      expect(error).toBeUndefined();
      // The newer (clean) report of root:1 wins over the older one found by name.
      expect(series(samples, 'docker_audit_image_vulnerabilities', [])).toEqual(['CRITICAL', 'HIGH', 'LOW', 'MEDIUM', 'UNKNOWN'].map((s) => `id=${short('root')},severity=${s} => 0`));
      expect(series(samples, 'docker_audit_trivy_reports', [])).toEqual(['status=ok => 2', 'status=unmatched => 1', 'status=unreadable => 0']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('skips an image removed between the list and its inspect', async () => {
    const engine = engineWithUsers();
    engine.imageInspects.delete(recordedImageInspect('dangling').Id);
    const { samples } = await collect(engine);
    expect(series(samples, 'docker_audit_images', [])).toEqual(['dangling=false => 3', 'dangling=true => 0']);
    expect(samples.filter((s) => s.labels.id === short('dangling'))).toEqual([]);
  });
});
