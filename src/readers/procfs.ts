// Processes under a procfs (--host.proc-path): their command lines and start times.
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { mapLimit } from '../base/concurrency';
import { readTextFile } from './files';

export interface ProcessArgv {
  readonly pid: number;
  readonly argv: readonly string[];
}

/** A process's argv from <proc>/<pid>/cmdline (NUL-separated); undefined when it is gone or unreadable. */
export async function readArgv(procPath: string, pid: number): Promise<string[] | undefined> {
  try {
    const argv = (await readTextFile(path.join(procPath, String(pid), 'cmdline'), { maxBytes: 1024 * 1024 })).split('\0');
    if (argv.at(-1) === '') argv.pop();
    return argv;
  } catch {
    return undefined; // exited meanwhile, or a process we may not read
  }
}

/** A process's start time (field 22 of <proc>/<pid>/stat), so a reused pid is not taken for the same process. */
export async function readStartTime(procPath: string, pid: number): Promise<string | undefined> {
  const stat = await readTextFile(path.join(procPath, String(pid), 'stat'), { maxBytes: 64 * 1024 }).catch(() => undefined);
  return stat?.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
}

/**
 * Every process under procPath whose argv[0] has this basename, by pid. Processes that
 * vanish or cannot be read meanwhile are skipped; an unreadable procPath throws.
 */
export async function findProcesses(procPath: string, basename: string): Promise<ProcessArgv[]> {
  const entries = await fs.readdir(procPath);
  const pids = entries.filter((e) => /^\d+$/.test(e)).map(Number).sort((a, b) => a - b);
  const found = await mapLimit(pids, 16, async (pid): Promise<ProcessArgv | undefined> => {
    const argv = await readArgv(procPath, pid);
    return argv && argv.length > 0 && path.posix.basename(argv[0]) === basename ? { pid, argv } : undefined;
  });
  return found.filter((p): p is ProcessArgv => p !== undefined);
}

/** A process's real uid and gid (the Uid: and Gid: lines of <proc>/<pid>/status); undefined when unreadable. */
export async function readOwner(procPath: string, pid: number): Promise<{ uid: number; gid: number } | undefined> {
  const status = await readTextFile(path.join(procPath, String(pid), 'status'), { maxBytes: 64 * 1024 }).catch(() => undefined);
  const id = (field: string) => {
    const m = new RegExp(`^${field}:\\s*(\\d+)`, 'm').exec(status ?? '');
    return m ? Number(m[1]) : undefined;
  };
  const uid = id('Uid');
  const gid = id('Gid');
  return uid === undefined || gid === undefined ? undefined : { uid, gid };
}

/**
 * Only the named variables of a process's environment (<proc>/<pid>/environ, NUL-separated;
 * readable by its owner and root). Undefined when unreadable. Nothing else is kept: an
 * environment may hold secrets.
 */
export async function readEnvironKeys<K extends string>(procPath: string, pid: number, keys: readonly K[]): Promise<Partial<Record<K, string>> | undefined> {
  let text: string;
  try {
    text = await readTextFile(path.join(procPath, String(pid), 'environ'), { maxBytes: 1024 * 1024 });
  } catch {
    return undefined;
  }
  const out: Partial<Record<K, string>> = {};
  for (const entry of text.split('\0')) {
    const eq = entry.indexOf('=');
    const key = entry.slice(0, eq) as K;
    if (eq > 0 && keys.includes(key)) out[key] = entry.slice(eq + 1);
  }
  return out;
}
