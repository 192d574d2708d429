// runOnce's --output over the recorded engine and the golden fixture host: the JSON and JUnit
// reports agree with the exposition the same collection prints, check for check and object
// for object, and --fail-on decides the exit code from the same findings.
import { silentLogger } from '../../../src/base/log';
import { parseConfig } from '../../../src/cli/config';
import { runOnce } from '../../../src/cli/main';
import { parseExposition } from '../../helpers/exposition';
import { RecordedEngine } from '../../helpers/recorded-engine';
import { validateJunit, xpathNumber } from '../../helpers/junit';
import { makeGoldenHost } from '../../golden/golden-host';

interface JsonFinding { check: string; object: string | null; result: string; waived: boolean }

async function once(...extra: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const host = makeGoldenHost();
  // A fixed clock, as the golden test's: only the durations then differ between two runs.
  const clock = jest.spyOn(Date, 'now').mockReturnValue(Date.parse('2026-11-23T16:23:00Z'));
  try {
    const parsed = parseConfig(['--once', ...host.args, ...extra]);
    if (parsed.kind !== 'config') throw new Error('expected a config');
    let stdout = '';
    let stderr = '';
    const code = await runOnce(parsed.config, new RecordedEngine(), silentLogger, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) }, '0.0.0-test', 'unit-host');
    return { code, stdout, stderr };
  } finally {
    clock.mockRestore();
    host.cleanup();
  }
}

describe('runOnce --output', () => {
  let exposition: string;
  let findings: JsonFinding[];
  beforeAll(async () => {
    exposition = (await once()).stdout;
    const json = await once('--output=json');
    expect(json.code).toBe(0);
    findings = JSON.parse(json.stdout).cis.findings;
  });

  it('json: the failures are exactly the exposition\'s docker_audit_cis_check_failure series', () => {
    const series = parseExposition(exposition).filter((s) => s.name === 'docker_audit_cis_check_failure').map((s) => `${s.labels.check} ${s.labels.object}`).sort();
    expect(series.length).toBeGreaterThan(10);
    expect(findings.filter((f) => f.result === 'fail' && !f.waived).map((f) => `${f.check} ${f.object}`).sort()).toEqual(series);
  });

  it('json: a check is judged exactly when the exposition has its docker_audit_cis_check_passed', () => {
    const judged = new Set(parseExposition(exposition).filter((s) => s.name === 'docker_audit_cis_check_passed').map((s) => s.labels.check));
    const judgedInJson = new Set(findings.filter((f) => f.result === 'pass' || f.result === 'fail').map((f) => f.check));
    expect([...judgedInJson].sort()).toEqual([...judged].sort());
  });

  it('prints the exposition unchanged for --output=prometheus', async () => {
    const explicit = await once('--output=prometheus');
    const strip = (t: string) => t.replace(/^(docker_audit_collector_duration_seconds\{[^}]*\}) .*$/gm, '$1');
    expect(strip(explicit.stdout)).toBe(strip(exposition));
  });

  it('junit: valid, with as many failures as the JSON has failures that count', async () => {
    const junit = await once('--output=junit');
    expect(validateJunit(junit.stdout).ok).toBe(true);
    expect(xpathNumber(junit.stdout, 'count(//testcase/failure)')).toBe(findings.filter((f) => f.result === 'fail' && !f.waived).length);
    expect(xpathNumber(junit.stdout, 'count(//testcase[starts-with(@classname, "cis.")])')).toBe(findings.length);
  });

  it('--fail-on exits 3 on a check that fails, 0 on one that passes', async () => {
    const failing = findings.find((f) => f.result === 'fail' && !f.waived)!;
    const passing = findings.find((f) => f.result === 'pass' && !findings.some((g) => g.check === f.check && g.result === 'fail'))!;
    expect((await once(`--fail-on=${failing.check}`)).code).toBe(3);
    expect((await once(`--fail-on=${passing.check}`)).code).toBe(0);
    const json = JSON.parse((await once('--output=json', `--fail-on=${failing.check}`)).stdout);
    expect(json.exit_code).toBe(3);
    expect(json.gate.failures).toContainEqual({ check: failing.check, object: failing.object });
  });
});
