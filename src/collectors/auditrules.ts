// Collector "auditrules": which CIS 1.1.x paths the loaded audit rules watch, and the
// kernel's audit status, from the shared audit-rules facts (src/facts/audit-rules.ts).
//
// Every collection reads the rules afresh (auditctl -l takes milliseconds), but a reason
// that does not change (auditctl not permitted, a rules line not understood) is logged
// once, when it first appears, not every 15 seconds.
import { logWhenNew } from '../base/log';
import { METRICS } from '../metrics/catalog';
import { flag, sample, type Sample } from '../metrics/sample';
import type { AuditRulesFacts } from '../facts/audit-rules';
import type { Facts } from '../facts';
import type { Collector } from './collector';

const SOURCES = ['auditctl', 'files', 'none'] as const;

/** The samples of one read of the rules. Pure. */
export function auditRulesSamples(facts: AuditRulesFacts): Sample[] {
  const samples = SOURCES.map((source) => sample(METRICS.auditRulesSource, { source }, flag(facts.source === source)));
  for (const c of facts.coverage) {
    samples.push(sample(METRICS.auditRulePresent, { check: c.check, path: c.path }, flag(c.covered)));
    samples.push(sample(METRICS.auditRulePermissionsOk, { check: c.check, path: c.path }, flag(c.covered && c.permissionsOk)));
  }
  if (facts.kernel) {
    samples.push(
      sample(METRICS.auditKernelEnabled, {}, facts.kernel.enabled),
      sample(METRICS.auditKernelLost, {}, facts.kernel.lost),
      sample(METRICS.auditKernelBacklog, {}, facts.kernel.backlog),
      sample(METRICS.auditKernelBacklogLimit, {}, facts.kernel.backlogLimit),
    );
  }
  return samples;
}

export function createAuditRulesCollector({ facts: all }: { facts: Pick<Facts, 'auditRules'> }): Collector {
  const logNew = logWhenNew();
  return {
    name: 'auditrules',
    async collect(ctx) {
      const facts = await all.auditRules.get(ctx);
      auditRulesSamples(facts).forEach(ctx.emit);

      // Log what changed since the last collection, once.
      const messages = new Map<string, () => void>();
      const once = (key: string, log: () => void) => messages.set(key, log);
      const notUsed = (facts.attempts ?? []).filter((a) => a.outcome !== 'used' || a.reason !== undefined);
      if (facts.source !== 'auditctl' || notUsed.length > 0) {
        const reasons = notUsed.map((a) => `${a.source}: ${a.outcome}${a.reason ? ` (${a.reason})` : ''}`).join('; ');
        once(`source ${facts.source} ${reasons}`, () =>
          ctx.logger[facts.source === 'none' ? 'warn' : 'info'](`audit rules read from ${facts.source}`, { source: facts.source, reasons }),
        );
      }
      if (facts.kernelError) once(`kernel ${facts.kernelError}`, () => ctx.logger.info('kernel audit status not read', { err: facts.kernelError }));
      for (const problem of facts.problems ?? []) once(`problem ${problem}`, () => ctx.logger.warn('audit rule not understood; it counts for nothing', { rule: problem }));
      logNew(messages);
      ctx.logger.debug('audit rules collected', { source: facts.source, rules: facts.ruleCount, paths: facts.coverage.length });

      // Unknown is not absent: when every way of reading the rules failed (as opposed to
      // there being none), the collector fails so that an alert on its success fires.
      if (facts.source === 'none' && (facts.attempts ?? []).some((a) => a.outcome === 'failed')) {
        throw new Error(`reading the audit rules failed: ${facts.error ?? 'no source could be read'}`);
      }
    },
  };
}
