// What `docker top` says about a container, and when to ask it again. Pure.
//
// - processName(): the name of one process, from the CMD column of top's answer.
// - topSummary(): the process count of one answer, and which "whole OS" process names it holds.
// - topDueAtMs() and topReadDue(): the schedule. Each container is asked once per interval,
//   at its own time: a fixed offset within the interval, from a hash of its id (the jitter
//   that spreads 300 containers over the interval instead of asking them all in one
//   collection). A new or restarted container is asked at once, whatever its offset.
import type { ContainerTop } from '../readers/engine-types';

/**
 * Process names that say "this container runs a whole OS" rather than one service: init
 * systems and process supervisors (systemd, init, s6-svscan, runit, supervisord), a remote
 * login daemon (sshd), a cron daemon (cron, crond) and a syslog daemon (rsyslogd).
 * Docker's own --init (docker-init, tini) is not among them: it is a minimal reaper,
 * which is good practice. --collector.processes.full-os-names replaces the list.
 */
export const DEFAULT_FULL_OS_PROCESS_NAMES: readonly string[] = ['systemd', 'init', 's6-svscan', 'runit', 'sshd', 'cron', 'crond', 'rsyslogd', 'supervisord'];

/** Longest name accepted in --collector.processes.full-os-names (a label value: kept short). */
export const MAX_PROCESS_NAME_LENGTH = 64;

/** Why a name cannot be in the full-OS list, or undefined when it can: one word, as processName() gives it. */
export function fullOsNameProblem(name: string): string | undefined {
  if (name.length > MAX_PROCESS_NAME_LENGTH) return `longer than ${MAX_PROCESS_NAME_LENGTH} characters`;
  // What processName() can return: no blank, no slash (it takes the basename), no leading "-".
  if (!/^[^\s/\-\[\]][^\s/]*$/.test(name)) return 'expected a process name such as sshd (no blanks, no "/", not starting with "-" or "[")';
  if (name.endsWith(':')) return 'expected a process name without the trailing ":"';
  return undefined;
}

/**
 * The name of a process from its command line as ps prints it (the CMD column of `ps -ef`):
 * - the basename of the first word: "/sbin/init" and "init splash" are "init";
 * - a title a daemon set for itself ends that word with ":": "sshd: user@pts/0" is "sshd";
 * - a kernel thread or a process whose arguments cannot be read is shown in brackets:
 *   "[kthreadd]" is "kthreadd", and so is "[kthreadd] <defunct>" (a zombie);
 * - a login shell's leading "-" is dropped: "-bash" is "bash";
 * - an interpreter is not special: "python3 /usr/bin/supervisord" is "python3".
 * Empty for an empty command line.
 */
export function processName(cmd: string): string {
  const line = cmd.trim();
  const bracketed = /^\[([^\]]*)\]/.exec(line);
  // A kernel thread's name may hold "/" (kworker/0:1): it is not a path.
  if (bracketed) return bracketed[1].trim();
  let word = line.split(/\s/, 1)[0] ?? '';
  if (word.startsWith('(') && word.endsWith(')')) word = word.slice(1, -1); // systemd's "(sd-pam)"
  word = word.replace(/^-+/, '').replace(/:+$/, '').replace(/\/+$/, '');
  return word.slice(word.lastIndexOf('/') + 1);
}

/**
 * The column of top's answer that holds the command line: CMD (ps -ef), COMMAND or ARGS
 * (other ps arguments), Name (a Windows engine: the image name, "smss.exe"); else -1, the
 * last column of each row.
 */
export function commandColumn(titles: readonly string[] | null | undefined): number {
  const heads = (Array.isArray(titles) ? titles : []).map((t) => (typeof t === 'string' ? t.trim().toUpperCase() : ''));
  for (const want of ['CMD', 'COMMAND', 'ARGS', 'NAME']) {
    const i = heads.indexOf(want);
    if (i >= 0) return i;
  }
  return -1; // the last column of each row
}

export interface TopSummary {
  /** Processes the answer lists. */
  readonly processes: number;
  /** The distinct names of `fullOsNames` among them, sorted. */
  readonly fullOsProcesses: readonly string[];
}

