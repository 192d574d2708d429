// The loaded Linux audit rules, and which CIS 1.1.x paths they watch. Shared by the
// auditrules and cis collectors; the auditlog collector counts their keys by name.
//
// The live rules come from `auditctl -l` (run without a shell, with a deadline). When it
// cannot run (disabled, missing, not permitted, failing), the rules files are read instead
// (--audit.rules-paths: files, or folders whose *.rules are read in augenrules' order).
// `auditctl -s` gives the kernel's audit status alongside.
import { execFile } from 'node:child_process';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { coverageOf, parseAuditRules, parseAuditStatus, pathRules, ruleKeys, type AuditKernelStatus, type AuditRule, type WatchTarget } from '../audit/rules';
import { hostPathType, resolveCisPaths, resolveHostPath } from '../audit/rules-cis';
import type { CollectorDeps } from '../collectors/collector';
import { describeError } from '../log';

export type { AuditKernelStatus } from '../audit/rules';

export interface AuditRuleCoverage {
  /** The CIS Docker Benchmark v1.6 check id, e.g. "1.1.3". */
  readonly check: string;
  /** The host path the check is about, e.g. /var/lib/docker. */
  readonly path: string;
  /** Whether a rule watches exactly this path (or, for a directory rule, a parent path). */
  readonly covered: boolean;
  /** Whether that rule watches writes and attribute changes (w and a). */
  readonly permissionsOk: boolean;
  /** The path as the benchmark names it ("docker.service", "runc"). */
  readonly name?: string;
  /** Where the path was found before symlinks were resolved (/usr/bin/runc for /usr/sbin/runc). */
  readonly foundAt?: string;
  /** Keys of the rules covering the path. */
  readonly keys?: readonly string[];
}

/** How one way of reading the rules went. */
export interface AuditRulesAttempt {
  readonly source: 'auditctl' | 'files';
  /** used; disabled (--audit.auditctl-path=""); missing (no binary, no file); failed (the reason says why). */
  readonly outcome: 'used' | 'disabled' | 'missing' | 'failed';
  readonly reason?: string;
}

export interface AuditRulesFacts {
  /** Where the rules came from: auditctl (live) or files; none when neither could be read. */
  readonly source: 'auditctl' | 'files' | 'none';
  readonly error?: string;
  /** Only the paths that exist on this host. Empty when source is none: nothing is known about rules then. */
  readonly coverage: readonly AuditRuleCoverage[];
  /** Every key the rules set. */
  readonly keys: readonly string[];
  /** Each way of reading the rules that was tried, in order. */
  readonly attempts?: readonly AuditRulesAttempt[];
  /** Rules loaded (auditctl) or found in the files. */
  readonly ruleCount?: number;
  /** Lines of the rules that could not be understood. */
  readonly problems?: readonly string[];
  /** The kernel's audit status from `auditctl -s`; undefined when it could not be run. */
  readonly kernel?: AuditKernelStatus;
  readonly kernelError?: string;
}

/** Deadline of one auditctl run. It answers in milliseconds; a hung netlink socket must not hold a collection. */
export const AUDITCTL_TIMEOUT_MS = 5000;

