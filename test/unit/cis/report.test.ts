import { CIS_CHECKS, CIS_CHECK_BY_ID } from '../../../src/cis/checks';
import { evaluateChecks, WAIVE_LABEL } from '../../../src/cis/evaluate';
import { cisFindings, countsAsFailure, type CisFinding } from '../../../src/cis/report';
import { ALL_RECORDED, daemonFacts, facts, file, recorded } from './facts';

const waiving = (value: string) => recorded('hostns', (c) => (c.Config!.Labels = { ...c.Config!.Labels, [WAIVE_LABEL]: value }));
const of = (findings: readonly CisFinding[], check: string) => findings.filter((f) => f.check === check);
const short = (f: CisFinding) => [f.object, f.result, f.waived];

describe('cisFindings', () => {
  it('lists every check of the catalog, in catalog order, each object of a check in code-unit order', () => {
    const findings = cisFindings(evaluateChecks(facts({ containers: ALL_RECORDED(), daemon: daemonFacts() })));
    const checkOrder = findings.map((f) => f.check).filter((id, i, all) => all.indexOf(id) === i);
    expect(checkOrder).toEqual(CIS_CHECKS.map((c) => c.id));
    for (const c of CIS_CHECKS) {
      const objects = of(findings, c.id).map((f) => f.object ?? '');
      expect([c.id, objects]).toEqual([c.id, [...objects].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))]);
    }
  });

  it('gives a container check one finding per container, pass or fail, and agrees with the offenders', () => {
    const containers = ALL_RECORDED();
    const evaluation = evaluateChecks(facts({ containers }));
    const findings = cisFindings(evaluation);
    for (const r of evaluation.results) {
      const mine = of(findings, r.check.id);
      expect([r.check.id, mine.length]).toEqual([r.check.id, containers.length]);
      expect(mine.filter((f) => f.result === 'fail').map((f) => f.object).sort()).toEqual(r.offenders.map((o) => o.object).sort());
      expect(mine.every((f) => f.kind === 'container' && !f.waived)).toBe(true);
    }
    const privileged = of(findings, '5.5');
    expect(privileged.filter((f) => f.result === 'fail').map((f) => f.object)).toEqual(['fixture-rec-privileged']);
    expect(privileged.find((f) => f.object === 'fixture-rec-hardened')).toMatchObject({ result: 'pass', title: CIS_CHECK_BY_ID.get('5.5')!.title, section: '5', level: 1 });
  });

  it('marks the checks that do not apply to the engine not_applicable, one finding each with no object', () => {
    const evaluation = evaluateChecks(facts({ containers: ALL_RECORDED() }), CIS_CHECKS.filter((c) => c.section !== '2'));
    const findings = cisFindings({ ...evaluation, notApplicable: new Map([['2.2', 'daemonless_engine' as const]]) });
    expect(of(findings, '2.2').map(short)).toEqual([[null, 'not_applicable', false]]);
    expect(of(findings, '2.3').map(short)).toEqual([[null, 'not_judged', false]]);
    expect(of(findings, '5.5').some((f) => f.result === 'fail')).toBe(true);
  });

  it('marks checks without an evaluator not_automated and unjudged ones not_judged, one finding each with no object', () => {
    const findings = cisFindings(evaluateChecks(facts({ containers: ALL_RECORDED() })));
    expect(of(findings, '1.1.1')).toEqual([{ check: '1.1.1', title: CIS_CHECK_BY_ID.get('1.1.1')!.title, section: '1', level: 1, object: null, kind: null, result: 'not_automated', waived: false }]);
    // No daemon facts: the daemon checks are not judged, never "passed".
    expect(of(findings, '2.2').map(short)).toEqual([[null, 'not_judged', false]]);
    expect(of(findings, '5.26').map(short)).toEqual([[null, 'not_judged', false]]);
  });

  it('reports a daemon setting on the object "daemon", and a judged check with nothing to judge as one finding of the check', () => {
    const findings = cisFindings(evaluateChecks(facts({ containers: [], daemon: daemonFacts({ icc: false }) })));
    expect(of(findings, '2.2').map(short)).toEqual([['daemon', 'pass', false]]);
    expect(of(findings, '2.9').map(short)).toEqual([['daemon', 'fail', false]]);
    expect(of(findings, '5.5').map(short)).toEqual([[null, 'pass', false]]); // no container at all
    expect(of(findings, '2.5').map(short)).toEqual([[null, 'pass', false]]); // no insecure registry
  });

  it('names the passing files and listeners too, not only the offenders', () => {
    const files = [file('daemon.json', '/etc/docker/daemon.json', 0o644), file('docker.service', '/lib/systemd/system/docker.service', 0o666)];
    const listeners = [
      { address: 'tcp://0.0.0.0:2376', scheme: 'tcp' as const, tls: true, tlsVerify: true },
      { address: 'tcp://127.0.0.1:2375', scheme: 'tcp' as const, tls: false, tlsVerify: false },
    ];
    const findings = cisFindings(evaluateChecks(facts({ daemon: daemonFacts({ listeners }, { files }) })));
    expect(of(findings, '3.18').map(short)).toEqual([['/etc/docker/daemon.json', 'pass', false]]);
    expect(of(findings, '3.2').map(short)).toEqual([['/lib/systemd/system/docker.service', 'fail', false]]);
    expect(of(findings, '2.7').map(short)).toEqual([
      ['tcp://0.0.0.0:2376', 'pass', false],
      ['tcp://127.0.0.1:2375', 'fail', false],
    ]);
  });

  it('lists a waived container with the result it would have, waived, and never as a failure that counts', () => {
    const findings = cisFindings(evaluateChecks(facts({ containers: [waiving('5.10, 5.11'), recorded('hardened')] })));
    expect(of(findings, '5.10').map(short)).toEqual([
      ['fixture-rec-hardened', 'pass', false],
      ['fixture-rec-hostns', 'fail', true], // shares the host's network, but waives 5.10
    ]);
    expect(of(findings, '5.17').map(short)).toContainEqual(['fixture-rec-hostns', 'fail', false]); // not waived
    expect(of(findings, '5.10').filter(countsAsFailure)).toEqual([]);
    expect(of(findings, '5.17').filter(countsAsFailure).map((f) => f.object)).toEqual(['fixture-rec-hostns']);
  });

  it('a waived container that would pass is a waived pass', () => {
    const findings = cisFindings(evaluateChecks(facts({ containers: [waiving('5.5')] })));
    expect(of(findings, '5.5').map(short)).toEqual([['fixture-rec-hostns', 'pass', true]]);
  });
});

describe('countsAsFailure', () => {
  it('counts failures on objects that do not waive the check only', () => {
    const f = { check: '5.5', title: 't', section: '5', level: 1 as const, object: 'x', kind: 'container' as const };
    expect(countsAsFailure({ ...f, result: 'fail', waived: false })).toBe(true);
    expect(countsAsFailure({ ...f, result: 'fail', waived: true })).toBe(false);
    for (const result of ['pass', 'not_judged', 'not_automated'] as const) expect(countsAsFailure({ ...f, result, waived: false })).toBe(false);
  });
});
