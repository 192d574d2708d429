// What the imageos collector costs on a real engine: --containers created containers (300 by
// default) spread over --images images (3) built FROM the busybox test image, each with an
// os-release (Ubuntu 18.04 through a symbolic link, Debian 12 in /usr/lib, Alpine 3.19). For
// the first collection (every image read) and steady ones (nothing read: the answers are kept
// by image id): wall time and this process's CPU of the imageos collector alone (its facts,
// the container list and inspects and the image list, are read first and shared with the other
// collectors, so they are timed apart), the archive requests sent, and dockerd's CPU.
//
//   npm run bench:imageos                      # 300 containers over 3 images
//   npm run bench:imageos -- --containers=1000 --images=10 --steady=20
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { silentLogger } from '../src/base/log';
import { mapLimit } from '../src/base/concurrency';
import { createFacts } from '../src/facts';
import { ImageOsReader } from '../src/facts/image-os';
import { EngineClient, resolveConnection, type DockerEngine } from '../src/readers/engine';
import { testOptions } from '../test/helpers/options';
import { benchCli, benchContainers, checkDocker, countingCalls, dockerCli, fmtMs, keyValueTable, localDockerdPid, median, now, out, procCpuMs } from './common';

const cli = benchCli({ name: 'bench:imageos', flags: ['containers', 'images', 'steady'], env: true });
const CONTAINERS = cli.intOption('containers', 300, 1);
const IMAGES = cli.intOption('images', 3, 1);
const STEADY = cli.intOption('steady', 10, 1);
const TEST_IMAGE = process.env.DOCKER_AUDIT_TEST_IMAGE ?? 'docker-audit-test/busybox:local';
const PREFIX = 'dae13-os-bench';
const LABEL = `docker-audit-bench=imageos`;
const OS_RELEASE = path.join(__dirname, '..', '..', 'test', 'fixtures', 'imageos', 'os-release');
const LAYOUTS = [
  { file: 'ubuntu-18.04', steps: 'RUN mkdir -p /usr/lib && rm -f /etc/os-release\nCOPY os-release /usr/lib/os-release\nRUN ln -s ../usr/lib/os-release /etc/os-release' },
  { file: 'debian-12', steps: 'RUN mkdir -p /usr/lib && rm -f /etc/os-release\nCOPY os-release /usr/lib/os-release' },
  { file: 'alpine-3.19', steps: 'RUN rm -f /usr/lib/os-release\nCOPY os-release /etc/os-release' },
];

function buildImage(i: number): string {
  const layout = LAYOUTS[i % LAYOUTS.length];
  const context = fs.mkdtempSync(path.join(os.tmpdir(), `${PREFIX}-`));
  try {
    // A LABEL per image, so that --images over 3 gives distinct images.
    fs.writeFileSync(path.join(context, 'Dockerfile'), `FROM ${TEST_IMAGE}\n${layout.steps}\nLABEL bench.image=${i}\n`);
    fs.copyFileSync(path.join(OS_RELEASE, layout.file), path.join(context, 'os-release'));
    execFileSync('docker', ['build', '-q', '--label', LABEL, '-t', `${PREFIX}/img:${i}`, context], { stdio: ['ignore', 'pipe', 'pipe'] });
  } finally {
    fs.rmSync(context, { recursive: true, force: true });
  }
  return execFileSync('docker', ['image', 'inspect', '--format', '{{.Id}}', `${PREFIX}/img:${i}`], { encoding: 'utf8' }).trim();
}

function removeImages(): void {
  const ids = execFileSync('docker', ['images', '-q', `${PREFIX}/*`], { encoding: 'utf8' }).split('\n').filter(Boolean);
  if (ids.length) execFileSync('docker', ['rmi', '-f', ...new Set(ids)], { stdio: 'ignore' });
}

