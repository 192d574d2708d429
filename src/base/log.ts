// A small structured logger: logfmt or JSON lines on stderr, so stdout stays free for
// `--once` output. Errors are logged with their whole `cause` chain, because the outer
// message says what was being attempted and the inner one says why it failed.

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFormat = 'logfmt' | 'json';
export const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];
export const LOG_FORMATS: readonly LogFormat[] = ['logfmt', 'json'];

export type LogFields = Record<string, string | number | boolean | undefined | unknown>;

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
}

/** Joins an error's message with the messages of its causes: "a: b: c". */
export function describeError(err: unknown): string {
  const parts: string[] = [];
  let current: unknown = err;
  for (let depth = 0; current !== undefined && current !== null && depth < 8; depth++) {
    // Duck-typed rather than instanceof: errors from another realm (vm, jest) are errors too.
    if (typeof current === 'object' && typeof (current as Error).message === 'string') {
      const { message, code, cause } = current as NodeJS.ErrnoException;
      parts.push(code && !message.includes(code) ? `${message} (${code})` : message);
      current = cause;
    } else {
      parts.push(String(current));
      break;
    }
  }
  return parts.join(': ');
}

function logfmtValue(value: unknown): string {
  const text = value instanceof Error ? describeError(value) : typeof value === 'string' ? value : JSON.stringify(value);
  return /^[^\s"=]+$/.test(text ?? '') ? text : JSON.stringify(text ?? '');
}

export function createLogger(
  level: LogLevel = 'info',
  format: LogFormat = 'logfmt',
  write: (line: string) => void = (line) => process.stderr.write(line + '\n'),
): Logger {
  const threshold = LOG_LEVELS.indexOf(level);
  const emit = (lvl: LogLevel, msg: string, fields: LogFields = {}) => {
    if (LOG_LEVELS.indexOf(lvl) < threshold) return;
    const record: Record<string, unknown> = { ts: new Date().toISOString(), level: lvl, msg };
    for (const [k, v] of Object.entries(fields)) {
      if (v !== undefined) record[k] = v instanceof Error ? describeError(v) : v;
    }
    write(
      format === 'json'
        ? JSON.stringify(record)
        : Object.entries(record)
            .map(([k, v]) => `${k}=${logfmtValue(v)}`)
            .join(' '),
    );
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
  };
}

/**
 * For problems a collector finds again on every collection: logs each one the first
 * collection it appears in, and again only after a collection without it, not every 15 s.
 * Call it once per collection with every current problem, by a key that tells problems apart.
 */
export function logWhenNew(): (current: ReadonlyMap<string, () => void>) => void {
  let previous = new Set<string>();
  return (current) => {
    for (const [key, log] of current) if (!previous.has(key)) log();
    previous = new Set(current.keys());
  };
}

/** A logger that drops everything: for tests that do not look at logs. */
export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
