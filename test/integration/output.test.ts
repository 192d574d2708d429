// --once --output=json|junit and --fail-on, through the REAL built binary
// (node dist/src/cli/main.js, npm run build first) against the real engine, with this file's
// own containers: one running as root without limits, one created (not started) with
// CAP_SYS_ADMIN, one that waives the capability check it fails, one hardened. Every collector
// is on, as a CI job would run it; they all work on this host (a host where one cannot would
// exit 1 and fail the exit-0 assertion, saying which collector in its message).
import { CIS_CHECK_BY_ID } from '../../src/cis/checks';
import { docker, removeContainers, TEST_IMAGE } from '../helpers/docker-cli';
import { runExporter } from '../helpers/exporter-process';
import { validateJunit, xpath, xpathNumber } from '../helpers/junit';

const P = 'dae13-out-';
const LABEL = ['--label', 'docker-audit-test=output'];
const CONTAINERS = {
  root: { verb: 'run', args: [] as string[] }, // as root, no memory, CPU or PIDs limit, writable root filesystem
  sysadmin: { verb: 'create', args: ['--cap-add', 'SYS_ADMIN'] }, // created only: judged all the same
  waived: { verb: 'run', args: ['--cap-add', 'NET_ADMIN', '--label', 'docker-audit.waive=5.4'] },
  hardened: { verb: 'run', args: ['--memory', '64m', '--cpus', '0.5', '--pids-limit', '64', '--read-only', '--user', 'nobody', '--cap-drop', 'ALL', '--security-opt', 'no-new-privileges'] },
} as const;
type Name = keyof typeof CONTAINERS;

interface JsonFinding { check: string; title: string; section: string; level: number; object: string | null; kind: string | null; result: string; waived: boolean }
interface JsonReport {
  schema_version: number;
  exit_code: number;
  collectors: { name: string; success: boolean; duration_seconds: number; error: string | null }[];
  cis: { summary: Record<string, number>; findings: JsonFinding[] } | null;
  gate: { checks: string[]; failures: { check: string; object: string | null }[] } | null;
}

async function once(...args: string[]) {
  const run = await runExporter(['--once', ...args], 60_000);
  if (run.timedOut) throw new Error(`--once ${args.join(' ')} did not finish; stderr:\n${run.stderr}`);
  return run;
}

async function json(...args: string[]): Promise<{ code: number | null; report: JsonReport; stderr: string }> {
  const run = await once('--output=json', ...args);
  try {
    return { code: run.code, report: JSON.parse(run.stdout) as JsonReport, stderr: run.stderr };
  } catch (err) {
    throw new Error(`stdout is not JSON (exit ${run.code}): ${String(err)}\nstdout head: ${run.stdout.slice(0, 300)}\nstderr:\n${run.stderr}`);
  }
}

const mine = (findings: readonly JsonFinding[], check: string) =>
  findings
    .filter((f) => f.check === check && f.object?.startsWith(P))
    .map((f) => [f.object!.slice(P.length), f.result, f.waived] as const)
    .sort();

/** What the JUnit counts must be, from the JSON of a collection. */
function countsFromJson(r: JsonReport) {
  const findings = r.cis?.findings ?? [];
  return {
    tests: r.collectors.length + findings.length,
    failures: findings.filter((f) => f.result === 'fail' && !f.waived).length,
    errors: r.collectors.filter((c) => !c.success).length,
    skipped: findings.filter((f) => f.waived || f.result === 'not_judged' || f.result === 'not_applicable' || f.result === 'not_automated').length,
  };
}

function countsFromJunit(xml: string) {
  const suite = (a: string) => xpathNumber(xml, `number(/testsuites/testsuite/@${a})`);
  return { tests: suite('tests'), failures: suite('failures'), errors: suite('errors'), skipped: suite('skipped') };
}

let report: JsonReport;
let code: number | null;

beforeAll(async () => {
  removeContainers(P);
  for (const [name, { verb, args }] of Object.entries(CONTAINERS) as [Name, (typeof CONTAINERS)[Name]][]) {
    docker(verb, ...(verb === 'run' ? ['-d'] : []), '--name', P + name, ...LABEL, ...args, TEST_IMAGE, 'sleep', '3600');
  }
  ({ report, code } = await json());
}, 120_000);

