// The loaded Linux audit rules, and which CIS 1.1.x paths they watch. Shared by the
// auditrules and cis collectors. (Filled in by the audit-rules work; the types are the contract.)
import type { CollectorDeps } from '../collectors/collector';

export interface AuditRuleCoverage {
  /** The CIS Docker Benchmark v1.6 check id, e.g. "1.1.3". */
  readonly check: string;
  /** The host path the check is about, e.g. /var/lib/docker. */
  readonly path: string;
  /** Whether a rule watches exactly this path (or, for a directory rule, a parent path). */
  readonly covered: boolean;
  /** Whether that rule watches writes and attribute changes (w and a). */
  readonly permissionsOk: boolean;
}

export interface AuditRulesFacts {
  /** Where the rules came from: auditctl (live) or files; none when neither could be read. */
  readonly source: 'auditctl' | 'files' | 'none';
  readonly error?: string;
  /** Only the paths that exist on this host. */
  readonly coverage: readonly AuditRuleCoverage[];
  /** Every key the rules set. */
  readonly keys: readonly string[];
}

export async function readAuditRulesFacts(options: CollectorDeps['options'], signal: AbortSignal): Promise<AuditRulesFacts> {
  void options;
  void signal;
  throw new Error('readAuditRulesFacts: not implemented yet');
}
