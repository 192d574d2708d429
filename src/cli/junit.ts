// --output=junit: the report as a JUnit XML document, valid against the Apache Ant JUnit
// schema (windyroad JUnit.xsd, test/fixtures/junit/) that Jenkins, GitLab and GitHub test
// reporters read. One testcase per collector (an <error> when it failed) and one per CIS check
// and object (<failure> when it fails, <skipped> when waived or not judged). Pure.
import { CIS_CHECK_BY_ID, CIS_SECTIONS } from '../cis/checks';
import { countsAsFailure, type CisFinding } from '../cis/report';
import { BENCHMARK, type OnceReport } from './report';

/**
 * What XML 1.0 cannot carry at all, escaped or not: C0 controls but tab, LF and CR, lone
 * surrogates, U+FFFE and U+FFFF. Replaced by U+FFFD, so the text stays visibly damaged
 * rather than silently shortened.
 */
const NOT_XML_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

export const xmlChars = (text: string): string => text.replace(NOT_XML_CHAR, '\uFFFD');

/** Character data: &, < and > (so "]]>" cannot appear), and CR, which a parser would turn into LF. */
export function xmlText(text: string): string {
  return xmlChars(text).replace(/[&<>\r]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '\r': '&#13;' })[c]!);
}

/** An attribute value in double quotes: also the quotes, and tab, LF and CR, which attribute normalisation would turn into spaces. */
export function xmlAttr(text: string): string {
  return xmlChars(text).replace(/[&<>"'\t\n\r]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;', '\t': '&#9;', '\n': '&#10;', '\r': '&#13;' })[c]!);
}

/** The schema's timestamp: ISO 8601 without a zone (UTC here) or fraction. */
export const junitTimestamp = (ms: number): string => new Date(ms).toISOString().slice(0, 19);

const seconds = (s: number): string => (Number.isFinite(s) && s > 0 ? s.toFixed(3) : '0');

interface TestCase {
  readonly classname: string;
  readonly name: string;
  readonly time: number;
  readonly outcome?: { readonly element: 'failure' | 'error' | 'skipped'; readonly type?: string; readonly message: string; readonly text?: string };
}

export function findingName(f: CisFinding): string {
  return f.object === null ? `${f.check} ${f.title}` : `${f.check} ${f.title} [${f.object}]`;
}

function findingCase(f: CisFinding): TestCase {
  const base = { classname: `cis.${f.section}`, name: findingName(f), time: 0 };
  const what = f.object === null ? `CIS ${f.check}` : `${f.kind} ${f.object}: CIS ${f.check}`;
  if (f.waived) return { ...base, outcome: { element: 'skipped', message: `${what} is waived by the container's docker-audit.waive label (without it: ${f.result})` } };
  if (f.result === 'not_judged') return { ...base, outcome: { element: 'skipped', message: `${what} could not be judged on this host (docs/cis.md)` } };
  if (f.result === 'not_applicable') return { ...base, outcome: { element: 'skipped', message: `${what} does not apply to this engine (docs/podman.md, docs/rootless.md)` } };
  if (f.result === 'not_automated') return { ...base, outcome: { element: 'skipped', message: `${what} is not automated: it needs a human` } };
  if (countsAsFailure(f)) {
    const check = CIS_CHECK_BY_ID.get(f.check);
    const text = [`${what} failed (level ${f.level}, ${CIS_SECTIONS[f.section] ?? `section ${f.section}`}).`, check ? `Remediation: ${check.remediation}` : ''].filter(Boolean).join('\n');
    return { ...base, outcome: { element: 'failure', type: 'CisCheckFailed', message: `${what} failed`, text } };
  }
  return base;
}

function renderCase(c: TestCase): string {
  const open = `    <testcase classname="${xmlAttr(c.classname)}" name="${xmlAttr(c.name)}" time="${seconds(c.time)}"`;
  if (!c.outcome) return `${open}/>`;
  const o = c.outcome;
  const attrs = `${o.type ? ` type="${xmlAttr(o.type)}"` : ''} message="${xmlAttr(o.message)}"`;
  const inner = o.text ? `<${o.element}${attrs}>${xmlText(o.text)}</${o.element}>` : `<${o.element}${attrs}/>`;
  return `${open}>\n      ${inner}\n    </testcase>`;
}

export interface JunitCounts {
  readonly tests: number;
  readonly failures: number;
  readonly errors: number;
  readonly skipped: number;
}

/** The testsuite's counts, as the formatter writes them: also what a consumer should find. */
export function junitCounts(report: Pick<OnceReport, 'collectors' | 'findings'>): JunitCounts {
  const findings = report.findings ?? [];
  return {
    tests: report.collectors.length + findings.length,
    failures: findings.filter(countsAsFailure).length,
    errors: report.collectors.filter((s) => !s.success).length,
    skipped: findings.filter((f) => f.waived || f.result === 'not_judged' || f.result === 'not_applicable' || f.result === 'not_automated').length,
  };
}

/** The report as one <testsuites> holding one <testsuite>; hostname is the machine the exporter ran on. */
export function reportJunit(report: OnceReport, hostname: string): string {
  const cases: TestCase[] = [
    ...report.collectors.map(
      (s): TestCase => ({
        classname: 'collectors',
        name: `collector ${s.name}`,
        time: s.durationSeconds,
        outcome: s.success ? undefined : { element: 'error', type: 'CollectorFailed', message: `the ${s.name} collector failed`, text: s.error ?? 'no error recorded' },
      }),
    ),
    ...(report.findings ?? []).map(findingCase),
  ];
  const counts = junitCounts(report);
  const time = report.collectors.reduce((sum, s) => sum + (Number.isFinite(s.durationSeconds) ? s.durationSeconds : 0), 0);
  const suite = [
    `  <testsuite name="docker-audit-exporter" package="docker-audit-exporter" id="0" timestamp="${junitTimestamp(report.completedAtMs)}" hostname="${xmlAttr(hostname.trim() || 'localhost')}"`,
    ` tests="${counts.tests}" failures="${counts.failures}" errors="${counts.errors}" skipped="${counts.skipped}" time="${seconds(time)}">`,
  ].join('');
  const properties = [
    ['exporter.version', report.version],
    ['benchmark', BENCHMARK],
    ['exit_code', String(report.exitCode)],
    ...(report.gate ? [['gate.checks', report.gate.checks.join(',')]] : []),
  ];
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<testsuites>',
    suite,
    '    <properties>',
    ...properties.map(([name, value]) => `      <property name="${xmlAttr(name)}" value="${xmlAttr(value)}"/>`),
    '    </properties>',
    ...cases.map(renderCase),
    '    <system-out/>',
    '    <system-err/>',
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}