afterAll(() => removeContainers(P));

describe('--once --output=json against the real engine', () => {
  it('exits 0 with every collector successful, and says so in the report', () => {
    const failed = report.collectors.filter((c) => !c.success);
    expect(failed).toEqual([]);
    expect(code).toBe(0);
    expect(report.exit_code).toBe(0);
    expect(report.schema_version).toBe(1);
    expect(report.collectors.map((c) => c.name)).toContain('cis');
  });

  it('lists my containers\' failures for the right checks, and passes the hardened one', () => {
    const findings = report.cis!.findings;
    // 5.4: capabilities beyond the default; the waived container fails it too, but waives it.
    expect(mine(findings, '5.4')).toEqual([['hardened', 'pass', false], ['root', 'pass', false], ['sysadmin', 'fail', false], ['waived', 'fail', true]]);
    // 5.11 memory and 5.29 PIDs limits: only the hardened container has them.
    for (const check of ['5.11', '5.29', '5.13', '4.1']) {
      expect({ check, mine: mine(findings, check) }).toEqual({ check, mine: [['hardened', 'pass', false], ['root', 'fail', false], ['sysadmin', 'fail', false], ['waived', 'fail', false]] });
    }
    expect(mine(findings, '5.5')).toEqual([['hardened', 'pass', false], ['root', 'pass', false], ['sysadmin', 'pass', false], ['waived', 'pass', false]]);
    const f = findings.find((x) => x.check === '5.4' && x.object === P + 'sysadmin')!;
    expect(f).toEqual({ check: '5.4', title: CIS_CHECK_BY_ID.get('5.4')!.title, section: '5', level: 1, object: P + 'sysadmin', kind: 'container', result: 'fail', waived: false });
  });

  it('is the full report: every check of the catalog, in catalog order, objects sorted within a check', () => {
    const findings = report.cis!.findings;
    const ids = findings.map((f) => f.check).filter((id, i, all) => all.indexOf(id) === i);
    expect(ids).toEqual([...CIS_CHECK_BY_ID.keys()]);
    for (const id of ids) {
      const objects = findings.filter((f) => f.check === id).map((f) => f.object ?? '');
      expect({ id, objects }).toEqual({ id, objects: [...objects].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)) });
    }
    expect(findings.find((f) => f.check === '1.1.1')).toMatchObject({ result: 'not_automated', object: null });
    // No exec history in --once mode: 5.23 is not judged, never passed.
    expect(findings.filter((f) => f.check === '5.23').map((f) => f.result)).toEqual(['not_judged']);
    const summary = report.cis!.summary;
    expect(summary.pass + summary.fail + summary.not_judged + summary.not_applicable + summary.not_automated).toBe(findings.length);
    expect(summary.not_applicable).toBe(0); // dockerd, rootful: every automated check applies
  });
});

describe('--fail-on and --fail-on-level, exit codes of the real binary', () => {
  it('--fail-on=<a check my container fails> exits 3 and names the failure, on stderr and in the report', async () => {
    const run = await json('--fail-on=5.4');
    expect(run.code).toBe(3);
    expect(run.report.exit_code).toBe(3);
    expect(run.report.gate!.checks).toEqual(['5.4']);
    expect(run.report.gate!.failures).toContainEqual({ check: '5.4', object: P + 'sysadmin' });
    // A waived failure never trips the gate.
    expect(run.report.gate!.failures).not.toContainEqual({ check: '5.4', object: P + 'waived' });
    expect(run.stderr).toMatch(/msg="gated CIS checks failed".*checks=5\.4/);
  }, 120_000);

  it('--fail-on=<a check that passes here> exits 0: 2.6 (aufs), as docker info shows the storage driver', async () => {
    const driver = docker('info', '--format', '{{.Driver}}');
    const run = await once('--fail-on=2.6');
    expect({ driver, code: run.code, stderr: run.code === 0 ? '' : run.stderr }).toEqual({ driver, code: driver === 'aufs' ? 3 : 0, stderr: '' });
  }, 120_000);

  it('--fail-on-level=1 exits 3: my root container fails level-1 checks (5.11, memory)', async () => {
    expect(CIS_CHECK_BY_ID.get('5.11')!.level).toBe(1);
    const run = await json('--fail-on-level=1');
    expect(run.code).toBe(3);
    expect(run.report.gate!.failures).toContainEqual({ check: '5.11', object: P + 'root' });
    expect(run.report.gate!.checks).not.toContain('2.9'); // level 2
  }, 120_000);

  it('a bad --fail-on=9.99 exits 2 with a clear message and prints nothing on stdout', async () => {
    const run = await once('--fail-on=9.99');
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('--fail-on: "9.99" is not a CIS check of the catalog');
  }, 60_000);

  it('--output without --once exits 2, listed with every other problem', async () => {
    const run = await runExporter(['--output=json', '--fail-on=5.5', '--output=yaml'], 30_000);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--output needs --once');
    expect(run.stderr).toContain('--fail-on needs --once');
    expect(run.stderr).toContain('--output="yaml": expected one of prometheus, json, junit');
  }, 60_000);
});