class AuditctlError extends Error {
  constructor(
    message: string,
    readonly missing: boolean,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** Runs auditctl with one option and resolves to its stdout. */
export function runAuditctl(auditctlPath: string, option: '-l' | '-s', signal: AbortSignal, timeoutMs = AUDITCTL_TIMEOUT_MS): Promise<string> {
  const what = `running ${auditctlPath} ${option}`;
  return new Promise((resolve, reject) => {
    execFile(
      auditctlPath,
      [option],
      // LC_ALL=C: the output is parsed. No shell: the path is a flag value.
      { timeout: timeoutMs, killSignal: 'SIGKILL', signal, maxBuffer: 32 * 1024 * 1024, env: { ...process.env, LC_ALL: 'C' }, encoding: 'utf8' },
      (err, stdout, stderr) => {
        const said = stderr.trim().split('\n').slice(0, 3).join('; ');
        if (err) {
          const e = err as NodeJS.ErrnoException & { killed?: boolean; code?: number | string };
          if (e.code === 'ENOENT') reject(new AuditctlError(`${what} failed: no such file`, true));
          else if (e.killed && !signal.aborted) reject(new AuditctlError(`${what} failed: no answer within ${timeoutMs} ms`, false));
          else if (typeof e.code === 'number') reject(new AuditctlError(`${what} failed: exit code ${e.code}${said ? `: ${said}` : ''}`, false));
          else reject(new AuditctlError(`${what} failed`, false, { cause: err }));
          return;
        }
        // auditctl reports some netlink errors on stderr with exit code 0 and prints nothing else.
        if (stdout.trim() === '' && said !== '') reject(new AuditctlError(`${what} failed: ${said}`, false));
        else resolve(stdout);
      },
    );
  });
}

/** augenrules reads rules.d in version order (`ls -1v`): 9-x.rules before 10-x.rules. */
const versionOrder = (a: string, b: string): number => a.localeCompare(b, 'en', { numeric: true });

/** Reads the rules files: each path is a file, or a folder whose *.rules are read. */
export async function readRulesFiles(paths: readonly string[]): Promise<{ texts: { origin: string; text: string }[]; missing: string[]; errors: string[] }> {
  const texts: { origin: string; text: string }[] = [];
  const missing: string[] = [];
  const errors: string[] = [];
  const readOne = async (file: string) => {
    try {
      texts.push({ origin: file, text: await fs.readFile(file, 'utf8') });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') missing.push(file);
      else errors.push(describeError(new Error(`reading ${file} failed`, { cause: err })));
    }
  };
  for (const p of paths) {
    let isDirectory = false;
    try {
      isDirectory = (await fs.stat(p)).isDirectory();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') missing.push(p);
      else errors.push(describeError(new Error(`reading ${p} failed`, { cause: err })));
      continue;
    }
    if (!isDirectory) {
      await readOne(p);
      continue;
    }
    let names: string[];
    try {
      names = (await fs.readdir(p)).filter((n) => n.endsWith('.rules')).sort(versionOrder);
    } catch (err) {
      errors.push(describeError(new Error(`listing ${p} failed`, { cause: err })));
      continue;
    }
    for (const n of names) await readOne(path.join(p, n));
  }
  return { texts, missing, errors };
}

/** The rules' watched paths as the kernel holds them: parents resolved on the host, -w on a directory recursive. */
export async function watchTargets(rootPath: string, rules: readonly AuditRule[]): Promise<WatchTarget[]> {
  return Promise.all(
    pathRules(rules).map(async (r): Promise<WatchTarget> => {
      const recursive = r.match === 'tree' || (r.match === 'watch' && (await hostPathType(rootPath, r.path!)) === 'directory');
      // A path the host cannot resolve (a symlink loop) is compared as written.
      const resolved = await resolveHostPath(rootPath, r.path!, false).catch(() => r.path!);
      return { path: resolved, recursive, perms: r.perms, keys: r.keys };
    }),
  );
}

type Options = Pick<CollectorDeps['options'], 'host' | 'audit'>;

export async function readAuditRulesFacts(options: Options, signal: AbortSignal): Promise<AuditRulesFacts> {
  const { auditctlPath, rulesPaths } = options.audit;
  const attempts: AuditRulesAttempt[] = [];
  let texts: { origin: string; text: string }[] | undefined;
  let source: AuditRulesFacts['source'] = 'none';
  let kernel: AuditKernelStatus | undefined;
  let kernelError: string | undefined;
  const fileErrors: string[] = [];

  if (auditctlPath === '') {
    attempts.push({ source: 'auditctl', outcome: 'disabled', reason: '--audit.auditctl-path is empty' });
    kernelError = 'auditctl is disabled (--audit.auditctl-path is empty)';
  } else {
    const [list, status] = await Promise.allSettled([runAuditctl(auditctlPath, '-l', signal), runAuditctl(auditctlPath, '-s', signal)]);
    if (list.status === 'fulfilled') {
      texts = [{ origin: 'auditctl -l', text: list.value }];
      source = 'auditctl';
      attempts.push({ source: 'auditctl', outcome: 'used' });
    } else {
      const err = list.reason as AuditctlError;
      attempts.push({ source: 'auditctl', outcome: err.missing ? 'missing' : 'failed', reason: describeError(err) });
    }
    if (status.status === 'fulfilled') {
      try {
        kernel = parseAuditStatus(status.value);
      } catch (err) {
        kernelError = describeError(new Error('reading the kernel audit status failed', { cause: err }));
      }
    } else kernelError = describeError(status.reason);
  }

  if (!texts) {
    const read = await readRulesFiles(rulesPaths);
    fileErrors.push(...read.errors);
    if (read.texts.length > 0) {
      texts = read.texts;
      source = 'files';
      attempts.push({ source: 'files', outcome: 'used', reason: read.errors.length > 0 ? read.errors.join('; ') : undefined });
    } else {
      const reason = read.errors.length > 0 ? read.errors.join('; ') : `none of ${rulesPaths.join(', ') || '(no paths)'} exists`;
      attempts.push({ source: 'files', outcome: read.errors.length > 0 ? 'failed' : 'missing', reason });
    }
  }

  const error = attempts
    .filter((a) => a.reason !== undefined && a.outcome !== 'disabled')
    .map((a) => a.reason)
    .join('; ');
  const base = { source, attempts, kernel, kernelError, ...(error !== '' ? { error } : {}) };
  if (!texts) return { ...base, coverage: [], keys: [] };

  const parsed = texts.map((t) => parseAuditRules(t.text, t.origin));
  const rules = parsed.flatMap((p) => p.rules);
  const targets = await watchTargets(options.host.rootPath, rules);
  const paths = await resolveCisPaths(options.host.rootPath);
  const coverage = paths.map((p): AuditRuleCoverage => {
    const c = coverageOf(p.path, targets);
    return { check: p.check, path: p.path, covered: c.covered, permissionsOk: c.permissionsOk, name: p.name, foundAt: p.foundAt, keys: c.keys };
  });
  return { ...base, coverage, keys: ruleKeys(rules), ruleCount: rules.length, problems: parsed.flatMap((p) => p.problems) };
}
