// The JUnit formatter: valid against the Ant/windyroad JUnit.xsd (xmllint), counts right, and
// outside data (container names, file paths, errors) escaped so that it reads back unchanged.
import type { CisFinding } from '../../../src/cis/report';
import type { CollectorStatus } from '../../../src/collectors/runner';
import { junitCounts, junitTimestamp, reportJunit, xmlAttr, xmlChars, xmlText } from '../../../src/cli/junit';
import type { OnceReport } from '../../../src/cli/report';
import { validateJunit, xpath, xpathNumber } from '../../helpers/junit';

const finding = (over: Partial<CisFinding>): CisFinding => ({ check: '5.5', title: 'Ensure that privileged containers are not used', section: '5', level: 1, object: 'web', kind: 'container', result: 'pass', waived: false, ...over });
const status = (name: string, error?: string): CollectorStatus => ({ name, success: error === undefined, durationSeconds: 0.0123, lastSuccessTimestampSeconds: 0, error });

/** Every character XML 1.0 forbids, and the ones it allows only escaped. */
const HOSTILE = 'a<b>&c"d\'e\u0000f\u0001g\u0008h\u000bi\u000cj\u001fk\uffff l\ufffe m\ud800 n\udc00 o\tp\nq\rr]]>s\u{1f600}t';
/** What XML can carry of it: the forbidden characters become U+FFFD, the rest stays. */
const HOSTILE_AS_XML = 'a<b>&c"d\'e\ufffdf\ufffdg\ufffdh\ufffdi\ufffdj\ufffdk\ufffd l\ufffd m\ufffd n\ufffd o\tp\nq\rr]]>s\u{1f600}t';

function report(over: Partial<OnceReport> = {}): OnceReport {
  return {
    version: '1.2.3',
    completedAtMs: Date.parse('2026-12-02T15:04:05.678Z'),
    collectors: [status('engine'), status('cis')],
    findings: [
      finding({ object: 'web', result: 'fail' }),
      finding({ object: 'db', result: 'pass' }),
      finding({ object: 'proxy', result: 'fail', waived: true }),
      finding({ check: '1.1.1', section: '1', title: 'Ensure a separate partition for containers has been created', object: null, kind: null, result: 'not_automated' }),
      finding({ check: '2.2', section: '2', title: 'Ensure network traffic is restricted between containers on the default bridge', object: null, kind: null, result: 'not_judged' }),
    ],
    gate: undefined,
    exitCode: 0,
    ...over,
  };
}

describe('XML escaping', () => {
  it('replaces what XML 1.0 cannot carry by U+FFFD and keeps the rest', () => {
    expect(xmlChars(HOSTILE)).toBe(HOSTILE_AS_XML);
    expect(xmlChars('plain name_1.2-x')).toBe('plain name_1.2-x');
  });

  it('escapes markup in text and attributes, and whitespace that attribute normalisation would eat', () => {
    expect(xmlText('<a> & ]]> \r\n')).toBe('&lt;a&gt; &amp; ]]&gt; &#13;\n');
    expect(xmlAttr('"x" \'y\' <z> &\t\n\r')).toBe('&quot;x&quot; &apos;y&apos; &lt;z&gt; &amp;&#9;&#10;&#13;');
  });

  it('writes a document that stays valid, and reads back as the names were (but for what XML cannot carry), whatever the names hold', () => {
    const hostile = report({
      collectors: [status('engine'), status('cis', `reading the facts failed: ${HOSTILE}`)],
      findings: [finding({ object: HOSTILE, result: 'fail' }), finding({ object: `/etc/${HOSTILE}`, result: 'pass', kind: 'file' })],
    });
    const xml = reportJunit(hostile, `host${HOSTILE}`);
    const verdict = validateJunit(xml);
    expect(verdict.output).toMatch(/validates/);
    expect(verdict.ok).toBe(true);
    // Read back through a real XML parser (xmllint's XPath): the attribute is the name, byte for byte.
    expect(xpath(xml, 'string(//testcase[@classname="cis.5"][1]/@name)')).toBe(`5.5 Ensure that privileged containers are not used [${HOSTILE_AS_XML}]`);
    expect(xpath(xml, 'string(//testcase[@classname="cis.5"][2]/@name)')).toBe(`5.5 Ensure that privileged containers are not used [/etc/${HOSTILE_AS_XML}]`);
    expect(xpath(xml, 'string(//testcase/error)')).toBe(`reading the facts failed: ${HOSTILE_AS_XML}`);
    expect(xpath(xml, 'string(//testsuite/@hostname)')).toBe(`host${HOSTILE_AS_XML}`);
    expect(xpathNumber(xml, 'count(//testcase)')).toBe(4);
  });
});

