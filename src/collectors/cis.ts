// Collector "cis": the CIS Docker Benchmark v1.6 checks of src/cis/checks.ts, judged on
// every collection from the shared facts (container postures, daemon, images, audit rules).
//
// A fact that fails the checks that need it unjudged (absent, never "passed"),
// the others are still judged and emitted, docker_audit_cis_source_up{source} says which
// source failed, and the collector then fails (throws) so docker_audit_collector_success
// shows that the score is partial.
import { CIS_CHECKS, NOT_APPLICABLE_REASONS, notApplicableReason } from '../cis/checks';
import { evaluateChecksSliced, type CheckResult } from '../cis/evaluate';
import type { CisFacts, ExecFindings } from '../cis/facts';
import { engineIdentityOrDocker } from '../facts/engine';
import { describeError, logWhenNew } from '../base/log';
import { forEachSliced } from '../base/time-slice';
import { METRICS } from '../metrics/catalog';
import { sample, type Sample } from '../metrics/sample';
import type { CollectContext, Collector, CollectorDeps } from './collector';

/** Inputs that may be wired in; without them the checks that need them are absent. */
export interface CisInputs {
  /**
   * Execs seen per container id (CIS 5.23, 5.24). Defaults to the exec audit of the shared
   * event stream (facts.execs), which exists in server mode only: in --once mode there is
   * no history of execs to judge, so both checks are absent.
   */
  readonly execs?: (ctx: CollectContext) => Promise<ReadonlyMap<string, ExecFindings>>;
}

/** A check's result as samples. Pure. */
export function checkResultSamples(r: CheckResult): Sample[] {
  const check = r.check.id;
  const out = [sample(METRICS.cisCheckPassed, { check }, r.passed ? 1 : 0), sample(METRICS.cisCheckFailures, { check }, r.offenders.length)];
  for (const o of r.offenders) out.push(sample(METRICS.cisCheckFailure, { check, object: o.object }, 1));
  if (r.waived !== undefined) out.push(sample(METRICS.cisCheckWaived, { check }, r.waived));
  return out;
}

/**
 * Each check's samples, the last collection's very objects while its verdict, offenders and
 * waivers are the same: at 2,000 containers a steady collection would otherwise build tens
 * of thousands of offender samples again, and the render could not keep their text.
 */
class ResultSamples {
  private readonly last = new Map<string, { passed: boolean; waived: number | undefined; offenders: readonly string[]; samples: Sample[] }>();

  of(r: CheckResult): Sample[] {
    const known = this.last.get(r.check.id);
    if (known && known.passed === r.passed && known.waived === r.waived && known.offenders.length === r.offenders.length && r.offenders.every((o, i) => o.object === known.offenders[i])) {
      return known.samples;
    }
    const samples = checkResultSamples(r);
    this.last.set(r.check.id, { passed: r.passed, waived: r.waived, offenders: r.offenders.map((o) => o.object), samples });
    return samples;
  }

  /** Drops the checks not judged this time (their facts failed, or they stopped applying). */
  forgetOthers(results: readonly CheckResult[]): void {
    const judged = new Set(results.map((r) => r.check.id));
    for (const id of this.last.keys()) if (!judged.has(id)) this.last.delete(id);
  }
}

export function createCisCollector({ facts: all, observers }: Pick<CollectorDeps, 'facts' | 'observers'>, inputs: CisInputs = {}): Collector {
  const execAudit = all.execs;
  const readExecs = inputs.execs ?? (execAudit && (async (ctx: CollectContext) => (await execAudit.read(ctx)).byContainer));
  const logNewWaivers = logWhenNew();
  // The catalog does not change while the process runs.
  const checkInfo = CIS_CHECKS.map((c) => sample(METRICS.cisCheckInfo, { check: c.id, title: c.title, section: c.section, level: String(c.level), benchmark: c.benchmark }, 1));
  const resultSamples = new ResultSamples();
  return {
    name: 'cis',
    async collect(ctx) {
      // A Podman engine has no dockerd: the checks of dockerd are not applicable, and dockerd's
      // facts are read only for dockerd. A rootless dockerd has no system-service files.
      const identity = await engineIdentityOrDocker(all.engine, ctx);
      const { kind } = identity;
      const reasons = new Map(CIS_CHECKS.flatMap((c) => {
        const reason = notApplicableReason(c, identity);
        return reason ? [[c.id, reason] as const] : [];
      }));
      const applicable = CIS_CHECKS.filter((c) => !reasons.has(c.id));
      const readsDaemon = kind === 'docker';
      const [containers, daemon, engineDefaults, images, auditRules, execs] = await Promise.allSettled([
        all.containers.get(ctx),
        readsDaemon ? all.daemon.get(ctx) : Promise.resolve(undefined),
        all.engineDefaults.get(ctx),
        all.images.get(ctx),
        all.auditRules.get(ctx),
        readExecs?.(ctx),
      ] as const);
      const settled: Record<string, PromiseSettledResult<unknown>> = { containers, ...(readsDaemon ? { daemon } : {}), images, audit_rules: auditRules };
      if (readExecs) settled.execs = execs;
      const value = <T>(r: PromiseSettledResult<T>): T | undefined => (r.status === 'fulfilled' ? r.value : undefined);

      const facts: CisFacts = {
        containers: value(containers)?.postures,
        daemon: value(daemon),
        engineDefaults: value(engineDefaults),
        images: value(images),
        auditRules: value(auditRules),
        execs: value(execs),
      };

      checkInfo.forEach(ctx.emit);
      const evaluation = await evaluateChecksSliced(facts, applicable);
      // The automated checks that do not apply, by id: counted by reason, and reported as such by --output.
      const notApplicable = new Map(CIS_CHECKS.filter((c) => c.evaluate && reasons.has(c.id)).map((c) => [c.id, reasons.get(c.id)!] as const));
      for (const reason of NOT_APPLICABLE_REASONS) {
        ctx.emit(sample(METRICS.cisChecksNotApplicable, { reason }, [...notApplicable.values()].filter((r) => r === reason).length));
      }
      observers?.cisEvaluation?.({ ...evaluation, notApplicable });
      const { results, unknownWaivers } = evaluation;
      await forEachSliced(results, (r) => resultSamples.of(r).forEach(ctx.emit));
      resultSamples.forgetOthers(results);
      if (results.length > 0) ctx.emit(sample(METRICS.cisScoreRatio, {}, results.filter((r) => r.passed).length / results.length));

      // An unknown id is logged once per container (and again if its label changes), not every 15 s.
      // Without container facts nothing is known about waivers: what was logged stays logged.
      if (facts.containers) {
        const problems = new Map<string, () => void>();
        for (const [id, { name, ids }] of unknownWaivers) {
          const list = ids.join(',');
          problems.set(`${id} ${list}`, () => ctx.logger.warn('container waives ids that are not CIS container checks; they waive nothing', { container: name, ids: list }));
        }
        logNewWaivers(problems);
      }

      const failed: string[] = [];
      for (const [source, r] of Object.entries(settled)) {
        ctx.emit(sample(METRICS.cisSourceUp, { source }, r.status === 'fulfilled' ? 1 : 0));
        if (r.status === 'rejected') failed.push(`${source}: ${describeError(r.reason)}`);
      }
      if (failed.length > 0) throw new Error(`reading the facts of the CIS checks failed (the checks needing them are absent): ${failed.join('; ')}`);
    },
  };
}
