// The CIS Docker Benchmark v1.6 checks 1.1.3-1.1.18 ("Ensure auditing is configured for
// ..."): the one list of which path each check is about and how it is found on a host.
// The auditrules collector reports them and the cis collector judges them from it.
// Numbering as docker-bench-security 1.6.0 (tests/1_host_configuration.sh) uses it.
import * as fs from 'node:fs/promises';
import * as path from 'node:path';

/** Where binaries are looked for, in this order: the first directory that has the name wins. */
export const BINARY_DIRS = ['/usr/bin', '/usr/sbin', '/usr/local/bin', '/bin', '/sbin'] as const;
/**
 * Where systemd looks for system unit files, in its order of precedence (systemd.unit(5);
 * /lib/systemd/system for hosts without a merged /usr). The one list: the daemon source
 * finds docker.service and docker.socket with it too.
 */
export const SYSTEMD_UNIT_DIRS = ['/etc/systemd/system', '/run/systemd/system', '/usr/local/lib/systemd/system', '/lib/systemd/system', '/usr/lib/systemd/system'] as const;

export type CisPathResolution =
  /** A fixed host path. */
  | { readonly how: 'path'; readonly path: string }
  /** A binary name, looked for in BINARY_DIRS. */
  | { readonly how: 'binary'; readonly name: string }
  /** A unit name, looked for in SYSTEMD_UNIT_DIRS; a unit masked there (linked to /dev/null) is not in effect. */
  | { readonly how: 'systemd-unit'; readonly name: string }
  /** The first of these host paths that exists. */
  | { readonly how: 'first-existing'; readonly paths: readonly string[] };

export interface CisAuditPath {
  /** The check id, e.g. "1.1.5". */
  readonly check: string;
  /** The path as the benchmark names it: "/var/lib/docker", "docker.service", "runc". */
  readonly name: string;
  /** A directory is expected to be watched with everything below it. */
  readonly kind: 'file' | 'directory';
  readonly resolve: CisPathResolution;
}

const fixed = (check: string, p: string, kind: 'file' | 'directory'): CisAuditPath => ({ check, name: p, kind, resolve: { how: 'path', path: p } });
const binary = (check: string, name: string): CisAuditPath => ({ check, name, kind: 'file', resolve: { how: 'binary', name } });
const unit = (check: string, name: string): CisAuditPath => ({ check, name, kind: 'file', resolve: { how: 'systemd-unit', name } });

export const CIS_AUDIT_PATHS: readonly CisAuditPath[] = [
  binary('1.1.3', 'dockerd'),
  fixed('1.1.4', '/run/containerd', 'directory'),
  fixed('1.1.5', '/var/lib/docker', 'directory'),
  fixed('1.1.6', '/etc/docker', 'directory'),
  unit('1.1.7', 'docker.service'),
  // containerd's own socket, or the one of the containerd that dockerd starts itself
  // (Docker 20.10 without a system containerd, as on this project's CI host).
  { check: '1.1.8', name: 'containerd.sock', kind: 'file', resolve: { how: 'first-existing', paths: ['/run/containerd/containerd.sock', '/run/docker/containerd/containerd.sock'] } },
  unit('1.1.9', 'docker.socket'),
  fixed('1.1.10', '/etc/default/docker', 'file'),
  fixed('1.1.11', '/etc/docker/daemon.json', 'file'),
  fixed('1.1.12', '/etc/containerd/config.toml', 'file'),
  fixed('1.1.13', '/etc/sysconfig/docker', 'file'),
  binary('1.1.14', 'containerd'),
  binary('1.1.15', 'containerd-shim'),
  binary('1.1.16', 'containerd-shim-runc-v1'),
  binary('1.1.17', 'containerd-shim-runc-v2'),
  binary('1.1.18', 'runc'),
];

/** A CIS path found on this host. */
export interface ResolvedCisPath {
  readonly check: string;
  readonly name: string;
  readonly kind: 'file' | 'directory';
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

function candidates(resolve: CisPathResolution): readonly string[] {
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

/** Finds one CIS path on the host under rootPath; undefined when it is not there. */
export async function resolveCisPath(rootPath: string, entry: CisAuditPath): Promise<ResolvedCisPath | undefined> {
  for (const foundAt of candidates(entry.resolve)) {
    if (!(await exists(rootPath, foundAt))) continue;
    const resolved = await resolveHostPath(rootPath, foundAt).catch(() => undefined); // a symlink loop
    if (resolved === undefined) continue;
    // A unit linked to /dev/null is masked: systemd does not look further, and nothing runs it.
    // Judged by the link alone: a host root bind-mounted without its submounts has no /dev/null.
    if (entry.resolve.how === 'systemd-unit' && resolved === '/dev/null') return undefined;
    if (!(await exists(rootPath, resolved))) continue; // a dangling symlink
    return { check: entry.check, name: entry.name, kind: entry.kind, path: resolved, foundAt };
  }
  return undefined;
}

/** Every CIS 1.1.x path that exists on the host under rootPath, in check order. */
export async function resolveCisPaths(rootPath: string, entries: readonly CisAuditPath[] = CIS_AUDIT_PATHS): Promise<ResolvedCisPath[]> {
  const found = await Promise.all(entries.map((e) => resolveCisPath(rootPath, e)));
  return found.filter((f): f is ResolvedCisPath => f !== undefined);
}
