// The loaded Linux audit rules, and which CIS 1.1.x paths they watch. Shared by the
// auditrules and cis collectors; the auditlog collector counts their keys by name.
//
// The live rules come from `auditctl -l` (run without a shell, with a deadline). When it
// cannot run (disabled, missing, not permitted, failing), the rules files are read instead
// (--audit.rules-paths: files, or folders whose *.rules are read in augenrules' order).
// `auditctl -s` gives the kernel's audit status alongside.
import { describeError } from '../base/log';
import { coverageOf, parseAuditRules, parseAuditStatus, pathRules, ruleKeys, type AuditKernelStatus, type AuditRule, type WatchTarget } from '../model/audit-rules';
import { readRulesFiles, runAuditctl, type AuditctlError } from '../readers/audit-rules';
import { findHostPath, hostPathType, resolveHostPath } from '../readers/host-paths';
import type { FactsOptions } from './options';
import type { CollectionRef } from './per-collection';

export type { AuditKernelStatus } from '../model/audit-rules';

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

type Options = Pick<FactsOptions, 'host' | 'audit' | 'auditedPaths'>;

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
  // Only the paths that exist on this host: a rule for a path the host does not have is asked of nobody.
  const found = await Promise.all(options.auditedPaths.map(async (p) => ({ p, at: await findHostPath(options.host.rootPath, p.where) })));
  const coverage = found.flatMap(({ p, at }): AuditRuleCoverage[] => {
    if (!at) return [];
    const c = coverageOf(at.path, targets);
    return [{ check: p.check, path: at.path, covered: c.covered, permissionsOk: c.permissionsOk, name: p.name, foundAt: at.foundAt, keys: c.keys }];
  });
  return { ...base, coverage, keys: ruleKeys(rules), ruleCount: rules.length, problems: parsed.flatMap((p) => p.problems) };
}

/**
 * readAuditRulesFacts at most once per --collector.auditrules.interval, the last answer
 * between (a failed read too: it is retried at the next interval). Each read starts two
 * auditctl processes, and Node starts a process by forking itself, which holds the event
 * loop for milliseconds, more as the heap grows: on every 15 s collection that was a
 * quarter of a quiet collection's CPU at 300 containers (docs/performance.md).
 */
export function auditRulesEvery(options: Options): (ref: CollectionRef) => Promise<AuditRulesFacts> {
  const intervalMs = options.audit.rulesIntervalMs ?? 0;
  let last: { atMs: number; facts: Promise<AuditRulesFacts> } | undefined;
  return (ref) => {
    const now = ref.now();
    if (last && intervalMs > 0 && now - last.atMs < intervalMs && now >= last.atMs) return last.facts;
    const facts = readAuditRulesFacts(options, ref.signal);
    last = { atMs: now, facts };
    // A read cut short by its collection's deadline is not an answer to serve: the next collection reads again.
    const forget = () => {
      if (last?.facts === facts) last = undefined;
    };
    facts.then(() => ref.signal.aborted && forget(), forget);
    return facts;
  };
}
