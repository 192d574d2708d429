// Runs the catalog over one collection's facts, honouring waivers. Pure: the collector
// does the reading and the emitting.
import { nextSlice, sliceDue } from '../base/time-slice';
import type { ContainerPosture } from '../model/posture';
import { CIS_CHECKS, CIS_CHECK_BY_ID, type CisCheck, type NotApplicableReason } from './checks';
import type { CisFacts, Offender } from './facts';

export { WAIVE_LABEL } from '../model/posture';

export interface ParsedWaiver {
  /** Container checks of the catalog this container skips. */
  readonly waived: ReadonlySet<string>;
  /** Ids that are not container checks of the catalog (typos, host checks): they waive nothing. */
  readonly unknown: readonly string[];
}

/** Comma-separated ids, whitespace tolerated; empty items are ignored. */
export function parseWaiver(value: string | undefined): ParsedWaiver {
  const waived = new Set<string>();
  const unknown: string[] = [];
  for (const item of (value ?? '').split(',')) {
    const id = item.trim();
    if (id === '') continue;
    if (CIS_CHECK_BY_ID.get(id)?.scope === 'container') waived.add(id);
    else if (!unknown.includes(id)) unknown.push(id);
  }
  return { waived, unknown };
}

export function containerWaiver(c: ContainerPosture): ParsedWaiver {
  return parseWaiver(c.waiver);
}

export interface CheckResult {
  readonly check: CisCheck;
  readonly passed: boolean;
  readonly offenders: readonly Offender[];
  /** Containers that skipped this check through their label; undefined for checks that are not container checks. */
  readonly waived: number | undefined;
  /**
   * Every object judged, the offenders included, each once, in the evaluator's order; for an
   * evaluator that names only its offenders, just those. Waived containers are not here.
   */
  readonly objects: readonly Offender[];
  /** The containers that waived this check, each with what the check says of it had it not waived it. */
  readonly waivedObjects: readonly WaivedObject[];
}

export interface WaivedObject {
  readonly object: string;
  /** Whether the container would fail the check without its waiver: a waived failure. */
  readonly failed: boolean;
}

/** Each object once, first one kept: two offending mounts of one container are one offender. */
function unique(objects: readonly Offender[]): Offender[] {
  const seen = new Set<string>();
  return objects.filter((o) => !seen.has(o.object) && seen.add(o.object));
}

export interface Evaluation {
  /** Only the checks that could be judged. */
  readonly results: readonly CheckResult[];
  /** Waivers naming ids that are not container checks, by container id. */
  readonly unknownWaivers: ReadonlyMap<string, { readonly name: string; readonly ids: readonly string[] }>;
  /** The automated checks that do not apply to this engine, by id (set by the cis collector, which knows the engine). */
  readonly notApplicable?: ReadonlyMap<string, NotApplicableReason>;
}

/** Each container's parsed waiver (only those that waive something), and the unknown ids by container id. */
function readWaivers(facts: CisFacts): { waivers: Map<ContainerPosture, ParsedWaiver>; unknownWaivers: Map<string, { name: string; ids: readonly string[] }> } {
  const waivers = new Map<ContainerPosture, ParsedWaiver>();
  const unknownWaivers = new Map<string, { name: string; ids: readonly string[] }>();
  for (const c of facts.containers ?? []) {
    const w = containerWaiver(c);
    if (w.waived.size > 0) waivers.set(c, w);
    if (w.unknown.length > 0) unknownWaivers.set(c.id, { name: c.name, ids: w.unknown });
  }
  return { waivers, unknownWaivers };
}

/** One check's result, or undefined when it could not be judged (or is not automated). */
function judgeCheck(check: CisCheck, facts: CisFacts, waivers: ReadonlyMap<ContainerPosture, ParsedWaiver>): CheckResult | undefined {
  if (!check.evaluate) return undefined;
  let checkFacts = facts;
  let waived: number | undefined;
  let skipping: readonly ContainerPosture[] = [];
  if (check.scope === 'container' && facts.containers) {
    const kept = facts.containers.filter((c) => !waivers.get(c)?.waived.has(check.id));
    skipping = facts.containers.filter((c) => waivers.get(c)?.waived.has(check.id));
    waived = skipping.length;
    checkFacts = { ...facts, containers: kept };
  }
  const judgement = check.evaluate(checkFacts);
  if (!judgement.judged) return undefined;
  // One series per object: two offending mounts of one container are one offender.
  const offenders = unique(judgement.offenders);
  const objects = unique([...(judgement.objects ?? []), ...offenders]);
  // What the waived containers would have been told: judged once more, over every container,
  // only for checks someone waives. The verdict above (and so every metric) stays without them.
  let waivedObjects: WaivedObject[] = [];
  if (skipping.length > 0) {
    const unwaived = check.evaluate(facts);
    const failing = new Set(unwaived.judged ? unwaived.offenders.map((o) => o.object) : []);
    waivedObjects = skipping.map((c) => ({ object: c.name, failed: failing.has(c.name) }));
  }
  return { check, passed: offenders.length === 0, offenders, waived, objects, waivedObjects };
}

export function evaluateChecks(facts: CisFacts, checks: readonly CisCheck[] = CIS_CHECKS): Evaluation {
  const { waivers, unknownWaivers } = readWaivers(facts);
  const results: CheckResult[] = [];
  for (const check of checks) {
    const result = judgeCheck(check, facts, waivers);
    if (result) results.push(result);
  }
  return { results, unknownWaivers };
}

/**
 * evaluateChecks, handing the event loop back between checks when the slice is spent
 * (base/time-slice.ts): at 2,000 containers the 93 checks take about 70 ms together.
 */
export async function evaluateChecksSliced(facts: CisFacts, checks: readonly CisCheck[] = CIS_CHECKS): Promise<Evaluation> {
  const { waivers, unknownWaivers } = readWaivers(facts);
  const results: CheckResult[] = [];
  for (const check of checks) {
    const result = judgeCheck(check, facts, waivers);
    if (result) results.push(result);
    if (sliceDue()) await nextSlice();
  }
  return { results, unknownWaivers };
}
