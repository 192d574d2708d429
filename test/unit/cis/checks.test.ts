import { CIS_CHECKS, CIS_CHECK_BY_ID, CIS_SECTIONS } from '../../../src/cis/checks';

// The ids of docker-bench-security's tests/1_host_configuration.sh ... 6_docker_security_operations.sh
// (github.com/docker/docker-bench-security at ff26d67f, CIS Docker Benchmark v1.6), with the
// benchmark's own Automated/Manual label ("Scored" in its section 2 is the older name of Automated).
const DOCKER_BENCH_IDS = [
  ...Array.from({ length: 18 }, (_, i) => `1.1.${i + 1}`),
  '1.2.1', '1.2.2',
  ...Array.from({ length: 18 }, (_, i) => `2.${i + 1}`),
  ...Array.from({ length: 24 }, (_, i) => `3.${i + 1}`),
  ...Array.from({ length: 12 }, (_, i) => `4.${i + 1}`),
  ...Array.from({ length: 32 }, (_, i) => `5.${i + 1}`),
  '6.1', '6.2',
];
const MANUAL_IN_BENCHMARK = ['1.2.1', '1.2.2', '2.1', '2.8', '2.17', '4.2', '4.3', '4.4', '4.7', '4.8', '4.9', '4.10', '4.11', '4.12', '5.9', '5.18', '5.19', '5.24', '5.28', '5.30', '6.1', '6.2'];

describe('the CIS check catalog', () => {
  it('has exactly the recommendations docker-bench-security numbers, in its order', () => {
    expect(CIS_CHECKS.map((c) => c.id)).toEqual(DOCKER_BENCH_IDS);
    expect(CIS_CHECK_BY_ID.size).toBe(CIS_CHECKS.length);
  });

  it('labels each check Automated or Manual as the benchmark does', () => {
    expect(CIS_CHECKS.filter((c) => c.benchmark === 'Manual').map((c) => c.id)).toEqual(MANUAL_IN_BENCHMARK);
  });

  it('puts each check in the section its id starts with, and every section has a name', () => {
    for (const c of CIS_CHECKS) {
      expect(c.id.split('.')[0]).toBe(c.section);
      expect(CIS_SECTIONS[c.section]).toBeDefined();
    }
  });

  it('gives every check a title, level 1 or 2 and a remediation; a differs note is a sentence', () => {
    for (const c of CIS_CHECKS) {
      expect(c.title).toMatch(/^(Ensure|Enable|Run) /);
      expect(c.title).not.toMatch(/\((Automated|Manual|Scored)\)/);
      expect([1, 2]).toContain(c.level);
      expect(c.remediation.length).toBeGreaterThan(10);
      if (c.differs !== undefined) expect(c.differs).toMatch(/^[A-Z0-9"].*\.$/);
    }
  });

  it('judges every check of sections 2-6 the API, daemon.json, flags and file stats can show, and the 1.1.x audit rules', () => {
    const notJudged = CIS_CHECKS.filter((c) => !c.evaluate).map((c) => c.id);
    expect(notJudged).toEqual(['1.1.1', '1.1.2', '1.2.1', '1.2.2', '2.8', '2.17', '4.2', '4.3', '4.4', '4.5', '4.8', '4.10', '4.11', '4.12', '5.7', '5.9', '5.19', '5.28']);
    // Every check that is not judged, though the benchmark calls it Automated, says why.
    for (const c of CIS_CHECKS.filter((c) => !c.evaluate && c.benchmark === 'Automated' && c.section !== '1')) expect(c.differs).toBeDefined();
  });

  it('scopes the section 5 per-container checks to containers, so waivers apply to them', () => {
    const containerChecks = CIS_CHECKS.filter((c) => c.scope === 'container').map((c) => c.id);
    expect(containerChecks).toEqual([
      '4.1', '5.2', '5.3', '5.4', '5.5', '5.6', '5.8', '5.10', '5.11', '5.12', '5.13', '5.14', '5.15', '5.16', '5.17', '5.18',
      '5.20', '5.21', '5.22', '5.23', '5.24', '5.25', '5.26', '5.27', '5.29', '5.30', '5.31', '5.32', '6.2',
    ]);
  });
});
