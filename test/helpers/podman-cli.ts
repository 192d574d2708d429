// The podman CLI, for integration tests that set up real containers on the Podman service
// that scripts/provision-podman.sh starts (/run/podman/podman.sock, rootful, with the test
// image imported as localhost/docker-audit-test/busybox:local).
import { execFileSync } from 'node:child_process';
import { TEST_IMAGE } from './docker-cli';

export const PODMAN_SOCKET = process.env.DOCKER_AUDIT_PODMAN_SOCKET || '/run/podman/podman.sock';
/** DOCKER_HOST for an exporter that reads Podman. */
export const PODMAN_HOST = `unix://${PODMAN_SOCKET}`;
/** Podman names an image loaded without a registry localhost/NAME. */
export const PODMAN_IMAGE = `localhost/${TEST_IMAGE}`;

export function podman(...args: string[]): string {
  return execFileSync('podman', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 }).trim();
}

/** Removes every Podman container whose name starts with the prefix (and never another). */
export function removePodmanContainers(prefix: string): void {
  const ids = podman('ps', '-aq', '--filter', `name=^${prefix}`).split('\n').filter(Boolean);
  if (ids.length > 0) podman('rm', '-f', '-t', '0', ...ids);
}
