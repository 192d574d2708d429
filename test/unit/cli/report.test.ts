import type { CisFinding } from '../../../src/cis/report';
import { REPORT_SCHEMA_VERSION, reportJson, summarise, type OnceReport } from '../../../src/cli/report';

const finding = (over: Partial<CisFinding>): CisFinding => ({ check: '5.5', title: 'Ensure that privileged containers are not used', section: '5', level: 1, object: 'web', kind: 'container', result: 'pass', waived: false, ...over });

const REPORT: OnceReport = {
  version: '1.2.3',
  completedAtMs: Date.parse('2026-12-02T15:04:05.678Z'),
  collectors: [
    { name: 'engine', success: true, durationSeconds: 0.01, lastSuccessTimestampSeconds: 1, error: undefined },
    { name: 'cis', success: false, durationSeconds: 0.2, lastSuccessTimestampSeconds: 0, error: 'reading the facts failed' },
  ],
  findings: [finding({ result: 'fail', object: 'a<b>"c' }), finding({ result: 'fail', object: 'proxy', waived: true }), finding({ check: '1.1.1', object: null, kind: null, result: 'not_automated' })],
  gate: { checks: ['5.5'], failures: [finding({ result: 'fail', object: 'a<b>"c' })] },
  exitCode: 3,
};

describe('reportJson', () => {
  it('writes the documented schema: every key present, snake_case, nulls rather than absent keys', () => {
    const doc = JSON.parse(reportJson(REPORT));
    expect(doc).toEqual({
      schema_version: REPORT_SCHEMA_VERSION,
      exporter: { name: 'docker-audit-exporter', version: '1.2.3' },
      completed_at: '2026-12-02T15:04:05.678Z',
      exit_code: 3,
      collectors: [
        { name: 'engine', success: true, duration_seconds: 0.01, error: null },
        { name: 'cis', success: false, duration_seconds: 0.2, error: 'reading the facts failed' },
      ],
      cis: {
        benchmark: 'CIS Docker Benchmark v1.6',
        summary: { pass: 0, fail: 2, not_judged: 0, not_applicable: 0, not_automated: 1, waived: 1 },
        findings: [
          { check: '5.5', title: 'Ensure that privileged containers are not used', section: '5', level: 1, object: 'a<b>"c', kind: 'container', result: 'fail', waived: false },
          { check: '5.5', title: 'Ensure that privileged containers are not used', section: '5', level: 1, object: 'proxy', kind: 'container', result: 'fail', waived: true },
          { check: '1.1.1', title: 'Ensure that privileged containers are not used', section: '5', level: 1, object: null, kind: null, result: 'not_automated', waived: false },
        ],
      },
      gate: { checks: ['5.5'], failures: [{ check: '5.5', object: 'a<b>"c' }] },
    });
  });

  it('writes cis and gate as null when there is no evaluation and no gate', () => {
    const doc = JSON.parse(reportJson({ ...REPORT, findings: undefined, gate: undefined, exitCode: 1 }));
    expect(doc.cis).toBeNull();
    expect(doc.gate).toBeNull();
  });

  it('keeps every character of an object name, control characters and lone surrogates included, as valid JSON', () => {
    const name = 'x\u0000\u001f\ud800"\\\n';
    const text = reportJson({ ...REPORT, findings: [finding({ object: name })] });
    expect(text).not.toMatch(/[\u0000-\u001f](?<!\n)/); // raw controls never appear; the pretty-printer's newlines do
    expect(JSON.parse(text).cis.findings[0].object).toBe(name);
    expect(text.endsWith('}\n')).toBe(true);
  });
});

describe('summarise', () => {
  it('counts findings by result, and the waived ones besides', () => {
    expect(summarise([finding({}), finding({ result: 'fail', waived: true }), finding({ result: 'not_judged' }), finding({ result: 'not_applicable' })])).toEqual({ pass: 1, fail: 1, not_judged: 1, not_applicable: 1, not_automated: 0, waived: 1 });
  });
});
