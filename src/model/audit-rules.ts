// Linux audit rules as auditctl reads them (rules files) and prints them (`auditctl -l`),
// and which host paths they watch. Pure: no file or process I/O here.
//
// What `auditctl -l` prints (auditctl 3.0.9, recorded in test/fixtures/audit-rules/):
// - every exit-list rule made of only path= or dir=, perm= and keys comes back as
//   `-w PATH -p PERMS -k KEY`, whether it was loaded as -w, as `-F path=` or as `-F dir=`,
//   and even when its action was `never`: the listing cannot tell them apart;
// - a -w rule loaded without -p is listed with `-p rwxa`;
// - a path with a space is printed unquoted (`-w /tmp/a b -p wa`);
// - rules with -S syscalls or other fields stay `-a always,exit ... -F key=K`.
// auditctl itself decides what -w means when it loads it: a directory (by stat) becomes a
// recursive dir= watch, anything else an exact path= watch. So a `-w` target is recursive
// exactly when it is a directory on the host; see `WatchTarget.match`.
import * as posix from 'node:path/posix';

/** How a rule's path matches: exactly; the directory and everything below (dir=); or as -w, which depends on the host. */
export type TargetMatch = 'exact' | 'tree' | 'watch';

export interface AuditRule {
  /** -w (a watch) or -a/-A (a syscall rule). */
  readonly kind: 'watch' | 'syscall';
  /** exit, task, user, exclude, filesystem, io_uring; watches are exit-list rules. */
  readonly list: string;
  readonly action: 'always' | 'never';
  /** The watched path (normalised, no trailing slash), when the rule names one. */
  readonly path?: string;
  readonly match?: TargetMatch;
  /** Access types the rule audits, a subset of "rwxa" in that order; "" when unknown (syscalls named, no perm=). */
  readonly perms: string;
  readonly keys: readonly string[];
  readonly syscalls: readonly string[];
  /** Where it came from: "auditctl -l:3", "/etc/audit/rules.d/docker.rules:12". */
  readonly origin: string;
}

export interface ParsedRules {
  readonly rules: readonly AuditRule[];
  /** Lines that could not be understood, with the reason; they add no rule. */
  readonly problems: readonly string[];
}

const ALL_PERMS = 'rwxa';
/** auditctl's short options that take an argument (from its getopt string). */
const TAKES_ARGUMENT = new Set('befraAdSFpkwWmRCq');
const FIELD = /^([A-Za-z0-9_]+)(!=|>=|<=|&=|=|<|>|&)(.*)$/;

/** "wa", "aw", "war" -> the same canonical "rwxa"-ordered string; undefined if not a perm string. */
export function normalisePerms(text: string): string | undefined {
  if (!/^[rwxa]+$/.test(text)) return undefined;
  return ALL_PERMS.split('')
    .filter((p) => text.includes(p))
    .join('');
}

/** A rule path as the kernel compares it: normalised, without a trailing slash. */
export function normaliseRulePath(p: string): string {
  const n = posix.normalize(p);
  return n.length > 1 && n.endsWith('/') ? n.slice(0, -1) : n;
}

/** Splits a line into auditctl's arguments; -w/-W take every word up to the next option, as `auditctl -l` prints spaces unquoted. */
function tokenize(line: string): string[] {
  return line.split(/\s+/).filter((t) => t !== '');
}

interface RuleOp {
  op: 'add' | 'delete' | 'clear' | 'control';
  rule?: AuditRule;
}