describe('--once --output=junit against the real engine', () => {
  let xml: string;
  beforeAll(async () => {
    const run = await once('--output=junit');
    expect(run.code).toBe(0);
    xml = run.stdout;
  }, 120_000);

  it('is valid JUnit: xmllint --schema JUnit.xsd (Ant/windyroad) accepts it', () => {
    const verdict = validateJunit(xml);
    expect(verdict.output).toMatch(/validates/);
    expect(verdict.ok).toBe(true);
  });

  it('has testsuite counts that equal its own testcases', () => {
    const counted = {
      tests: xpathNumber(xml, 'count(//testcase)'),
      failures: xpathNumber(xml, 'count(//testcase/failure)'),
      errors: xpathNumber(xml, 'count(//testcase/error)'),
      skipped: xpathNumber(xml, 'count(//testcase/skipped)'),
    };
    expect(countsFromJunit(xml)).toEqual(counted);
  });

  it('has the counts of the JSON report for my containers', async () => {
    // Two runs are two collections of a host whose other containers may change in between,
    // so the two reports are compared on this file's own containers, which do not: their
    // testcases, failures and skipped ones must be the JSON's findings of the same objects.
    const x = await once('--output=junit');
    const mine = (f: JsonFinding) => f.object?.startsWith(P) === true;
    const findings = (report.cis?.findings ?? []).filter(mine);
    const own = `//testcase[contains(@name, "[${P}")]`;
    expect({
      tests: xpathNumber(x.stdout, `count(${own})`),
      failures: xpathNumber(x.stdout, `count(${own}/failure)`),
      skipped: xpathNumber(x.stdout, `count(${own}/skipped)`),
    }).toEqual({
      tests: findings.length,
      failures: findings.filter((f) => f.result === 'fail' && !f.waived).length,
      skipped: findings.filter((f) => f.waived || f.result === 'not_judged' || f.result === 'not_applicable' || f.result === 'not_automated').length,
    });
    expect(findings.filter((f) => f.result === 'fail' && !f.waived).length).toBeGreaterThan(0);
    // And the whole-host counts of each report agree with that report's own entries.
    expect(countsFromJunit(x.stdout).tests).toBe(xpathNumber(x.stdout, 'count(//testcase)'));
    expect(countsFromJson(report).tests).toBe(report.collectors.length + (report.cis?.findings.length ?? 0));
  }, 360_000);

  it('shows my failures as <failure>, the waived one as <skipped>, the passing one as a bare testcase', () => {
    const testcase = (check: string, name: Name) => `//testcase[@name="${check} ${CIS_CHECK_BY_ID.get(check)!.title} [${P}${name}]"]`;
    expect(xpath(xml, `string(${testcase('5.4', 'sysadmin')}/@classname)`)).toBe('cis.5');
    expect(xpathNumber(xml, `count(${testcase('5.4', 'sysadmin')}/failure)`)).toBe(1);
    expect(xpath(xml, `string(${testcase('5.4', 'sysadmin')}/failure/@message)`)).toBe(`container ${P}sysadmin: CIS 5.4 failed`);
    expect(xpathNumber(xml, `count(${testcase('5.4', 'waived')}/skipped)`)).toBe(1);
    expect(xpathNumber(xml, `count(${testcase('5.4', 'hardened')}/*)`)).toBe(0);
    expect(xpathNumber(xml, `count(//testcase[@classname="collectors"])`)).toBeGreaterThanOrEqual(9);
  });
});
