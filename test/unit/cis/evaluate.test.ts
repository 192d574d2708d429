import { CIS_CHECKS } from '../../../src/cis/checks';
import { evaluateChecks, parseWaiver, WAIVE_LABEL } from '../../../src/cis/evaluate';
import { ALL_RECORDED, daemonFacts, facts, recorded } from './facts';

const waiving = (value: string) => recorded('hostns', (c) => (c.Config!.Labels = { ...c.Config!.Labels, [WAIVE_LABEL]: value }));

describe('waivers', () => {
  it('parse comma-separated container check ids, tolerating whitespace; other ids waive nothing', () => {
    const w = parseWaiver(' 5.10 ,5.14,, 5.16\t, 9.99, 2.2 ,5.10');
    expect([...w.waived].sort()).toEqual(['5.10', '5.14', '5.16']);
    expect(w.unknown).toEqual(['9.99', '2.2']); // 2.2 is a daemon check: a label cannot waive it
    expect(parseWaiver(undefined)).toEqual({ waived: new Set(), unknown: [] });
  });

  it('skip the waived checks for that container only, and count it as waived', () => {
    const containers = [waiving('5.10, 5.16'), recorded('hardened')];
    const { results, unknownWaivers } = evaluateChecks(facts({ containers }));
    const result = (id: string) => results.find((r) => r.check.id === id)!;
    expect(result('5.10')).toMatchObject({ passed: true, offenders: [], waived: 1 });
    expect(result('5.16')).toMatchObject({ passed: true, offenders: [], waived: 1 });
    // Not waived: still failing.
    expect(result('5.17')).toMatchObject({ passed: false, offenders: [{ object: 'fixture-rec-hostns', kind: 'container' }], waived: 0 });
    expect(unknownWaivers.size).toBe(0);
  });

  it('report unknown ids by container', () => {
    const c = waiving('5.10,5.99');
    const { unknownWaivers } = evaluateChecks(facts({ containers: [c] }));
    expect([...unknownWaivers]).toEqual([[c.id, { name: 'fixture-rec-hostns', ids: ['5.99'] }]]);
  });
});

describe('evaluateChecks', () => {
  it('leaves out checks that cannot be judged, and never judges a check without an evaluator', () => {
    const { results } = evaluateChecks(facts({ containers: ALL_RECORDED() }));
    const ids = results.map((r) => r.check.id);
    // Without daemon, images and audit facts only the container checks that need nothing else remain.
    expect(ids).toEqual(['4.1', '5.4', '5.5', '5.6', '5.8', '5.10', '5.11', '5.12', '5.13', '5.14', '5.15', '5.16', '5.17', '5.18', '5.20', '5.21', '5.22', '5.25', '5.27', '5.29', '5.30', '5.31', '5.32', '6.2']);
    expect(results.every((r) => r.waived === 0)).toBe(true);
  });

  it('judges the daemon checks and the daemon-dependent container checks once the daemon facts are there', () => {
    const { results } = evaluateChecks(facts({ containers: ALL_RECORDED(), daemon: daemonFacts() }));
    const ids = new Set(results.map((r) => r.check.id));
    for (const id of ['2.2', '2.7', '5.1', '5.26']) expect(ids.has(id)).toBe(true);
    for (const id of ['5.2', '5.3', '3.1']) expect(ids.has(id)).toBe(false); // no AppArmor, no SELinux, no files
    for (const r of results) expect(r.passed).toBe(r.offenders.length === 0);
    expect(results.every((r) => CIS_CHECKS.includes(r.check))).toBe(true);
  });

  it('names an object once per check', () => {
    const c = recorded('mounts'); // /etc/ssl, /etc and the socket: three sensitive mounts, one container
    const { results } = evaluateChecks(facts({ containers: [c] }));
    expect(results.find((r) => r.check.id === '5.6')!.offenders).toEqual([{ object: 'fixture-rec-mounts', kind: 'container' }]);
  });
});
