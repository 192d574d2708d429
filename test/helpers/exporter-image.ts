// The exporter's Docker image, built from the Dockerfile on the real engine the way the README
// documents it where no registry is reachable: a local Node base image
// (scripts/node-base-image.sh), then `docker build --build-arg BASE_IMAGE=... -t TAG .`.
//
// Built at most once per test process: docker-image.test.ts and compose.test.ts run in one
// process in CI (jest --runInBand), so the second finds the image the first built (same tag,
// same content hash) and builds nothing. The tag is removed when the process that built it
// exits, by a small detached watcher (`tail --pid`), so it goes even if jest is killed; its
// layers stay as the engine's build cache.
//
//   const image = exporterImage();      // docker-audit-test/exporter:it-<pid>
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { docker } from './docker-cli';

export const ROOT = path.join(__dirname, '..', '..');
export const BASE_IMAGE = 'docker-audit-test/node:local';
/** The label holding the hash of what the image was built from. */
const HASH_LABEL = 'docker-audit-test.context-hash';

/** The files the build reads: the Dockerfile, .dockerignore and what it lets in (package*.json, tsconfig*.json, src/). */
function contextFiles(): string[] {
  const files = ['Dockerfile', '.dockerignore', 'package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json'];
  const walk = (dir: string): string[] =>
    fs
      .readdirSync(path.join(ROOT, dir), { withFileTypes: true })
      .sort((a, b) => a.name.localeCompare(b.name))
      .flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]));
  return [...files, ...walk('src')];
}

/** A hash of the build's inputs and the base image's id: an image with another hash is stale. */
export function contextHash(): string {
  const hash = createHash('sha256');
  hash.update(docker('image', 'inspect', '--format', '{{.Id}}', BASE_IMAGE));
  for (const file of contextFiles()) hash.update(`\0${file}\0`).update(fs.readFileSync(path.join(ROOT, file)));
  return hash.digest('hex').slice(0, 16);
}

function labelOf(tag: string): string | undefined {
  try {
    return docker('image', 'inspect', '--format', `{{index .Config.Labels "${HASH_LABEL}"}}`, tag);
  } catch {
    return undefined; // no such image
  }
}

/** How the last exporterImage() call of this process got its image, for the test log. */
export let lastBuild: { tag: string; built: boolean; ms: number } | undefined;

/**
 * The image of this process (tag docker-audit-test/exporter:it-<pid>): built from the
 * working tree unless this process already built it from the same files.
 */
export function exporterImage(): string {
  const started = Date.now();
  const tag = `docker-audit-test/exporter:it-${process.pid}`;
  execFileSync('bash', [path.join(ROOT, 'scripts', 'node-base-image.sh'), BASE_IMAGE], { stdio: ['ignore', 'ignore', 'pipe'] });
  const hash = contextHash();
  if (labelOf(tag) === hash) {
    lastBuild = { tag, built: false, ms: Date.now() - started };
    return tag;
  }
  // The README's command (docs/deployment.md, "Docker image"), with this run's tag and labels.
  execFileSync('docker', ['build', '-q', '--build-arg', `BASE_IMAGE=${BASE_IMAGE}`, '--label', 'docker-audit-test=image', '--label', `${HASH_LABEL}=${hash}`, '-t', tag, '.'], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'pipe'],
    timeout: 600_000,
  });
  removeWhenExited(tag, process.pid);
  lastBuild = { tag, built: true, ms: Date.now() - started };
  return tag;
}

/** Removes the tag once process `pid` has exited (a detached watcher, so it outlives jest). */
function removeWhenExited(tag: string, pid: number): void {
  const watcher = spawn('sh', ['-c', 'tail --pid="$1" -f /dev/null; exec docker rmi "$2"', 'sh', String(pid), tag], { detached: true, stdio: 'ignore' });
  watcher.unref();
}