/** Parses one line (comments and blank lines already removed). Throws with the reason when it makes no sense. */
function parseLine(line: string, origin: string): RuleOp {
  const tokens = tokenize(line);
  let kind: 'watch' | 'syscall' | undefined;
  let remove = false;
  let clear = false;
  let list = 'exit';
  let action: 'always' | 'never' = 'always';
  let path: string | undefined;
  let match: TargetMatch | undefined;
  let perms: string | undefined;
  const keys: string[] = [];
  const syscalls: string[] = [];

  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i];
    if (token.startsWith('--')) {
      // Long control options (--backlog_wait_time N, --loginuid-immutable, --reset-lost): not rules.
      if (i + 1 < tokens.length && !tokens[i + 1].startsWith('-')) i++;
      continue;
    }
    if (!/^-[A-Za-z]/.test(token)) throw new Error(`unexpected word "${token}"`);
    const option = token[1];
    let argument: string | undefined;
    if (TAKES_ARGUMENT.has(option)) {
      if (token.length > 2) argument = token.slice(2); // getopt's attached form: -kdocker
      else if (option === 'w' || option === 'W') {
        const words: string[] = [];
        while (i + 1 < tokens.length && !tokens[i + 1].startsWith('-')) words.push(tokens[++i]);
        if (words.length > 0) argument = words.join(' ');
      } else if (i + 1 < tokens.length) argument = tokens[++i];
      if (argument === undefined) throw new Error(`option -${option} needs a value`);
    }
    switch (option) {
      case 'w':
      case 'W':
        kind = 'watch';
        remove = option === 'W';
        path = normaliseRulePath(argument!);
        match = 'watch';
        break;
      case 'a':
      case 'A':
      case 'd': {
        kind = 'syscall';
        remove = option === 'd';
        const parts = argument!.split(',');
        const act = parts.find((p) => p === 'always' || p === 'never');
        const lst = parts.find((p) => p !== act);
        if (!act || !lst || parts.length !== 2) throw new Error(`-${option} ${argument}: expected action,list such as always,exit`);
        action = act as 'always' | 'never';
        list = lst === 'entry' ? 'exit' : lst; // the kernel moved entry rules to exit long ago
        break;
      }
      case 'S':
        syscalls.push(...argument!.split(',').filter((s) => s !== ''));
        break;
      case 'p': {
        const p = normalisePerms(argument!);
        if (p === undefined) throw new Error(`-p ${argument}: expected some of r, w, x, a`);
        perms = p;
        break;
      }
      case 'k':
        keys.push(argument!);
        break;
      case 'F': {
        const m = FIELD.exec(argument!);
        if (!m) throw new Error(`-F ${argument}: expected field=value`);
        const [, field, operator, value] = m;
        if (operator !== '=') break; // path!=, uid>= ...: filters that never name a watched path
        if (field === 'path' || field === 'dir') {
          path = normaliseRulePath(value);
          match = field === 'dir' ? 'tree' : 'exact';
        } else if (field === 'perm') {
          const p = normalisePerms(value);
          if (p === undefined) throw new Error(`-F perm=${value}: expected some of r, w, x, a`);
          perms = p;
        } else if (field === 'key') keys.push(value);
        break;
      }
      case 'D':
        clear = true;
        break;
      default:
        break; // -b, -e, -f, -r, -c, -i, -q ...: control options, no rule
    }
  }
  if (!kind) return { op: clear ? 'clear' : 'control' };
  // Without perm=, a watch audits every access, and so does a syscall rule on all syscalls;
  // a rule naming syscalls audits those, which this exporter does not map to access types.
  const effectivePerms = perms ?? (kind === 'watch' || syscalls.length === 0 || syscalls.includes('all') ? ALL_PERMS : '');
  const rule: AuditRule = { kind, list, action, path, match, perms: effectivePerms, keys, syscalls, origin };
  return { op: remove ? 'delete' : 'add', rule };
}

const sameRule = (a: AuditRule, b: AuditRule): boolean =>
  a.kind === b.kind && a.list === b.list && a.action === b.action && a.path === b.path && a.match === b.match && a.perms === b.perms && a.keys.join('\x01') === b.keys.join('\x01') && a.syscalls.join(',') === b.syscalls.join(',');

/**
 * Parses rules text: a rules file, or the output of `auditctl -l`. -D drops the rules
 * above it in this text, -W and -d drop an identical earlier rule, control lines (-b, -e,
 * -f, --backlog_wait_time) add nothing. `origin` names the text in AuditRule.origin.
 */
