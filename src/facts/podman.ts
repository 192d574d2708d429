// Podman's engine-wide defaults, read only when the engine is Podman: /libpod/info (cached with
// /info, see engine.ts), the containers.conf files of --podman.config-paths, and the API
// socket's owner and mode. The rules are pure code in src/model/podman-config.ts.
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { describeError } from '../base/log';
import { mergeContainersConf, parseContainersConf, podmanPosture, type ContainersConfSettings, type PodmanPosture } from '../model/podman-config';
import type { LibpodInfo } from '../readers/engine-types';
import { readTextFile } from '../readers/files';
import { resolveHostPath } from '../readers/host-paths';
import type { EngineFacts } from './engine';
import type { CollectionRef } from './per-collection';

export interface ContainersConfFile {
  readonly path: string;
  /** ok: parsed; invalid: not TOML, or a key of the wrong type; unreadable: there but not read. */
  readonly state: 'ok' | 'invalid' | 'unreadable';
  readonly error?: string;
}

export interface PodmanSocket {
  /** As the exporter reaches it (the endpoint's socket), or as the host names it (/libpod/info, read under --host.root-path). */
  readonly path: string;
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
}

export interface PodmanFacts {
  /** Undefined when /libpod/info could not be read (a proxy that does not pass it, say). */
  readonly info: LibpodInfo | undefined;
  readonly infoError?: string;
  /** Every containers.conf found, in the order read; a missing one is not listed. */
  readonly files: readonly ContainersConfFile[];
  readonly posture: PodmanPosture;
  readonly rootless: boolean;
  /** Undefined when the engine is reached over TCP and /libpod/info names no socket this exporter can see. */
  readonly socket?: PodmanSocket;
  readonly socketError?: string;
}

/** containers.conf files of a folder in --podman.config-paths: its *.conf, in name order (as Podman reads containers.conf.d). */
async function expand(entry: string): Promise<string[]> {
  const stat = await fs.stat(entry).catch(() => undefined);
  if (!stat) return [];
  if (!stat.isDirectory()) return [entry];
  const names = await fs.readdir(entry).catch(() => [] as string[]);
  return names.filter((n) => n.endsWith('.conf')).sort().map((n) => path.join(entry, n));
}

async function readConfFiles(configPaths: readonly string[]): Promise<{ files: ContainersConfFile[]; settings: ContainersConfSettings[] }> {
  const files: ContainersConfFile[] = [];
  const settings: ContainersConfSettings[] = [];
  for (const entry of configPaths) {
    for (const file of await expand(entry)) {
      let text: string;
      try {
        text = await readTextFile(file, { maxBytes: 1 << 20 });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue; // removed since the folder was read
        files.push({ path: file, state: 'unreadable', error: describeError(err) });
        continue;
      }
      const parsed = parseContainersConf(text);
      if (parsed.ok) settings.push(parsed.settings);
      files.push(parsed.ok ? { path: file, state: 'ok' } : { path: file, state: 'invalid', error: parsed.error });
    }
  }
  return { files, settings };
}

/**
 * The socket the exporter reaches Podman on, stat'ed where it is; over TCP, the host's socket
 * that /libpod/info names, stat'ed under --host.root-path (a containerised exporter sees the
 * host there).
 */
async function socketPath(endpoint: string, info: LibpodInfo | undefined, rootPath: string): Promise<{ path: string; local: string } | undefined> {
  if (endpoint.startsWith('unix://')) {
    const local = endpoint.slice('unix://'.length);
    return { path: local, local };
  }
  const named = info?.host?.remoteSocket?.path?.replace(/^unix:\/\//, '');
  if (!named?.startsWith('/')) return undefined;
  return { path: named, local: path.join(rootPath, await resolveHostPath(rootPath, named)) };
}

export async function readPodmanFacts(
  engine: EngineFacts,
  endpoint: string,
  options: { readonly configPaths: readonly string[]; readonly rootPath: string },
  ref: CollectionRef,
): Promise<PodmanFacts> {
  const [info, conf, identity] = await Promise.all([
    engine.podmanInfo(ref).then(
      (value) => ({ value, error: undefined }),
      (err: unknown) => ({ value: undefined, error: describeError(err) }),
    ),
    readConfFiles(options.configPaths),
    engine.identity(ref).catch(() => undefined),
  ]);
  const rootless = info.value?.host?.security?.rootless ?? identity?.rootless ?? false;
  const facts = {
    info: info.value,
    infoError: info.error,
    files: conf.files,
    posture: podmanPosture(info.value, mergeContainersConf(conf.settings)),
    rootless,
  };
  const where = await socketPath(endpoint, info.value, options.rootPath).catch(() => undefined);
  if (!where) return facts;
  try {
    const stat = await fs.stat(where.local);
    return { ...facts, socket: { path: where.path, mode: stat.mode & 0o7777, uid: stat.uid, gid: stat.gid } };
  } catch (err) {
    return { ...facts, socketError: `${where.path}: ${describeError(err)}` };
  }
}
