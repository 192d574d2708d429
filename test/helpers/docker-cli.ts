// The docker CLI, for integration tests that set up real containers on the real engine.
import { execFileSync } from 'node:child_process';

export const TEST_IMAGE = process.env.DOCKER_AUDIT_TEST_IMAGE ?? 'docker-audit-test/busybox:local';

export function docker(...args: string[]): string {
  return execFileSync('docker', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

export function inspectField(container: string, format: string): string {
  return docker('inspect', '--format', format, container);
}

/** Removes every container whose name starts with the prefix. */
export function removeContainers(prefix: string): void {
  const ids = docker('ps', '-aq', '--filter', `name=^${prefix}`).split('\n').filter(Boolean);
  if (ids.length > 0) docker('rm', '-f', ...ids);
}

export async function waitUntil(what: string, predicate: () => boolean | Promise<boolean>, timeoutMs = 30_000, intervalMs = 200): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await predicate()) return;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting until ${what}`);
}
