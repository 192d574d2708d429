import { CIS_CHECKS } from '../../../src/cis/checks';
import type { CisFinding } from '../../../src/cis/report';
import { decideExit, EXIT, gatedChecks } from '../../../src/cli/gate';

const finding = (check: string, result: CisFinding['result'], waived = false, object: string | null = 'web'): CisFinding => ({
  check, title: `title of ${check}`, section: check.split('.')[0], level: 1, object, kind: object === null ? null : 'container', result, waived,
});

describe('gatedChecks', () => {
  it('is undefined without either flag', () => {
    expect(gatedChecks(undefined, undefined)).toBeUndefined();
  });

  it('keeps the listed ids in catalog order', () => {
    expect(gatedChecks(['5.10', '5.5'], undefined)).toEqual(['5.5', '5.10']);
  });

  it('reads level 1 as the level-1 checks and level 2 as every check (levels 1 and 2), adding the listed ones', () => {
    const level1 = gatedChecks(undefined, 1)!;
    expect(level1).toEqual(CIS_CHECKS.filter((c) => c.level === 1).map((c) => c.id));
    expect(level1).not.toContain('2.9'); // user namespaces: level 2
    expect(gatedChecks(undefined, 2)).toEqual(CIS_CHECKS.map((c) => c.id));
    expect(gatedChecks(['2.9'], 1)).toEqual(CIS_CHECKS.filter((c) => c.level === 1 || c.id === '2.9').map((c) => c.id));
  });
});

describe('decideExit', () => {
  const failing = [finding('5.5', 'fail'), finding('5.10', 'pass'), finding('5.4', 'fail', true)];

  it('exits 0 when every collector succeeded and no gated check failed', () => {
    expect(decideExit({ collectorsSucceeded: true, findings: failing, gate: undefined }).code).toBe(EXIT.ok);
    expect(decideExit({ collectorsSucceeded: true, findings: failing, gate: ['5.10'] }).code).toBe(EXIT.ok);
  });

  it('exits 3 when a gated check fails on an object that does not waive it, and names the failures', () => {
    const d = decideExit({ collectorsSucceeded: true, findings: failing, gate: ['5.5', '5.10'] });
    expect(d.code).toBe(EXIT.gatedCheckFailed);
    expect(d.gatedFailures.map((f) => [f.check, f.object])).toEqual([['5.5', 'web']]);
  });

  it('does not count a waived failure, a not judged or a not automated check', () => {
    const findings = [finding('5.4', 'fail', true), finding('2.2', 'not_judged', false, null), finding('1.1.1', 'not_automated', false, null)];
    expect(decideExit({ collectorsSucceeded: true, findings, gate: ['5.4', '2.2', '1.1.1'] })).toEqual({ code: EXIT.ok, gatedFailures: [] });
  });

  it('exits 1 when a collector failed and no gated failure was seen: the gate could not be judged in full', () => {
    expect(decideExit({ collectorsSucceeded: false, findings: failing, gate: undefined }).code).toBe(EXIT.collectorFailed);
    expect(decideExit({ collectorsSucceeded: false, findings: failing, gate: ['5.10'] }).code).toBe(EXIT.collectorFailed);
    expect(decideExit({ collectorsSucceeded: false, findings: undefined, gate: ['5.5'] }).code).toBe(EXIT.collectorFailed);
  });

  it('lets an observed gated failure win over a failed collector: the failure is certain', () => {
    expect(decideExit({ collectorsSucceeded: false, findings: failing, gate: ['5.5'] }).code).toBe(EXIT.gatedCheckFailed);
  });

  it('exits 1 for a gate with no evaluation behind it, even when every collector succeeded', () => {
    expect(decideExit({ collectorsSucceeded: true, findings: undefined, gate: ['5.5'] }).code).toBe(EXIT.collectorFailed);
    expect(decideExit({ collectorsSucceeded: true, findings: undefined, gate: undefined }).code).toBe(EXIT.ok);
  });
});
