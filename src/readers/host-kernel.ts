// The host kernel's security settings as files under --host.proc-path and --host.sys-path:
// each file read as it is, bounded (src/readers/files.ts), and its fate kept apart from
// its text, since "not there" is an answer from the kernel while "could not read" is not.
// What the text means is src/model/host.ts's business.
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { readTextFile } from './files';

/** One file as found: its text, not there, or there and not readable (with why). */
export type FileReading =
  | { readonly state: 'text'; readonly path: string; readonly text: string }
  | { readonly state: 'missing'; readonly path: string }
  | { readonly state: 'error'; readonly path: string; readonly error: string };

/** Codes that mean nothing is at the path (ENOTDIR: a parent is a file, as in a kernel without the feature). */
const MISSING_CODES = new Set(['ENOENT', 'ENOTDIR']);

/**
 * Reads one small kernel file. ENOENT is "missing"; anything else (EACCES, EPERM, a
 * directory or FIFO where a file should be, over the bound, the deadline) is an "error"
 * naming what happened, never mistaken for missing.
 */
export async function readKernelFile(file: string, maxBytes = 64 * 1024): Promise<FileReading> {
  try {
    return { state: 'text', path: file, text: await readTextFile(file, { maxBytes }) };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== undefined && MISSING_CODES.has(code)) return { state: 'missing', path: file };
    return { state: 'error', path: file, error: error instanceof Error ? error.message : String(error) };
  }
}

/** What is at a path, not following the last symlink's absence into an error: a file, a directory, nothing, or not knowable. */
export type PathKind = 'file' | 'directory' | 'other' | 'missing' | { readonly error: string };

export async function pathKind(file: string): Promise<PathKind> {
  try {
    const stat = await fs.stat(file);
    return stat.isFile() ? 'file' : stat.isDirectory() ? 'directory' : 'other';
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== undefined && MISSING_CODES.has(code)) return 'missing';
    return { error: error instanceof Error ? error.message : String(error) };
  }
}

/** What the cgroup mount point holds, enough to tell v1, v2 and the hybrid layout apart. */
export interface CgroupProbe {
  readonly mountPoint: string;
  /** <sys>/fs/cgroup/cgroup.controllers: only the root of a cgroup2 hierarchy has it. */
  readonly rootControllers: PathKind;
  /** <sys>/fs/cgroup/unified/cgroup.controllers: systemd's hybrid layout mounts cgroup2 there. */
  readonly unifiedControllers: PathKind;
  /** Sub-folders of the mount point that hold a v1 hierarchy (a cgroup.procs or tasks file); [] when none. */
  readonly v1Hierarchies: readonly string[];
  /** Listing the mount point failed other than by its absence. */
  readonly listError?: string;
}

/** Most entries of /sys/fs/cgroup looked at: a v1 host has about a dozen controllers. */
const MAX_CGROUP_ENTRIES = 64;

/**
 * Probes <sys>/fs/cgroup by the files each layout puts there, not by statfs: the files are
 * what a fixture tree can hold, and under a bind-mounted host /sys they say the same thing
 * as the filesystem type (cgroup2 at the root: v2; a tmpfs of v1 hierarchies, with or
 * without cgroup2 at unified/: v1 or hybrid).
 */
export async function probeCgroups(sysPath: string): Promise<CgroupProbe> {
  const mountPoint = path.join(sysPath, 'fs', 'cgroup');
  const [rootControllers, unifiedControllers] = await Promise.all([pathKind(path.join(mountPoint, 'cgroup.controllers')), pathKind(path.join(mountPoint, 'unified', 'cgroup.controllers'))]);
  let entries: string[];
  try {
    entries = (await fs.readdir(mountPoint, { withFileTypes: true }))
      .filter((e) => e.isDirectory() && e.name !== 'unified')
      .map((e) => e.name)
      .sort()
      .slice(0, MAX_CGROUP_ENTRIES);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== undefined && MISSING_CODES.has(code)) return { mountPoint, rootControllers, unifiedControllers, v1Hierarchies: [] };
    return { mountPoint, rootControllers, unifiedControllers, v1Hierarchies: [], listError: error instanceof Error ? error.message : String(error) };
  }
  // In a v2 root, sub-folders are child cgroups (system.slice, ...), not hierarchies.
  if (rootControllers === 'file') return { mountPoint, rootControllers, unifiedControllers, v1Hierarchies: [] };
  const kinds = await Promise.all(
    entries.map(async (name) => {
      const [procs, tasks] = await Promise.all([pathKind(path.join(mountPoint, name, 'cgroup.procs')), pathKind(path.join(mountPoint, name, 'tasks'))]);
      return procs === 'file' || tasks === 'file' ? name : undefined;
    }),
  );
  return { mountPoint, rootControllers, unifiedControllers, v1Hierarchies: kinds.filter((n): n is string => n !== undefined) };
}

/** Every file the host collector reads, read at once. */
export interface HostKernelFiles {
  readonly apparmorEnabled: FileReading;
  readonly apparmorProfiles: FileReading | undefined;
  readonly selinuxEnforce: FileReading;
  readonly seccompActions: FileReading;
  readonly selfStatus: FileReading;
  readonly osRelease: FileReading;
  readonly maxUserNamespaces: FileReading;
  readonly lockdown: FileReading;
  readonly cgroups: CgroupProbe;
  /** <sys>/module: every sysfs has it. Without it a missing LSM file says nothing (a /sys not mounted, a non-recursive bind). */
  readonly sysModules: PathKind;
}

/** Most bytes of AppArmor's profile list: one line per loaded profile, a few hundred on a busy host. */
const MAX_PROFILES_BYTES = 4 * 1024 * 1024;

/**
 * Reads them all. `readProfiles` says whether AppArmor's profile list is wanted: it is
 * read only when AppArmor is enabled, and needs root (EACCES otherwise: an "error").
 */
export async function readHostKernelFiles(procPath: string, sysPath: string): Promise<HostKernelFiles> {
  const sys = (...parts: string[]) => path.join(sysPath, ...parts);
  const proc = (...parts: string[]) => path.join(procPath, ...parts);
  const apparmorEnabled = await readKernelFile(sys('module', 'apparmor', 'parameters', 'enabled'));
  const profilesWanted = apparmorEnabled.state === 'text' && apparmorEnabled.text.trim() === 'Y';
  const [apparmorProfiles, selinuxEnforce, seccompActions, selfStatus, osRelease, maxUserNamespaces, lockdown, cgroups, sysModules] = await Promise.all([
    profilesWanted ? readKernelFile(sys('kernel', 'security', 'apparmor', 'profiles'), MAX_PROFILES_BYTES) : undefined,
    readKernelFile(sys('fs', 'selinux', 'enforce')),
    readKernelFile(proc('sys', 'kernel', 'seccomp', 'actions_avail')),
    readKernelFile(proc('self', 'status')),
    readKernelFile(proc('sys', 'kernel', 'osrelease')),
    readKernelFile(proc('sys', 'user', 'max_user_namespaces')),
    readKernelFile(sys('kernel', 'security', 'lockdown')),
    probeCgroups(sysPath),
    pathKind(sys('module')),
  ]);
  return { apparmorEnabled, apparmorProfiles, selinuxEnforce, seccompActions, selfStatus, osRelease, maxUserNamespaces, lockdown, cgroups, sysModules };
}
