// The images and resources collectors against the real Docker Engine: images built here
// (one with USER nobody and a HEALTHCHECK, one root without, and a dangling one: the first
// build of a tag built twice), a volume and a network a container uses and one of each that
// nothing uses, and Trivy reports in a folder. Only these objects' series are asserted:
// other work creates and removes objects on the same engine meanwhile.
import { execFile, execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { COLLECTOR_NAMES } from '../../src/collectors';
import { createImagesCollector } from '../../src/collectors/images';
import { createResourcesCollector } from '../../src/collectors/resources';
import { CollectorRunner } from '../../src/collectors/runner';
import { EngineClient, resolveConnection } from '../../src/readers/engine';
import { silentLogger } from '../../src/base/log';
import { createFacts } from '../../src/facts';
import { TEST_IMAGE, docker, waitUntil } from '../helpers/docker-cli';
import { parseExposition, seriesLines, type ParsedSeries } from '../helpers/exposition';
import { testOptions } from '../helpers/options';

const MAIN = path.join(__dirname, '..', '..', 'dist', 'src', 'cli', 'main.js');
const TRIVY_FIXTURES = path.join(__dirname, '..', 'fixtures', 'trivy');
const P = `dae-images-${process.pid}`;
const LABEL = 'docker-audit-test=images';
const NONROOT = `${P}/nonroot:1`;
const ROOT = `${P}/root:1`;
const ids = { nonroot: '', root: '', dangling: '' };
const short = (id: string) => id.replace(/^sha256:/, '').slice(0, 12);
let reportsDir: string;

function build(tag: string, dockerfile: string): string {
  // The legacy builder (no BuildKit here) reads the Dockerfile from stdin with no context.
  execFileSync('docker', ['build', '-q', '--label', LABEL, '-t', tag, '-'], { input: `FROM ${TEST_IMAGE}\n${dockerfile}\n`, stdio: ['pipe', 'pipe', 'pipe'] });
  return docker('image', 'inspect', '--format', '{{.Id}}', tag);
}

function cleanUp(): void {
  const quiet = (...args: string[]) => {
    try {
      docker(...args);
    } catch {
      // already gone
    }
  };
  const containers = docker('ps', '-aq', '--filter', `name=^${P}-`).split('\n').filter(Boolean);
  if (containers.length > 0) quiet('rm', '-f', ...containers);
  for (const id of [...docker('images', '-q', `${P}/*`).split('\n'), ids.dangling].filter(Boolean)) quiet('rmi', '-f', id);
  quiet('volume', 'rm', `${P}-used`, `${P}-unused`);
  quiet('network', 'rm', `${P}-used`, `${P}-unused`);
}

beforeAll(() => {
  cleanUp();
  ids.nonroot = build(NONROOT, 'USER nobody\nHEALTHCHECK --interval=30s CMD true');
  ids.dangling = build(ROOT, 'RUN echo first > /content');
  ids.root = build(ROOT, 'RUN echo second > /content');
  docker('volume', 'create', '--label', LABEL, `${P}-used`);
  docker('volume', 'create', '--label', LABEL, `${P}-unused`);
  docker('network', 'create', '--internal', '--label', LABEL, `${P}-used`);
  docker('network', 'create', '--internal', '--label', LABEL, `${P}-unused`);
  docker('run', '--name', `${P}-user`, '--label', LABEL, '-v', `${P}-used:/data`, '--network', `${P}-used`, ROOT, 'sh', '-c', 'echo x > /data/x');

  reportsDir = fs.mkdtempSync(path.join(os.tmpdir(), `${P}-trivy-`));
  const report = JSON.parse(fs.readFileSync(path.join(TRIVY_FIXTURES, 'trivy-schema-v2-image-vulnerable.json'), 'utf8')) as Record<string, unknown>;
  // Without its Metadata (the recorded ImageID is another image's): found by its ArtifactName.
  const { Metadata: _metadata, ...bare } = report;
  fs.writeFileSync(path.join(reportsDir, 'root.json'), JSON.stringify({ ...bare, ArtifactName: ROOT }));
  fs.copyFileSync(path.join(TRIVY_FIXTURES, 'malformed-truncated.json'), path.join(reportsDir, 'broken.json'));
}, 120_000);

afterAll(() => {
  cleanUp();
  if (reportsDir) fs.rmSync(reportsDir, { recursive: true, force: true });
  expect(docker('images', '-q', `${P}/*`)).toBe('');
});

/** The series of the objects this file made, as "name{labels} value" lines. */
function expectOwnSeries(all: ParsedSeries[]): void {
  const mineImages = all.filter((s) => [ids.nonroot, ids.root, ids.dangling].map(short).includes(s.labels.id));
  // Per-image series carry the id alone; the name is on docker_audit_image_info.
  const img = (_name: string, id: string) => `id=${short(id)}`;
  const lines = (family: string) => seriesLines(mineImages, family);
  const each = (family: string, values: [string, string, number][]) =>
    expect(lines(family)).toEqual(values.map(([name, id, v]) => `${family}{${img(name, id)}} ${v}`).sort());
  each('docker_audit_image_runs_as_root', [[NONROOT, ids.nonroot, 0], [ROOT, ids.root, 1], ['<none>', ids.dangling, 1]]);
  each('docker_audit_image_healthcheck_defined', [[NONROOT, ids.nonroot, 1], [ROOT, ids.root, 0], ['<none>', ids.dangling, 0]]);
  each('docker_audit_image_in_use', [[NONROOT, ids.nonroot, 0], [ROOT, ids.root, 1], ['<none>', ids.dangling, 0]]);
  each('docker_audit_image_repo_digest_present', [[NONROOT, ids.nonroot, 0], [ROOT, ids.root, 0], ['<none>', ids.dangling, 0]]);
  const created = (id: string) => Math.floor(Date.parse(docker('image', 'inspect', '--format', '{{.Created}}', id)) / 1000);
  const size = (id: string) => Number(docker('image', 'inspect', '--format', '{{.Size}}', id));
  each('docker_audit_image_created_timestamp_seconds', [[NONROOT, ids.nonroot, created(ids.nonroot)], [ROOT, ids.root, created(ids.root)], ['<none>', ids.dangling, created(ids.dangling)]]);
  each('docker_audit_image_size_bytes', [[NONROOT, ids.nonroot, size(ids.nonroot)], [ROOT, ids.root, size(ids.root)], ['<none>', ids.dangling, size(ids.dangling)]]);
  expect(lines('docker_audit_image_info')).toEqual(
    [
      `docker_audit_image_info{id=${short(ids.nonroot)},image=${NONROOT},tags=${NONROOT}} 1`,
      `docker_audit_image_info{id=${short(ids.root)},image=${ROOT},tags=${ROOT}} 1`,
      `docker_audit_image_info{id=${short(ids.dangling)},image=<none>,tags=} 1`,
    ].sort(),
  );
  // The dangling image is among those counted as dangling.
  expect(all.find((s) => s.name === 'docker_audit_images' && s.labels.dangling === 'true')?.value).toBeGreaterThanOrEqual(1);

  // The report names the image by ArtifactName only (its ImageID is dropped below): matched by tag.
  expect(seriesLines(all, 'docker_audit_image_vulnerabilities', { id: short(ids.root) })).toEqual(
    ['CRITICAL 1', 'HIGH 2', 'LOW 1', 'MEDIUM 3', 'UNKNOWN 1'].map((s) => `docker_audit_image_vulnerabilities{id=${short(ids.root)},severity=${s.replace(' ', '} ')}`),
  );
  expect(seriesLines(all, 'docker_audit_trivy_reports')).toEqual(['docker_audit_trivy_reports{status=ok} 1', 'docker_audit_trivy_reports{status=unmatched} 0', 'docker_audit_trivy_reports{status=unreadable} 1']);

  const volumeId = (name: string) => `volume=${name},driver=local`;
  expect(seriesLines(all.filter((s) => s.labels.volume?.startsWith(P)), 'docker_audit_volume_in_use')).toEqual([
    `docker_audit_volume_in_use{${volumeId(`${P}-unused`)}} 0`,
    `docker_audit_volume_in_use{${volumeId(`${P}-used`)}} 1`,
  ]);
  const net = (name: string) => `network=${name},id=${docker('network', 'inspect', '--format', '{{.Id}}', name).slice(0, 12)},driver=bridge`;
  expect(seriesLines(all.filter((s) => s.labels.network?.startsWith(P)), 'docker_audit_network_in_use')).toEqual([
    `docker_audit_network_in_use{${net(`${P}-unused`)}} 0`,
    `docker_audit_network_in_use{${net(`${P}-used`)}} 1`,
  ]);
  for (const builtin of ['bridge', 'host', 'none']) expect(all.some((s) => s.labels.network === builtin)).toBe(false);
  // The unused volume and network are among those counted as unused.
  expect(all.find((s) => s.name === 'docker_audit_volumes' && s.labels.in_use === 'false')?.value).toBeGreaterThanOrEqual(1);
  expect(all.find((s) => s.name === 'docker_audit_networks' && s.labels.in_use === 'true')?.value).toBeGreaterThanOrEqual(1);
}

describe('images and resources collectors on the real engine', () => {
  it('--once prints the series of the objects made here, the reclaimable bytes, and exits 0', async () => {
    const others = COLLECTOR_NAMES.filter((n) => n !== 'images' && n !== 'resources').map((n) => `--no-collector.${n}`);
    let stdout: string;
    try {
      ({ stdout } = await promisify(execFile)('node', [MAIN, '--once', ...others, `--trivy.reports-dir=${reportsDir}`], { encoding: 'utf8', maxBuffer: 64 << 20 }));
    } catch (err) {
      const e = err as { code: number; stderr: string };
      throw new Error(`--once exited ${e.code}: ${e.stderr}`);
    }
    const all = parseExposition(stdout);
    expect(seriesLines(all, 'docker_audit_collector_success')).toEqual(['docker_audit_collector_success{collector=images} 1', 'docker_audit_collector_success{collector=resources} 1']);
    expectOwnSeries(all);
    // --once waits for /system/df: every line is there, and read just now.
    expect(seriesLines(all, 'docker_audit_reclaimable_bytes').map((l) => l.replace(/ \d+$/, ''))).toEqual(
      ['build_cache', 'containers', 'images', 'volumes'].map((t) => `docker_audit_reclaimable_bytes{type=${t}}`),
    );
    const dfAt = all.find((s) => s.name === 'docker_audit_system_df_last_success_timestamp_seconds')!.value;
    expect(Math.abs(dfAt - Date.now() / 1000)).toBeLessThan(60);
  }, 60_000);

  it('in server mode reads /system/df in the background, and a steady collection inspects no image', async () => {
    const options = testOptions([`--trivy.reports-dir=${reportsDir}`], { watchEvents: false });
    const client = new EngineClient(resolveConnection({ host: 'unix:///var/run/docker.sock', tlsVerify: false, certPath: '' }), { timeoutMs: 10_000 });
    const calls = { inspectImage: 0, imageHistory: 0, listImages: 0, systemDf: 0 };
    const inspected: string[] = [];
    const engine = new Proxy(client, {
      get(target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver) as unknown;
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          if (prop in calls) calls[prop as keyof typeof calls]++;
          if (prop === 'inspectImage') inspected.push(String(args[0]));
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });
    const sources = createFacts(engine, silentLogger, options);
    const deps = { engine, facts: sources, options, logger: silentLogger };
    const runner = new CollectorRunner([createImagesCollector(deps), createResourcesCollector(deps)], silentLogger, Date.now, sources);
    try {
      const signal = new AbortController().signal;
      const first = await runner.run(signal);
      expect(first.statuses.map((s) => [s.name, s.success])).toEqual([['images', true], ['resources', true]]);
      // The first collection does not wait for the disk usage it started.
      expect(first.samples.filter((s) => s.family.name === 'docker_audit_reclaimable_bytes')).toEqual([]);
      expect(inspected).toEqual(expect.arrayContaining([ids.nonroot, ids.root, ids.dangling]));

      await waitUntil('the background /system/df read finished', async () => {
        const next = await runner.run(signal);
        return next.samples.some((s) => s.family.name === 'docker_audit_reclaimable_bytes');
      }, 30_000, 250);
      expect(calls.systemDf).toBe(1);
      const text = await (async () => {
        const r = await runner.run(signal);
        return r.samples.map((s) => `${s.family.name}{${Object.entries(s.labels).map(([k, v]) => `${k}="${v}"`).join(',')}} ${s.value}`).join('\n');
      })();
      expectOwnSeries(parseExposition(text));
      // Steady collections only list: no image is inspected twice (images others built meanwhile are inspected once each).
      expect(calls.listImages).toBeGreaterThanOrEqual(3);
      expect(inspected.length).toBe(new Set(inspected).size);
      expect(calls.imageHistory).toBe(calls.inspectImage);
    } finally {
      await runner.close();
      client.close();
    }
  }, 60_000);
});
