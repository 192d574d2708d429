// Host paths read under --host.root-path, as the kernel would see them inside a chroot
// there: symlinks resolved inside the root, binaries and systemd units looked up where the
// host keeps them. Reading only: what a path means is the caller's business.
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { BINARY_DIRS, SYSTEMD_UNIT_DIRS } from '../base/paths';

/** How a host file is found. */
export type HostPathSpec =
  /** A fixed host path. */
  | { readonly how: 'path'; readonly path: string }
  /** A binary name, looked for in BINARY_DIRS. */
  | { readonly how: 'binary'; readonly name: string }
  /** A unit name, looked for in SYSTEMD_UNIT_DIRS; a unit masked there (linked to /dev/null) is not in effect. */
  | { readonly how: 'systemd-unit'; readonly name: string }
  /** The first of these host paths that exists. */
  | { readonly how: 'first-existing'; readonly paths: readonly string[] };

/** A host path found under the root. */
export interface FoundHostPath {
  /** The host path with every symlink resolved: the inode the kernel audits. */
  readonly path: string;
  /** Where it was found, before symlinks were resolved (e.g. /usr/bin/runc for /usr/sbin/runc). */
  readonly foundAt: string;
}

const MAX_SYMLINKS = 40; // as the kernel's path walk

/**
 * Resolves a host path inside `rootPath` as the kernel would inside a chroot there: absolute
 * symlink targets restart at rootPath, so a host's /lib -> /usr/lib never escapes into the
 * exporter's own filesystem. `followLast` false leaves the last component as it is, which
 * is what an audit watch does (a watch on a symlink watches the link, not its target).
 * Components that do not exist are kept as written.
 */
export async function resolveHostPath(rootPath: string, hostPath: string, followLast = true): Promise<string> {
  const pending = hostPath.split('/').filter((c) => c !== '' && c !== '.');
  let current: string[] = [];
  let hops = 0;
  while (pending.length > 0) {
    const name = pending.shift()!;
    if (name === '..') {
      current.pop();
      continue;
    }
    const candidate = [...current, name];
    if (pending.length === 0 && !followLast) {
      current = candidate;
      break;
    }
    const onDisk = path.join(rootPath, ...candidate);
    let link: string | undefined;
    try {
      if ((await fs.lstat(onDisk)).isSymbolicLink()) link = await fs.readlink(onDisk);
    } catch {
      current = [...candidate, ...pending]; // missing: the rest stays as written
      break;
    }
    if (link === undefined) {
      current = candidate;
      continue;
    }
    if (++hops > MAX_SYMLINKS) throw new Error(`resolving ${hostPath} under ${rootPath}: too many levels of symbolic links`);
    if (link.startsWith('/')) current = [];
    pending.unshift(...link.split('/').filter((c) => c !== '' && c !== '.'));
  }
  return '/' + current.join('/');
}

/** What is at a host path under rootPath, following symlinks; undefined when nothing. */
export async function hostPathType(rootPath: string, hostPath: string): Promise<'file' | 'directory' | undefined> {
  try {
    const resolved = await resolveHostPath(rootPath, hostPath);
    return (await fs.stat(path.join(rootPath, resolved))).isDirectory() ? 'directory' : 'file';
  } catch {
    return undefined;
  }
}

async function exists(rootPath: string, hostPath: string): Promise<boolean> {
  try {
    await fs.lstat(path.join(rootPath, hostPath));
    return true;
  } catch {
    return false;
  }
}

function candidates(resolve: HostPathSpec): readonly string[] {
  switch (resolve.how) {
    case 'path':
      return [resolve.path];
    case 'binary':
      return BINARY_DIRS.map((d) => `${d}/${resolve.name}`);
    case 'systemd-unit':
      return SYSTEMD_UNIT_DIRS.map((d) => `${d}/${resolve.name}`);
    case 'first-existing':
      return resolve.paths;
  }
}

/** Finds a host path under rootPath; undefined when it is not there. */
export async function findHostPath(rootPath: string, spec: HostPathSpec): Promise<FoundHostPath | undefined> {
  for (const foundAt of candidates(spec)) {
    if (!(await exists(rootPath, foundAt))) continue;
    const resolved = await resolveHostPath(rootPath, foundAt).catch(() => undefined); // a symlink loop
    if (resolved === undefined) continue;
    // A unit linked to /dev/null is masked: systemd does not look further, and nothing runs it.
    // Judged by the link alone: a host root bind-mounted without its submounts has no /dev/null.
    if (spec.how === 'systemd-unit' && resolved === '/dev/null') return undefined;
    if (!(await exists(rootPath, resolved))) continue; // a dangling symlink
    return { path: resolved, foundAt };
  }
  return undefined;
}
