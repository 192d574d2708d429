// Which engine the exporter talks to when no --docker.host says: what the docker CLI and a
// rootless dockerd agree on. dockerd-rootless.sh makes dockerd listen on
// $XDG_RUNTIME_DIR/docker.sock, and the docker CLI's rootless context (dockerd-rootless-setuptool.sh)
// points there; root's engine is /var/run/docker.sock.
import * as path from 'node:path';
import { DEFAULT_DOCKER_HOST } from '../base/paths';

export interface DockerHostInputs {
  /** --docker.host, when given. */
  readonly flag?: string;
  /** The exporter's environment: DOCKER_HOST and XDG_RUNTIME_DIR. */
  readonly env: { readonly DOCKER_HOST?: string; readonly XDG_RUNTIME_DIR?: string };
  /** The exporter's uid (process.getuid()). */
  readonly uid: number;
  /** Whether a unix socket is at this path (asked only for the rootless socket). */
  readonly isSocket: (socketPath: string) => boolean;
}

export type DockerHostSource = 'flag' | 'DOCKER_HOST' | 'XDG_RUNTIME_DIR' | 'default';

/** The socket a rootless dockerd of this runtime folder listens on. */
export function rootlessSocket(xdgRuntimeDir: string): string {
  return path.posix.join(xdgRuntimeDir, 'docker.sock');
}

/**
 * The engine address, in this order: --docker.host, DOCKER_HOST, the user's rootless socket
 * ($XDG_RUNTIME_DIR/docker.sock, for a non-root exporter when that socket exists), the system socket.
 * Root never takes the rootless socket: root's XDG_RUNTIME_DIR (/run/user/0) is not where its engine is.
 */
export function discoverDockerHost(inputs: DockerHostInputs): { host: string; source: DockerHostSource } {
  if (inputs.flag !== undefined && inputs.flag !== '') return { host: inputs.flag, source: 'flag' };
  const fromEnv = inputs.env.DOCKER_HOST;
  if (fromEnv !== undefined && fromEnv !== '') return { host: fromEnv, source: 'DOCKER_HOST' };
  const runtimeDir = inputs.env.XDG_RUNTIME_DIR;
  if (inputs.uid !== 0 && runtimeDir !== undefined && path.posix.isAbsolute(runtimeDir)) {
    const socket = rootlessSocket(runtimeDir);
    if (inputs.isSocket(socket)) return { host: `unix://${socket}`, source: 'XDG_RUNTIME_DIR' };
  }
  return { host: DEFAULT_DOCKER_HOST, source: 'default' };
}