describe('reportJunit', () => {
  it('is valid against JUnit.xsd, with and without findings and failures', () => {
    for (const r of [report(), report({ findings: undefined }), report({ findings: [], collectors: [status('cis', 'boom')] })]) {
      const verdict = validateJunit(reportJunit(r, 'ci-runner'));
      expect([verdict.ok, verdict.output]).toEqual([true, expect.stringMatching(/validates/)]);
    }
    // The schema does bite: no counts, or a name written raw, and the document is refused.
    expect(validateJunit(reportJunit(report(), 'ci-runner').replace(/ tests="\d+"/, '')).ok).toBe(false);
    expect(validateJunit(reportJunit(report(), 'ci-runner').replace('[web]', '[<web>]')).ok).toBe(false);
  });

  it('has one testcase per collector and finding: failure for a failing one, skipped for waived and not judged, error for a failed collector', () => {
    const xml = reportJunit(report({ collectors: [status('engine'), status('cis', 'the daemon facts failed')] }), 'ci-runner');
    const attr = (n: number, a: string) => xpath(xml, `string(//testcase[${n}]/@${a})`);
    expect([attr(1, 'classname'), attr(1, 'name'), attr(1, 'time')]).toEqual(['collectors', 'collector engine', '0.012']);
    expect(xpathNumber(xml, 'count(//testcase[2]/error)')).toBe(1);
    expect(xpath(xml, 'string(//testcase[2]/error/@message)')).toBe('the cis collector failed');
    expect(xpath(xml, 'string(//testcase[2]/error)')).toBe('the daemon facts failed');
    expect([attr(3, 'classname'), attr(3, 'name')]).toEqual(['cis.5', '5.5 Ensure that privileged containers are not used [web]']);
    expect(xpath(xml, 'string(//testcase[3]/failure/@message)')).toBe('container web: CIS 5.5 failed');
    expect(xpath(xml, 'string(//testcase[3]/failure)')).toMatch(/^container web: CIS 5.5 failed \(level 1, Container runtime\)\.\nRemediation: Do not run containers with --privileged\.$/);
    expect(xpathNumber(xml, 'count(//testcase[4]/*)')).toBe(0); // db passes
    expect(xpath(xml, 'string(//testcase[5]/skipped/@message)')).toMatch(/waived .* \(without it: fail\)/);
    expect(attr(6, 'name')).toBe('1.1.1 Ensure a separate partition for containers has been created'); // no object: no brackets
    expect(xpath(xml, 'string(//testcase[6]/skipped/@message)')).toMatch(/not automated/);
    expect(xpath(xml, 'string(//testcase[7]/skipped/@message)')).toMatch(/could not be judged/);
    expect(attr(7, 'classname')).toBe('cis.2');
  });

  it('writes testsuite counts that equal the testcases it holds', () => {
    const r = report({ collectors: [status('engine', 'down'), status('cis')] });
    const xml = reportJunit(r, 'ci-runner');
    const suite = (a: string) => xpathNumber(xml, `number(//testsuite/@${a})`);
    const counted = { tests: xpathNumber(xml, 'count(//testcase)'), failures: xpathNumber(xml, 'count(//testcase/failure)'), errors: xpathNumber(xml, 'count(//testcase/error)'), skipped: xpathNumber(xml, 'count(//testcase/skipped)') };
    expect(counted).toEqual({ tests: 7, failures: 1, errors: 1, skipped: 3 });
    expect({ tests: suite('tests'), failures: suite('failures'), errors: suite('errors'), skipped: suite('skipped') }).toEqual(counted);
    expect(junitCounts(r)).toEqual(counted);
  });

  it('stamps the time without a zone, as the schema wants, and carries the version and exit code as properties', () => {
    expect(junitTimestamp(Date.parse('2026-12-02T15:04:05.678Z'))).toBe('2026-12-02T15:04:05');
    const xml = reportJunit(report({ exitCode: 3, gate: { checks: ['5.5', '5.10'], failures: [] } }), 'ci-runner');
    expect(xpath(xml, 'string(//testsuite/@timestamp)')).toBe('2026-12-02T15:04:05');
    expect(xpath(xml, 'string(//property[@name="exit_code"]/@value)')).toBe('3');
    expect(xpath(xml, 'string(//property[@name="gate.checks"]/@value)')).toBe('5.5,5.10');
    expect(xpath(xml, 'string(//property[@name="exporter.version"]/@value)')).toBe('1.2.3');
  });

  it('falls back to localhost for an empty hostname (the schema wants one)', () => {
    expect(xpath(reportJunit(report(), '  '), 'string(//testsuite/@hostname)')).toBe('localhost');
  });
});
