// The report of one --once collection for machines: the collectors' statuses and the CIS
// findings, and its JSON form (--output=json; the schema is docs/output.md's). Pure.
import type { CisFinding, FindingResult } from '../cis/report';
import { FINDING_RESULTS } from '../cis/report';
import type { CollectorStatus } from '../collectors/runner';

/** Bumped on any change a consumer could trip over (a field renamed, removed or retyped); new fields do not bump it. */
export const REPORT_SCHEMA_VERSION = 1;

export const BENCHMARK = 'CIS Docker Benchmark v1.6';

export interface OnceReport {
  readonly version: string;
  readonly completedAtMs: number;
  readonly collectors: readonly CollectorStatus[];
  /** Undefined when the cis collector is disabled (or handed over no evaluation). */
  readonly findings: readonly CisFinding[] | undefined;
  /** The gated checks, and the failures that tripped the gate; undefined without --fail-on or --fail-on-level. */
  readonly gate: { readonly checks: readonly string[]; readonly failures: readonly CisFinding[] } | undefined;
  readonly exitCode: number;
}

export interface FindingSummary extends Record<FindingResult, number> {
  /** Findings on objects that waive the check, whatever their result. */
  readonly waived: number;
}

export function summarise(findings: readonly CisFinding[]): FindingSummary {
  const counts = Object.fromEntries(FINDING_RESULTS.map((r) => [r, 0])) as Record<FindingResult, number>;
  let waived = 0;
  for (const f of findings) {
    counts[f.result]++;
    if (f.waived) waived++;
  }
  return { ...counts, waived };
}

/** The report as the JSON document of docs/output.md: snake_case keys, every key always present. */
export function reportJson(report: OnceReport): string {
  const doc = {
    schema_version: REPORT_SCHEMA_VERSION,
    exporter: { name: 'docker-audit-exporter', version: report.version },
    completed_at: new Date(report.completedAtMs).toISOString(),
    exit_code: report.exitCode,
    collectors: report.collectors.map((s) => ({ name: s.name, success: s.success, duration_seconds: s.durationSeconds, error: s.error ?? null })),
    cis: report.findings
      ? {
          benchmark: BENCHMARK,
          summary: summarise(report.findings),
          findings: report.findings.map((f) => ({ check: f.check, title: f.title, section: f.section, level: f.level, object: f.object, kind: f.kind, result: f.result, waived: f.waived })),
        }
      : null,
    gate: report.gate ? { checks: report.gate.checks, failures: report.gate.failures.map((f) => ({ check: f.check, object: f.object })) } : null,
  };
  return JSON.stringify(doc, null, 2) + '\n';
}
