// Caches container inspects between collections, so a steady host costs one list call
// per cycle instead of one inspect per container.
//
// A cached inspect is reused only while the list entry says nothing changed:
// - the same state, names, exit code and health (all in the list's Status text);
// - no restart or new exit since the inspect. The list has no timestamps, but its Status
//   says "Up 3 seconds" or "Exited (0) 2 minutes ago"; from that text we know the latest
//   the container can have started or finished, and an inspect holding an older time is stale.
// What the list cannot show (a `docker update` of limits) is caught by a maximum age,
// jittered per entry so the re-inspects spread over cycles instead of arriving together.
//
// Why the Status text is parsed at all: while no event stream tells of changes (the stream
// is down, or --collector.containers.watch-events=false), a container restarted between two
// collections lists with the same state, names, exit code and health as before; only "Up 2
// seconds" tells. The real-engine test "sees a restart between two collections without the
// event stream, by the Status text alone" (test/integration/containers.test.ts) fails
// without it: the old start time is served for up to --collector.containers.inspect-max-age.
import { parseDockerTime } from '../model/posture';
import type { ContainerInspect, ContainerSummary } from '../readers/engine-types';

/** Upper bounds for docker/go-units HumanDuration, the text in a container's Status. */
export function maxSecondsForHumanDuration(text: string): number | undefined {
  const t = text.trim();
  if (/^Less than a second$/i.test(t)) return 1;
  if (/^About a minute$/i.test(t)) return 120; // minutes == 1: 60 to 119 s
  if (/^About an hour$/i.test(t)) return 5400; // hours rounded to 1: under 1.5 h
  const m = /^(\d+) (second|minute|hour|day|week|month|year)s?$/i.exec(t);
  if (!m) return undefined;
  const n = Number(m[1]);
  switch (m[2].toLowerCase()) {
    case 'second':
      return n + 1;
    case 'minute':
      return (n + 1) * 60; // truncated to whole minutes
    case 'hour':
      return (n + 0.5) * 3600; // rounded to whole hours
    case 'day':
      return (n + 1) * 86_400;
    case 'week':
      return (n + 1) * 7 * 86_400;
    case 'month':
      return (n + 1) * 30 * 86_400;
    default:
      return (n + 1) * 365 * 86_400;
  }
}

export interface StatusFacts {
  /** The list key: what must be unchanged for a cached inspect to be reused. */
  key: string;
  /** Which inspect time the Status speaks of, and the most seconds it can be in the past. */
  since?: { field: 'StartedAt' | 'FinishedAt'; maxAgeSeconds: number };
}

/** Reads what can be known from a list entry without inspecting the container. */
export function statusFacts(summary: ContainerSummary): StatusFacts {
  const status = summary.Status ?? '';
  const health = /\((healthy|unhealthy|health: starting)\)/.exec(status)?.[1] ?? '';
  const exitCode = /^(?:Exited|Restarting) \((-?\d+)\)/.exec(status)?.[1] ?? '';
  const key = [summary.State ?? '', exitCode, health, (summary.Names ?? []).join(',')].join('|');
  let since: StatusFacts['since'];
  const up = /^Up (.+?)(?: \((?:Paused|healthy|unhealthy|health: starting)\))*$/.exec(status);
  const ago = /^(?:Exited|Restarting) \(-?\d+\) (.+) ago$/.exec(status);
  if (up) {
    const max = maxSecondsForHumanDuration(up[1]);
    if (max !== undefined) since = { field: 'StartedAt', maxAgeSeconds: max };
  } else if (ago) {
    const max = maxSecondsForHumanDuration(ago[1]);
    if (max !== undefined) since = { field: 'FinishedAt', maxAgeSeconds: max };
  }
  return { key, since };
}

interface Entry {
  key: string;
  inspect: ContainerInspect;
  expiresAtMs: number;
}

export interface InspectCacheOptions {
  /** Longest a cached inspect is reused, in milliseconds; 0 disables the cache. */
  maxAgeMs: number;
  /** Tolerance for the coarse Status text and for clock skew with a remote engine. */
  slackSeconds?: number;
  random?: () => number;
}

export class InspectCache {
  private readonly entries = new Map<string, Entry>();
  private readonly slackSeconds: number;
  private readonly random: () => number;

  constructor(private readonly options: InspectCacheOptions) {
    this.slackSeconds = options.slackSeconds ?? 5;
    this.random = options.random ?? Math.random;
  }

  get size(): number {
    return this.entries.size;
  }

  /** The cached inspect for this list entry, if it is still known to be current. */
  get(summary: ContainerSummary, nowMs: number): ContainerInspect | undefined {
    const entry = this.entries.get(summary.Id);
    if (!entry) return undefined;
    const facts = statusFacts(summary);
    const fresh = entry.key === facts.key && nowMs < entry.expiresAtMs && !this.changedSince(entry.inspect, facts, nowMs);
    if (!fresh) this.entries.delete(summary.Id);
    return fresh ? entry.inspect : undefined;
  }

  set(summary: ContainerSummary, inspect: ContainerInspect, nowMs: number): void {
    if (this.options.maxAgeMs <= 0) return;
    const jitter = 0.75 + this.random() * 0.5; // 75% to 125% of the maximum age
    this.entries.set(summary.Id, { key: statusFacts(summary).key, inspect, expiresAtMs: nowMs + this.options.maxAgeMs * jitter });
  }

  /** Drops the entry, for a container known to have changed (an engine event, say). */
  invalidate(id: string): void {
    this.entries.delete(id);
  }

  /** Forgets containers that are gone. */
  retain(ids: ReadonlySet<string>): void {
    for (const id of this.entries.keys()) if (!ids.has(id)) this.entries.delete(id);
  }

  /** Whether the container must have started or finished after the cached inspect was taken. */
  private changedSince(inspect: ContainerInspect, facts: StatusFacts, nowMs: number): boolean {
    if (!facts.since) return false;
    const cached = parseDockerTime(inspect.State?.[facts.since.field]);
    if (cached === undefined) return true;
    const earliestPossible = nowMs / 1000 - facts.since.maxAgeSeconds - this.slackSeconds;
    return cached < earliestPossible;
  }
}
