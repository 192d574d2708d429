// The CIS evaluation as a full report: one finding per check and object, every check of the
// catalog included, passed, failed or not judged. Pure: what --once --output=json|junit
// prints (src/cli/) and what --fail-on gates on are built from this, never from exposition text.
import { CIS_CHECKS, type CisCheck } from './checks';
import type { CheckResult, Evaluation } from './evaluate';
import type { ObjectKind } from './facts';

/**
 * pass, fail: what the check says of the object (of a waived object too: see `waived`).
 * not_judged: automated here, but not judged on this collection (the facts it needs could
 * not be read, or there is nothing to judge: the file does not exist, AppArmor is off, no
 * exec history in --once mode). not_applicable: automated, but not for this engine (dockerd's
 * configuration on Podman, the system service's files of a rootless dockerd).
 * not_automated: the check needs a human (`evaluate: null`).
 */
export type FindingResult = 'pass' | 'fail' | 'not_judged' | 'not_applicable' | 'not_automated';

export const FINDING_RESULTS: readonly FindingResult[] = ['pass', 'fail', 'not_judged', 'not_applicable', 'not_automated'];

export interface CisFinding {
  readonly check: string;
  readonly title: string;
  readonly section: string;
  readonly level: 1 | 2;
  /** The object judged (a container name, image, file path, listener, registry, "daemon"); null for a check as a whole. */
  readonly object: string | null;
  /** What the object is; null with a null object. */
  readonly kind: ObjectKind | null;
  readonly result: FindingResult;
  /** The container skips this check through its docker-audit.waive label; its result says what it would be. */
  readonly waived: boolean;
}

/** Code-unit order, the same on every machine and locale. */
const byObject = (a: { object: string }, b: { object: string }): number => (a.object < b.object ? -1 : a.object > b.object ? 1 : 0);

function checkFindings(check: CisCheck, result: CheckResult | undefined, notApplicable: boolean): CisFinding[] {
  const base = { check: check.id, title: check.title, section: check.section, level: check.level };
  if (!check.evaluate) return [{ ...base, object: null, kind: null, result: 'not_automated', waived: false }];
  if (notApplicable) return [{ ...base, object: null, kind: null, result: 'not_applicable', waived: false }];
  if (!result) return [{ ...base, object: null, kind: null, result: 'not_judged', waived: false }];
  const failing = new Set(result.offenders.map((o) => o.object));
  const rows: { object: string; kind: ObjectKind; result: FindingResult; waived: boolean }[] = [
    ...result.objects.map((o) => ({ object: o.object, kind: o.kind, result: failing.has(o.object) ? ('fail' as const) : ('pass' as const), waived: false })),
    ...result.waivedObjects.map((w) => ({ object: w.object, kind: 'container' as const, result: w.failed ? ('fail' as const) : ('pass' as const), waived: true })),
  ];
  // A judged check with nothing to judge (no container at all, no insecure registry): one row for the check.
  if (rows.length === 0) return [{ ...base, object: null, kind: null, result: result.passed ? 'pass' : 'fail', waived: false }];
  return rows.sort(byObject).map((r) => ({ ...base, ...r }));
}

/**
 * Every check of the catalog, in catalog order, then its objects in code-unit order: a stable
 * order, so two reports of the same host diff cleanly.
 */
export function cisFindings(evaluation: Evaluation, checks: readonly CisCheck[] = CIS_CHECKS): CisFinding[] {
  const byId = new Map(evaluation.results.map((r) => [r.check.id, r]));
  return checks.flatMap((c) => checkFindings(c, byId.get(c.id), evaluation.notApplicable?.has(c.id) === true));
}

/** A failure that counts: observed on an object that does not waive the check. */
export const countsAsFailure = (f: CisFinding): boolean => f.result === 'fail' && !f.waived;