async function main(): Promise<void> {
  const version = checkDocker(TEST_IMAGE);
  const containers = benchContainers(LABEL, cli.note);
  const dockerd = localDockerdPid();
  await containers.around(async () => {
    removeImages();
    cli.note(`building ${IMAGES} images`);
    for (let i = 0; i < IMAGES; i++) buildImage(i);
    cli.note(`creating ${CONTAINERS} containers`);
    await mapLimit(Array.from({ length: CONTAINERS }, (_, i) => i), 8, (i) =>
      dockerCli(['create', '--name', `${PREFIX}-${i}`, '--label', LABEL, `${PREFIX}/img:${i % IMAGES}`, 'true']),
    );

    const client = new EngineClient(resolveConnection({ host: 'unix:///var/run/docker.sock', tlsVerify: false, certPath: '' }), { timeoutMs: 30_000, maxSockets: 12 });
    const { target: engine, count: archiveRequests, reset: resetArchiveRequests } = countingCalls<DockerEngine>(client, 'containerArchive');
    const options = testOptions([], { watchEvents: false, inspectMaxAgeMs: 0 });
    const facts = createFacts(engine, silentLogger, options);
    const reader = new ImageOsReader(engine, { concurrency: options.inspectConcurrency });
    try {
      const rows: { run: string; factsMs: number; ms: number; cpuMs: number; daemonMs: number; archives: number; read: number }[] = [];
      for (let run = 0; run <= STEADY; run++) {
        const ref = { collection: run + 1, signal: new AbortController().signal, now: Date.now };
        const f0 = now();
        const [images, list] = await Promise.all([facts.images.get(ref), facts.containers.get(ref)]);
        const factsMs = now() - f0;
        resetArchiveRequests();
        const cpu0 = process.cpuUsage();
        const d0 = dockerd ? procCpuMs(dockerd) : NaN;
        const t0 = now();
        const result = await reader.read(images, list.inspects, ref.signal);
        const ms = now() - t0;
        const cpu = process.cpuUsage(cpu0);
        const mine = result.filter((r) => r.status === 'read' && images.find((i) => i.id === r.imageId)?.tags.some((t) => t.startsWith(`${PREFIX}/`)));
        rows.push({ run: run === 0 ? 'first' : 'steady', factsMs, ms, cpuMs: (cpu.user + cpu.system) / 1000, daemonMs: dockerd ? procCpuMs(dockerd) - d0 : NaN, archives: archiveRequests(), read: mine.length });
      }
      const first = rows[0];
      const steady = rows.slice(1);
      out(`# bench:imageos: ${CONTAINERS} created containers over ${IMAGES} images, Docker ${version}, ${os.cpus().length} CPUs, node ${process.version}`);
      out();
      out(
        keyValueTable([
          ['first collection: imageos read (wall)', fmtMs(first.ms)],
          ['first collection: imageos CPU (this process)', fmtMs(first.cpuMs)],
          ['first collection: dockerd CPU', fmtMs(first.daemonMs)],
          ['first collection: archive requests', String(first.archives)],
          ['first collection: images of this bench read', `${first.read} of ${IMAGES}`],
          ['first collection: shared facts (list, inspects, images)', fmtMs(first.factsMs)],
          [`steady (median of ${STEADY}): imageos read (wall)`, fmtMs(median(steady.map((r) => r.ms)))],
          [`steady (median of ${STEADY}): imageos CPU`, fmtMs(median(steady.map((r) => r.cpuMs)))],
          [`steady: archive requests (total over ${STEADY})`, String(steady.reduce((n, r) => n + r.archives, 0))],
          [`steady (median): shared facts`, fmtMs(median(steady.map((r) => r.factsMs)))],
          ['answers cached', String(reader.cached)],
        ]),
      );
    } finally {
      await facts.close();
      client.close();
    }
  });
  removeImages();
}

main().catch((err) => {
  process.stderr.write(`bench:imageos: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  removeImages();
  process.exitCode = 1;
});
