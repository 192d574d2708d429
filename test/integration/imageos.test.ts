// The imageos collector against the real Docker Engine: images built here FROM the busybox
// test image, each given a real distribution's os-release (test/fixtures/imageos/os-release):
// Ubuntu 18.04 with /etc/os-release a symbolic link to ../usr/lib/os-release (as on Ubuntu),
// Debian 12 with only /usr/lib/os-release, Alpine 3.19 with /etc/os-release a file, one image
// with no os-release at all, and one image that no container uses. The containers are one
// created, one running and one exited: the archive endpoint reads all three without running
// anything. Only these objects' series are asserted: others use the same engine meanwhile.
import { execFile, execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { silentLogger } from '../../src/base/log';
import { COLLECTOR_NAMES } from '../../src/collectors';
import { createImageOsCollector } from '../../src/collectors/imageos';
import { CollectorRunner } from '../../src/collectors/runner';
import { createFacts } from '../../src/facts';
import { EngineClient, resolveConnection, type DockerEngine } from '../../src/readers/engine';
import { TEST_IMAGE, docker, inspectField, removeContainers, waitUntil } from '../helpers/docker-cli';
import { parseExposition, seriesLines, type ParsedSeries } from '../helpers/exposition';
import { EXPORTER_MAIN } from '../helpers/exporter-process';
import { testOptions } from '../helpers/options';

const P = 'dae13-os-it';
const LABEL = 'docker-audit-test=imageos';
const OS_RELEASE = path.join(__dirname, '..', 'fixtures', 'imageos', 'os-release');
const short = (id: string) => id.replace(/^sha256:/, '').slice(0, 12);

/** The images, by role: tag and the Dockerfile lines after FROM. */
const IMAGES = {
  ubuntu: { tag: `${P}/ubuntu:18.04`, file: 'ubuntu-18.04', steps: 'RUN mkdir -p /usr/lib && rm -f /etc/os-release\nCOPY os-release /usr/lib/os-release\nRUN ln -s ../usr/lib/os-release /etc/os-release' },
  debian: { tag: `${P}/debian:12`, file: 'debian-12', steps: 'RUN mkdir -p /usr/lib && rm -f /etc/os-release\nCOPY os-release /usr/lib/os-release' },
  alpine: { tag: `${P}/alpine:3.19`, file: 'alpine-3.19', steps: 'RUN rm -f /usr/lib/os-release\nCOPY os-release /etc/os-release' },
  none: { tag: `${P}/none:1`, file: undefined, steps: 'RUN rm -f /etc/os-release /usr/lib/os-release' },
  unused: { tag: `${P}/unused:1`, file: 'alpine-3.19', steps: 'COPY os-release /etc/os-release\nLABEL unused=1' },
} as const;
type Role = keyof typeof IMAGES;
const ids = {} as Record<Role, string>;

function build(role: Role): string {
  const { tag, file, steps } = IMAGES[role];
  const context = fs.mkdtempSync(path.join(os.tmpdir(), `${P}-`));
  try {
    fs.writeFileSync(path.join(context, 'Dockerfile'), `FROM ${TEST_IMAGE}\n${steps}\n`);
    if (file) fs.copyFileSync(path.join(OS_RELEASE, file), path.join(context, 'os-release'));
    execFileSync('docker', ['build', '-q', '--label', LABEL, '-t', tag, context], { stdio: ['ignore', 'pipe', 'pipe'] });
  } finally {
    fs.rmSync(context, { recursive: true, force: true });
  }
  return docker('image', 'inspect', '--format', '{{.Id}}', tag);
}

function cleanUp(): void {
  removeContainers(`${P}-`);
  const images = docker('images', '-q', `${P}/*`).split('\n').filter(Boolean);
  if (images.length > 0) docker('rmi', '-f', ...new Set(images));
}

beforeAll(async () => {
  cleanUp();
  for (const role of Object.keys(IMAGES) as Role[]) ids[role] = build(role);
  docker('create', '--name', `${P}-ubuntu`, '--label', LABEL, IMAGES.ubuntu.tag, 'true'); // created, never started
  docker('run', '-d', '--name', `${P}-debian`, '--label', LABEL, IMAGES.debian.tag, 'sleep', '600'); // running
  docker('run', '--name', `${P}-alpine`, '--label', LABEL, IMAGES.alpine.tag, 'true'); // exited
  docker('create', '--name', `${P}-none`, '--label', LABEL, IMAGES.none.tag, 'true');
  await waitUntil('the Debian container runs', () => inspectField(`${P}-debian`, '{{.State.Status}}') === 'running');
  expect(inspectField(`${P}-ubuntu`, '{{.State.Status}}')).toBe('created');
  expect(inspectField(`${P}-alpine`, '{{.State.Status}}')).toBe('exited');
  // The layout the test is about: a link on "Ubuntu", a file on "Alpine".
  expect(docker('run', '--rm', '--name', `${P}-check`, IMAGES.ubuntu.tag, 'ls', '-l', '/etc/os-release')).toMatch(/ \/etc\/os-release -> \.\.\/usr\/lib\/os-release$/);
}, 180_000);

afterAll(() => {
  cleanUp();
  expect(docker('images', '-q', `${P}/*`)).toBe('');
});

const mine = (all: ParsedSeries[]): ParsedSeries[] => all.filter((s) => (Object.values(ids).map(short) as string[]).includes(s.labels.id));
const statusLines = (all: ParsedSeries[]): string[] =>
  seriesLines(mine(all), 'docker_audit_image_os_release_status').filter((l) => l.endsWith(' 1'));

/** 00:00 UTC of the bundled table's dates for these three releases. */
const EOL = { ubuntu: Date.UTC(2023, 4, 31) / 1000, debian: Date.UTC(2026, 6, 11) / 1000, alpine: Date.UTC(2025, 10, 1) / 1000 };
const past = (seconds: number): number => (Date.now() >= seconds * 1000 ? 1 : 0);

async function once(...args: string[]): Promise<ParsedSeries[]> {
  const others = COLLECTOR_NAMES.filter((n) => n !== 'imageos').map((n) => `--no-collector.${n}`);
  try {
    const { stdout } = await promisify(execFile)('node', [EXPORTER_MAIN, '--once', ...others, ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
    return parseExposition(stdout);
  } catch (err) {
    const e = err as { code: number; stderr: string };
    throw new Error(`--once exited ${e.code}: ${e.stderr}`);
  }
}

describe('imageos collector on the real engine', () => {
  it('--once reads each image\'s os-release from its created, running or exited container, and matches the bundled table', async () => {
    const all = await once();
    expect(seriesLines(all, 'docker_audit_collector_success')).toEqual(['docker_audit_collector_success{collector=imageos} 1']);
    const s = short;
    expect(seriesLines(mine(all), 'docker_audit_image_os_info')).toEqual(
      [
        `docker_audit_image_os_info{id=${s(ids.ubuntu)},os_id=ubuntu,version_id=18.04,pretty_name=Ubuntu 18.04.6 LTS} 1`,
        `docker_audit_image_os_info{id=${s(ids.debian)},os_id=debian,version_id=12,pretty_name=Debian GNU/Linux 12 (bookworm)} 1`,
        `docker_audit_image_os_info{id=${s(ids.alpine)},os_id=alpine,version_id=3.19.1,pretty_name=Alpine Linux v3.19} 1`,
      ].sort(),
    );
    expect(statusLines(all)).toEqual(
      [
        `docker_audit_image_os_release_status{id=${s(ids.ubuntu)},status=read} 1`,
        `docker_audit_image_os_release_status{id=${s(ids.debian)},status=read} 1`,
        `docker_audit_image_os_release_status{id=${s(ids.alpine)},status=read} 1`,
        `docker_audit_image_os_release_status{id=${s(ids.none)},status=not_found} 1`,
        `docker_audit_image_os_release_status{id=${s(ids.unused)},status=no_container} 1`,
      ].sort(),
    );
    // One-hot: four series per image, one of them 1.
    expect(seriesLines(mine(all), 'docker_audit_image_os_release_status')).toHaveLength(5 * 4);
    expect(seriesLines(mine(all), 'docker_audit_image_os_eol_timestamp_seconds')).toEqual(
      [
        `docker_audit_image_os_eol_timestamp_seconds{id=${s(ids.ubuntu)}} ${EOL.ubuntu}`,
        `docker_audit_image_os_eol_timestamp_seconds{id=${s(ids.debian)}} ${EOL.debian}`,
        `docker_audit_image_os_eol_timestamp_seconds{id=${s(ids.alpine)}} ${EOL.alpine}`,
      ].sort(),
    );
    expect(seriesLines(mine(all), 'docker_audit_image_os_eol')).toEqual(
      [
        `docker_audit_image_os_eol{id=${s(ids.ubuntu)}} ${past(EOL.ubuntu)}`,
        `docker_audit_image_os_eol{id=${s(ids.debian)}} ${past(EOL.debian)}`,
        `docker_audit_image_os_eol{id=${s(ids.alpine)}} ${past(EOL.alpine)}`,
      ].sort(),
    );
    expect(seriesLines(mine(all), 'docker_audit_image_os_eol_unknown').map((l) => l.slice(-2))).toEqual([' 0', ' 0', ' 0']);
    expect(seriesLines(all, 'docker_audit_image_os_eol_table_updated_timestamp_seconds')).toEqual([`docker_audit_image_os_eol_table_updated_timestamp_seconds{source=bundled} ${Date.UTC(2026, 11, 2) / 1000}`]);
    expect(seriesLines(all, 'docker_audit_image_os_release_read_failures_total')).toEqual(['docker_audit_image_os_release_read_failures_total{} 0']);
  }, 60_000);

  it('--images.eol-file replaces the table: a later date is not past, an OS it does not list is unknown', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `${P}-eol-`));
    const file = path.join(dir, 'eol.yaml');
    fs.writeFileSync(
      file,
      [
        'updated: 2026-11-01',
        'distributions:',
        '  - id: debian',
        '    version: major',
        '    cycles:',
        '      - cycle: "12"',
        '        eol: 2099-06-30',
        '        source: https://example.invalid/our-debian-policy',
        '  - id: ubuntu',
        '    version: major.minor',
        '    cycles:',
        '      - { cycle: "20.04", eol: 2030-04-30, source: "https://ubuntu.com/pro" }',
      ].join('\n'),
    );
    try {
      const all = await once(`--images.eol-file=${file}`);
      const s = short;
      expect(seriesLines(mine(all), 'docker_audit_image_os_eol')).toEqual([`docker_audit_image_os_eol{id=${s(ids.debian)}} 0`]);
      expect(seriesLines(mine(all), 'docker_audit_image_os_eol_timestamp_seconds')).toEqual([`docker_audit_image_os_eol_timestamp_seconds{id=${s(ids.debian)}} ${Date.UTC(2099, 5, 30) / 1000}`]);
      expect(seriesLines(mine(all), 'docker_audit_image_os_eol_unknown')).toEqual(
        [
          `docker_audit_image_os_eol_unknown{id=${s(ids.ubuntu)}} 1`, // ubuntu is listed, 18.04 is not
          `docker_audit_image_os_eol_unknown{id=${s(ids.debian)}} 0`,
          `docker_audit_image_os_eol_unknown{id=${s(ids.alpine)}} 1`, // alpine is not listed
        ].sort(),
      );
      expect(seriesLines(all, 'docker_audit_image_os_eol_table_updated_timestamp_seconds')).toEqual([`docker_audit_image_os_eol_table_updated_timestamp_seconds{source=file} ${Date.UTC(2026, 10, 1) / 1000}`]);

      // A bad file: exit 2, every problem with its line.
      fs.writeFileSync(file, 'updated: 2026-11-01\ndistributions:\n  - id: debian\n    version: major\n    cycles:\n      - cycle: "12"\n        eol: 2099-02-30\n');
      const failed = await promisify(execFile)('node', [EXPORTER_MAIN, '--once', `--images.eol-file=${file}`], { encoding: 'utf8' }).then(
        () => undefined,
        (err: { code: number; stderr: string }) => err,
      );
      expect(failed?.code).toBe(2);
      expect(failed?.stderr).toContain(`--images.eol-file=${file}: line 7: distributions[0].cycles[0].eol: "2099-02-30" is not a date YYYY-MM-DD`);
      expect(failed?.stderr).toContain(`--images.eol-file=${file}: line 6: distributions[0].cycles[0]: source is missing`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('a steady collection reads no archive: the answers are kept by image id; the image of a new container is read next time', async () => {
    const options = testOptions([], { watchEvents: false });
    const client = new EngineClient(resolveConnection({ host: 'unix:///var/run/docker.sock', tlsVerify: false, certPath: '' }), { timeoutMs: 10_000 });
    const archives: string[] = [];
    const engine = new Proxy(client, {
      get(target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver) as unknown;
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          if (prop === 'containerArchive') archives.push(`${String(args[0]).slice(0, 12)}:${String(args[1])}`);
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    }) as DockerEngine;
    const facts = createFacts(engine, silentLogger, options);
    const runner = new CollectorRunner([createImageOsCollector({ engine, facts, options })], silentLogger, Date.now, facts);
    const cid = (name: string) => inspectField(`${P}-${name}`, '{{.Id}}').slice(0, 12);
    try {
      const signal = new AbortController().signal;
      const first = await runner.run(signal);
      expect(first.statuses.map((s) => [s.name, s.success])).toEqual([['imageos', true]]);
      // The link on "Ubuntu" is followed; "Debian" falls back to /usr/lib; "none" has neither.
      const own = archives.filter((a) => ['ubuntu', 'debian', 'alpine', 'none'].some((n) => a.startsWith(cid(n))));
      expect(own.sort()).toEqual(
        [
          `${cid('ubuntu')}:/etc/os-release`,
          `${cid('ubuntu')}:/usr/lib/os-release`,
          `${cid('debian')}:/etc/os-release`,
          `${cid('debian')}:/usr/lib/os-release`,
          `${cid('alpine')}:/etc/os-release`,
          `${cid('none')}:/etc/os-release`,
          `${cid('none')}:/usr/lib/os-release`,
        ].sort(),
      );
      archives.length = 0;
      await runner.run(signal);
      expect(archives.filter((a) => ['ubuntu', 'debian', 'alpine', 'none'].some((n) => a.startsWith(cid(n))))).toEqual([]);

      // The unused image gets a container: read on the next collection, once.
      docker('create', '--name', `${P}-unused`, '--label', LABEL, IMAGES.unused.tag, 'true');
      const third = await runner.run(signal);
      expect(archives.filter((a) => a.startsWith(cid('unused')))).toEqual([`${cid('unused')}:/etc/os-release`]);
      expect(third.samples.filter((x) => x.family.name === 'docker_audit_image_os_release_status' && x.labels.id === short(ids.unused) && x.value === 1).map((x) => x.labels.status)).toEqual(['read']);
    } finally {
      await runner.close();
      client.close();
    }
  }, 60_000);
});
