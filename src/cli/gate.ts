// --fail-on and --fail-on-level: which CIS checks gate a CI pipeline, and the exit code of
// --once. Pure: the findings come from src/cis/report.ts, the statuses from the runner.
import { CIS_CHECKS, type CisCheck } from '../cis/checks';
import { countsAsFailure, type CisFinding } from '../cis/report';

/** What --once exits with. 2 (bad flags) is decided before anything runs, in run(). */
export const EXIT = { ok: 0, collectorFailed: 1, badFlags: 2, gatedCheckFailed: 3 } as const;

/**
 * The checks that gate: those listed in --fail-on, plus, with --fail-on-level=1, every level-1
 * check, with --fail-on-level=2 every check (level 1 and level 2: a level-2 profile includes
 * level 1). Catalog order; undefined when neither flag is given.
 */
export function gatedChecks(failOn: readonly string[] | undefined, failOnLevel: 1 | 2 | undefined, checks: readonly CisCheck[] = CIS_CHECKS): string[] | undefined {
  if (failOn === undefined && failOnLevel === undefined) return undefined;
  const listed = new Set(failOn ?? []);
  return checks.filter((c) => listed.has(c.id) || (failOnLevel !== undefined && c.level <= failOnLevel)).map((c) => c.id);
}

export interface ExitInput {
  /** Whether every enabled collector succeeded. */
  readonly collectorsSucceeded: boolean;
  /** The CIS findings; undefined when the cis collector handed over no evaluation. */
  readonly findings: readonly CisFinding[] | undefined;
  /** The gated check ids (gatedChecks); undefined: no gate. */
  readonly gate: readonly string[] | undefined;
}

export interface ExitDecision {
  readonly code: 0 | 1 | 3;
  /** The failures that tripped the gate, in report order. */
  readonly gatedFailures: readonly CisFinding[];
}

/**
 * 3 when a gated check was seen failing on an object that does not waive it: a certain
 * finding, even when some collector (the cis collector included) failed, since a check is
 * only judged from facts that were read. Otherwise 1 when any collector failed: then the
 * gate could not be judged in full (the cis collector failed: some checks are absent) or the
 * output is partial. Otherwise 0. A gated check that is not judged on this host never trips it.
 */
export function decideExit({ collectorsSucceeded, findings, gate }: ExitInput): ExitDecision {
  const gated = new Set(gate ?? []);
  const gatedFailures = gate && findings ? findings.filter((f) => gated.has(f.check) && countsAsFailure(f)) : [];
  if (gatedFailures.length > 0) return { code: EXIT.gatedCheckFailed, gatedFailures };
  if (!collectorsSucceeded) return { code: EXIT.collectorFailed, gatedFailures };
  // A gate with no evaluation behind it judged nothing (config.ts refuses a gate without the cis collector).
  if (gate && !findings) return { code: EXIT.collectorFailed, gatedFailures };
  return { code: EXIT.ok, gatedFailures };
}