export function parseAuditRules(text: string, origin: string): ParsedRules {
  let rules: AuditRule[] = [];
  const problems: string[] = [];
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line === 'No rules') return;
    const where = `${origin}:${index + 1}`;
    try {
      const { op, rule } = parseLine(line, where);
      if (op === 'clear') rules = [];
      else if (op === 'add') rules.push(rule!);
      else if (op === 'delete') rules = rules.filter((r) => !sameRule(r, rule!));
    } catch (err) {
      problems.push(`${where}: ${(err as Error).message}`);
    }
  });
  return { rules, problems };
}

/** Every key the rules set, sorted, without duplicates. */
export function ruleKeys(rules: readonly AuditRule[]): string[] {
  return [...new Set(rules.flatMap((r) => r.keys))].sort();
}

/** A path the loaded rules audit, after the host decided what each -w means. */
export interface WatchTarget {
  /** The watched path with its parent directories resolved on the host, as the kernel resolves them. */
  readonly path: string;
  /** Whether everything below the path is watched too (dir=, or -w on a directory). */
  readonly recursive: boolean;
  readonly perms: string;
  readonly keys: readonly string[];
}

/** Rules that produce audit events for a path: always-action exit-list rules that name one. */
export function pathRules(rules: readonly AuditRule[]): AuditRule[] {
  return rules.filter((r) => r.path !== undefined && r.list === 'exit' && r.action === 'always');
}

/** Whether a target covers a path: the same path, or below it for a recursive target. Never by substring. */
export function targetCovers(target: WatchTarget, path: string): boolean {
  if (target.path === path) return true;
  if (!target.recursive) return false;
  return target.path === '/' ? path.startsWith('/') : path.startsWith(target.path + '/');
}

export interface PathCoverage {
  readonly covered: boolean;
  /** The targets covering the path together audit writes (w) and attribute changes (a). */
  readonly permissionsOk: boolean;
  /** Keys of the covering rules. */
  readonly keys: readonly string[];
}

export function coverageOf(path: string, targets: readonly WatchTarget[]): PathCoverage {
  const covering = targets.filter((t) => targetCovers(t, path));
  const perms = covering.map((t) => t.perms).join('');
  return {
    covered: covering.length > 0,
    permissionsOk: perms.includes('w') && perms.includes('a'),
    keys: [...new Set(covering.flatMap((t) => t.keys))].sort(),
  };
}

/** The kernel's audit status, from `auditctl -s`. */
export interface AuditKernelStatus {
  /** 0 disabled, 1 enabled, 2 enabled and locked (immutable until reboot). */
  readonly enabled: number;
  /** What the kernel does on a critical error: 0 silent, 1 printk, 2 panic. */
  readonly failure?: number;
  /** Records the kernel dropped since boot (or since --reset-lost): a counter the kernel keeps. */
  readonly lost: number;
  /** Records waiting in the kernel for auditd. */
  readonly backlog: number;
  readonly backlogLimit: number;
  readonly rateLimit?: number;
  /** auditd's pid as the kernel knows it; 0 when no daemon is registered. */
  readonly pid?: number;
}

/** Parses `auditctl -s`: "name value" lines. Throws when a required field is missing. */
export function parseAuditStatus(text: string): AuditKernelStatus {
  const values = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^\s*([a-z_]+)\s+(-?\d+)\b/.exec(line);
    if (m) values.set(m[1], Number(m[2]));
  }
  const required = (name: string): number => {
    const v = values.get(name);
    if (v === undefined) throw new Error(`auditctl -s printed no "${name}"`);
    return v;
  };
  return {
    enabled: required('enabled'),
    failure: values.get('failure'),
    lost: required('lost'),
    backlog: required('backlog'),
    backlogLimit: required('backlog_limit'),
    rateLimit: values.get('rate_limit'),
    pid: values.get('pid'),
  };
}
