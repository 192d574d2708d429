// Docker's json-file container logs, as pure functions: which file a container's log is
// allowed to be (the engine's LogPath is checked, never trusted), how one line of it is
// read, and how lines are counted by stream and level. No I/O here: the reading is in
// src/readers/json-log-tailer.ts, the wiring in src/collectors/logs.ts.
//
// One line of a json-file log is one JSON object and a newline, written whole by dockerd
// (daemon/logger/jsonfilelog, jsonlog.JSONLogs):
//   {"log":"ERROR 1\n","stream":"stdout","time":"2026-12-02T15:00:00.123456789Z"}
// Docker's copier cuts a line longer than its 16 KiB buffer into parts, each its own
// entry; every part but the last has a `log` that does not end in "\n". Such a partial
// part is not a line: its level is remembered (per stream) and the line is counted once,
// when the part ending in "\n" arrives, at the highest level any part had. A pattern cut in
// two by a part boundary is still found: the last characters of the previous part are
// matched with the next one. Output that ends without a newline (`printf foo`, then exit)
// stays pending until that stream writes a newline; it is never counted if it never does.
import * as path from 'node:path';

export const LOG_STREAMS = ['stdout', 'stderr'] as const;
export type LogStream = (typeof LOG_STREAMS)[number];
export const LOG_LEVELS = ['error', 'warning', 'other'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export const DEFAULT_ERROR_PATTERNS: readonly string[] = ['error', 'fatal', 'panic', 'exception', 'denied', 'segfault'];
export const DEFAULT_WARNING_PATTERNS: readonly string[] = ['warn'];

const CONTAINER_ID = /^[0-9a-f]{64}$/;

/**
 * The one host path a container's json-file log may be at: `<data root>/containers/<id>/<id>-json.log`,
 * where dockerd puts it. Undefined when the engine's LogPath is anything else (a hostile or
 * broken engine pointing the exporter at another file), or the id is not 64 hex digits.
 */
export function acceptedLogPath(dataRoot: string, id: string, logPath: string): string | undefined {
  if (!CONTAINER_ID.test(id) || !dataRoot.startsWith('/') || !logPath.startsWith('/')) return undefined;
  const expected = path.posix.join(path.posix.normalize(dataRoot), 'containers', id, `${id}-json.log`);
  return path.posix.normalize(logPath) === expected ? expected : undefined;
}

export interface JsonLogEntry {
  readonly stream: LogStream;
  readonly log: string;
}

/** One json-file line (without its newline); undefined when it is not a json-file entry of stdout or stderr. */
export function parseJsonLogLine(text: string): JsonLogEntry | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const { log, stream } = value as { log?: unknown; stream?: unknown };
  if (typeof log !== 'string' || (stream !== 'stdout' && stream !== 'stderr')) return undefined;
  return { stream, log };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Case-insensitive substring matching of the error and warning patterns; error wins. */
export class LevelMatcher {
  private readonly error: RegExp | undefined;
  private readonly warning: RegExp | undefined;
  /** Characters of the previous part kept to find a pattern cut by a part boundary. */
  readonly overlap: number;

  constructor(errorPatterns: readonly string[], warningPatterns: readonly string[]) {
    const build = (patterns: readonly string[]) => {
      const kept = patterns.filter((p) => p !== '');
      return kept.length > 0 ? new RegExp(kept.map(escapeRegExp).join('|'), 'i') : undefined;
    };
    this.error = build(errorPatterns);
    this.warning = build(warningPatterns);
    this.overlap = Math.max(0, ...[...errorPatterns, ...warningPatterns].map((p) => p.length - 1));
  }

  level(text: string): LogLevel {
    if (this.error?.test(text)) return 'error';
    if (this.warning?.test(text)) return 'warning';
    return 'other';
  }
}

const RANK: Record<LogLevel, number> = { other: 0, warning: 1, error: 2 };

interface Pending {
  level: LogLevel;
  /** The last characters of the parts so far (LevelMatcher.overlap of them). */
  tail: string;
}

/** The counts of one container's log, by stream and level, as its lines arrive. */
export class LogLineCounter {
  /** `${stream}\u0000${level}` -> lines. */
  readonly counts = new Map<string, number>();
  /** Lines that were not json-file entries: malformed JSON, too long, cut off. */
  parseErrors = 0;
  private readonly pending = new Map<LogStream, Pending>();

  constructor(private readonly matcher: LevelMatcher) {
    for (const stream of LOG_STREAMS) for (const level of LOG_LEVELS) this.counts.set(`${stream}\u0000${level}`, 0);
  }

  /** One raw line of the file (without its newline). */
  line(text: string): void {
    const entry = parseJsonLogLine(text);
    if (!entry) {
      this.parseErrors++;
      return;
    }
    this.entry(entry);
  }

  /** A line that could not be read whole (over the length bound, or cut off by a rotation or truncation). */
  skipped(): void {
    this.parseErrors++;
  }

  entry({ stream, log }: JsonLogEntry): void {
    const before = this.pending.get(stream);
    const text = before ? before.tail + log : log;
    let level = this.matcher.level(text);
    if (before && RANK[before.level] > RANK[level]) level = before.level;
    if (!log.endsWith('\n')) {
      // A partial part: the line goes on in the next entry of this stream.
      const overlap = this.matcher.overlap;
      this.pending.set(stream, { level, tail: overlap > 0 ? text.slice(-overlap) : '' });
      return;
    }
    this.pending.delete(stream);
    const key = `${stream}\u0000${level}`;
    this.counts.set(key, this.counts.get(key)! + 1);
  }

  count(stream: LogStream, level: LogLevel): number {
    return this.counts.get(`${stream}\u0000${level}`) ?? 0;
  }
}