/** The process count of one top answer, and which of `fullOsNames` run. */
export function topSummary(top: ContainerTop, fullOsNames: ReadonlySet<string>): TopSummary {
  // Shapes checked: the answer is the engine's, and one engine may be broken or hostile.
  const rows = Array.isArray(top.Processes) ? top.Processes : [];
  const column = commandColumn(top.Titles);
  const found = new Set<string>();
  for (const row of rows) {
    if (!Array.isArray(row) || row.length === 0) continue;
    const cmd = row[column >= 0 ? column : row.length - 1];
    const name = typeof cmd === 'string' ? processName(cmd) : '';
    if (fullOsNames.has(name)) found.add(name);
  }
  return { processes: rows.length, fullOsProcesses: [...found].sort() };
}

/** FNV-1a, 32 bits: a container id's hash, for its offset within the interval. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

/**
 * The container's own offset within the interval, in [0, interval): the times it is due are
 * offset + k × interval (k whole, counted from the Unix epoch). From its id, so it is the
 * same on every collection and across restarts of the exporter, and container ids (random)
 * spread evenly over the interval.
 */
export function topOffsetMs(id: string, intervalMs: number): number {
  return Math.floor((fnv1a(id) / 2 ** 32) * intervalMs);
}

/**
 * When a container asked at `askedAtMs` is next due: its first own time (topOffsetMs) more
 * than half an interval after the ask. So a result is served between half an interval and
 * one and a half intervals after it was read (exactly one interval in the steady state,
 * when every ask is on the container's own time), and a container asked out of turn (new,
 * restarted) is not asked again moments later when its own time comes.
 */
export function topDueAtMs(id: string, askedAtMs: number, intervalMs: number): number {
  const offset = topOffsetMs(id, intervalMs);
  const after = askedAtMs + intervalMs / 2;
  return offset + (Math.floor((after - offset) / intervalMs) + 1) * intervalMs;
}

/** What is kept of a container between asks. */
export interface TopCacheEntry {
  /** State.StartedAt when it was asked: another value means it restarted since. */
  readonly startedAt: string;
  readonly dueAtMs: number;
  /** Undefined when the last ask failed (nothing is served until an ask succeeds). */
  readonly summary: TopSummary | undefined;
}

/** Whether a running container must be asked now: never asked, restarted since, or due. */
export function topReadDue(entry: TopCacheEntry | undefined, startedAt: string, nowMs: number): boolean {
  return entry === undefined || entry.startedAt !== startedAt || nowMs >= entry.dueAtMs;
}

/** A running container that may be asked: its id, State.StartedAt, and what is kept of it. */
export interface TopCandidate {
  readonly id: string;
  readonly startedAt: string;
  readonly entry: TopCacheEntry | undefined;
}

/**
 * The containers to ask in this collection, at most `max` of them (0: no limit): those due
 * (topReadDue), the new and restarted first (they have no series yet), then the longest
 * overdue, each group in the order given. The others stay due and come first in a later
 * collection, so a cold start over hundreds of containers is spread over several
 * collections instead of holding one up for a minute. Pure.
 */
export function pickTopReads<C extends TopCandidate>(candidates: readonly C[], nowMs: number, max: number): C[] {
  const due = candidates.filter((c) => topReadDue(c.entry, c.startedAt, nowMs));
  const fresh = due.filter((c) => c.entry === undefined || c.entry.startedAt !== c.startedAt);
  const overdue = due.filter((c) => !fresh.includes(c)).sort((a, b) => a.entry!.dueAtMs - b.entry!.dueAtMs);
  const ordered = [...fresh, ...overdue];
  return max > 0 ? ordered.slice(0, max) : ordered;
}

/**
 * Containers asked per collection, on average, once every one is on its own time: each is
 * asked once per interval, so n × (collection interval / top interval), at most n.
 */
export function topReadsPerCollection(containers: number, collectionIntervalMs: number, intervalMs: number): number {
  return Math.min(containers, (containers * collectionIntervalMs) / intervalMs);
}
