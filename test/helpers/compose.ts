// docker-compose.yml's exporter service on the real engine, with Debian's docker-compose (v1),
// in a project of its own so nothing of a user's stack is touched, and the host facts its
// environment variables take (README and docs/deployment.md: DOCKER_GID, ADM_GID,
// DOCKER_AUDIT_IMAGE, DOCKER_AUDIT_PORT).
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ROOT } from './exporter-image';

export const COMPOSE_FILE = path.join(ROOT, 'docker-compose.yml');
export const EXPORTER_SERVICE = 'docker-audit-exporter';

/** The gid owning a file, as `stat -c %g` prints it. */
export const fileGid = (file: string): string => String(fs.statSync(file).gid);

/** A group's gid, as `getent group NAME` gives it. */
export function groupGid(name: string): string {
  const line = execFileSync('getent', ['group', name], { encoding: 'utf8' }).trim();
  return line.split(':')[2];
}

/** The limits of the exporter service in `docker-compose config` output, read as YAML. */
export function exporterLimits(config: string): { memoryBytes: number; pids: number; cpus: number } {
  const service = (parseYaml(config) as { services?: Record<string, Record<string, unknown>> }).services?.[EXPORTER_SERVICE];
  const mem = /^(\d+)([kmg]?)b?$/i.exec(String(service?.mem_limit ?? ''));
  const pids = Number(service?.pids_limit);
  const cpus = Number(service?.cpus);
  if (!mem || !Number.isInteger(pids) || !(cpus > 0)) throw new Error(`mem_limit, pids_limit or cpus not found for ${EXPORTER_SERVICE} in:\n${config}`);
  const unit = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[mem[2].toLowerCase() as '' | 'k' | 'm' | 'g'];
  return { memoryBytes: Number(mem[1]) * unit, pids, cpus };
}

/** `docker-compose -f docker-compose.yml config`: the file as docker-compose resolves it. */
export function composeConfig(env: Record<string, string> = {}): string {
  return execFileSync('docker-compose', ['-f', COMPOSE_FILE, 'config'], { encoding: 'utf8', env: { ...process.env, ...env }, cwd: ROOT });
}

export class ComposeProject {
  constructor(
    readonly project: string,
    readonly env: Record<string, string>,
    readonly files: readonly string[] = [COMPOSE_FILE],
  ) {}

  run(...args: string[]): string {
    return execFileSync('docker-compose', ['-p', this.project, ...this.files.flatMap((f) => ['-f', f]), ...args], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...this.env },
      cwd: ROOT,
      timeout: 120_000,
    }).trim();
  }

  /** The id of the service's one container. */
  containerId(service = EXPORTER_SERVICE): string {
    const id = this.run('ps', '-q', service);
    if (!/^[0-9a-f]{64}$/.test(id)) throw new Error(`no single container for ${service}: ${JSON.stringify(id)}`);
    return id;
  }

  /** Stops and removes the project's containers, network and volumes; never throws. */
  down(): void {
    try {
      this.run('down', '-v', '--remove-orphans', '-t', '10');
    } catch (err) {
      console.error(`docker-compose down of ${this.project} failed: ${(err as Error).message}`);
    }
  }
}
