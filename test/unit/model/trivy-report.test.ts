import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Logger } from '../../../src/base/log';
import { parseTrivyReport, TrivyReportError } from '../../../src/model/trivy-report';
import { TrivyReportsDir } from '../../../src/facts/trivy-reports';

const FIXTURES = path.join(__dirname, '..', '..', 'fixtures', 'trivy');
const fixture = (name: string) => fs.readFileSync(path.join(FIXTURES, name), 'utf8');

/** Counts the fixture's entries per severity independently of the parser, by walking the JSON. */
function countBySeverity(text: string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of (JSON.parse(text) as { Results?: { Vulnerabilities?: { Severity: string }[] }[] }).Results ?? []) {
    for (const v of r.Vulnerabilities ?? []) counts[v.Severity] = (counts[v.Severity] ?? 0) + 1;
  }
  return counts;
}

describe('parseTrivyReport', () => {
  it('counts every Results[].Vulnerabilities[] entry by severity, with every severity present', () => {
    const text = fixture('trivy-schema-v2-image-vulnerable.json');
    const report = parseTrivyReport(text);
    expect(report.artifact).toBe('fixture-rec-img/root:1');
    expect(report.counts).toEqual({ UNKNOWN: 1, LOW: 1, MEDIUM: 3, HIGH: 2, CRITICAL: 1 });
    expect(report.counts).toEqual({ UNKNOWN: 0, LOW: 0, MEDIUM: 0, HIGH: 0, CRITICAL: 0, ...countBySeverity(text) });
    expect(report.createdAtSeconds).toBe(Math.floor(Date.parse('2026-11-23T18:30:00.123Z') / 1000));
  });

  it('reports zeros for a clean image and for a report without Results, and no time without CreatedAt', () => {
    const zeros = { UNKNOWN: 0, LOW: 0, MEDIUM: 0, HIGH: 0, CRITICAL: 0 };
    expect(parseTrivyReport(fixture('trivy-schema-v2-image-clean.json'))).toEqual({
      artifact: 'docker-audit-test/busybox:local',
      imageId: 'sha256:93629305c687cda2c51be7da34ec1b3083ce19a5fd5454a12489aff91dce9ce4',
      counts: zeros,
      createdAtSeconds: Date.parse('2026-11-23T18:31:00Z') / 1000,
    });
    expect(parseTrivyReport(fixture('trivy-schema-v2-image-no-results.json'))).toMatchObject({ artifact: 'fixture-rec-img/nonroot:1', counts: zeros, createdAtSeconds: undefined });
    // Metadata.ImageID is the image the scan read; a report without it names only a reference.
    const { Metadata: _dropped, ...bare } = JSON.parse(fixture('trivy-schema-v2-image-clean.json')) as Record<string, unknown>;
    expect(parseTrivyReport(JSON.stringify(bare)).imageId).toBeUndefined();
  });

  it('counts a severity Trivy does not define as UNKNOWN', () => {
    const text = JSON.stringify({ SchemaVersion: 2, ArtifactName: 'x:1', Results: [{ Target: 't', Vulnerabilities: [{ Severity: 'SEVERE' }, {}, { Severity: 'LOW' }] }] });
    expect(parseTrivyReport(text).counts).toEqual({ UNKNOWN: 2, LOW: 1, MEDIUM: 0, HIGH: 0, CRITICAL: 0 });
  });

  it.each([
    ['malformed-truncated.json', /^not JSON$/],
    ['malformed-trivy-0.19-array.json', /top level is not an object/],
  ])('refuses %s', (name, message) => {
    expect(() => parseTrivyReport(fixture(name))).toThrow(TrivyReportError);
    expect(() => parseTrivyReport(fixture(name))).toThrow(message);
  });

  it.each([
    [{ SchemaVersion: 1, ArtifactName: 'a' }, 'unsupported SchemaVersion 1 (expected 2)'],
    [{ ArtifactName: 'a' }, 'unsupported SchemaVersion null (expected 2)'],
    [{ SchemaVersion: 2 }, 'ArtifactName is missing'],
    [{ SchemaVersion: 2, ArtifactName: 'a', Results: {} }, 'Results is not an array'],
    [{ SchemaVersion: 2, ArtifactName: 'a', Results: [7] }, 'Results[0] is not an object'],
    [{ SchemaVersion: 2, ArtifactName: 'a', Results: [{ Vulnerabilities: 'many' }] }, 'Results[0].Vulnerabilities is not an array'],
    [{ SchemaVersion: 2, ArtifactName: 'a', Results: [{ Vulnerabilities: [null] }] }, 'Results[0].Vulnerabilities[0] is not an object'],
  ])('refuses %j', (doc, message) => {
    expect(() => parseTrivyReport(JSON.stringify(doc))).toThrow(message);
  });
});

describe('TrivyReportsDir', () => {
  let dir: string;
  let warnings: { msg: string; fields: Record<string, unknown> }[];
  const logger: Logger = { debug() {}, info() {}, error() {}, warn: (msg, fields = {}) => void warnings.push({ msg, fields }) };
  const copy = (name: string, as = name) => fs.copyFileSync(path.join(FIXTURES, name), path.join(dir, as));

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dae-images-trivy-'));
    warnings = [];
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('reads every *.json report, counts the unreadable ones and logs each by file name', async () => {
    for (const f of fs.readdirSync(FIXTURES)) copy(f); // README.md is not a .json: ignored
    const reports = await new TrivyReportsDir(dir, logger).read();
    expect(reports.reports.map((r) => r.artifact).sort()).toEqual(['docker-audit-test/busybox:local', 'fixture-rec-img/nonroot:1', 'fixture-rec-img/root:1']);
    expect([reports.ok, reports.unreadable]).toEqual([3, 2]);
    expect(warnings.map((w) => path.basename(String(w.fields.file))).sort()).toEqual(['malformed-trivy-0.19-array.json', 'malformed-truncated.json']);
    expect(warnings.every((w) => w.msg === 'unreadable Trivy report: not counted' && typeof w.fields.err === 'string')).toBe(true);
  });

  it('parses a file again only when its modification time or size changed, and forgets removed files', async () => {
    copy('trivy-schema-v2-image-clean.json', 'a.json');
    copy('malformed-truncated.json', 'b.json');
    const reader = new TrivyReportsDir(dir, logger);
    await reader.read();
    expect(reader.lastParsed).toBe(2);
    const again = await reader.read();
    expect(reader.lastParsed).toBe(0);
    expect(warnings).toHaveLength(1); // the broken one is logged once, not on every collection
    expect([again.ok, again.unreadable]).toEqual([1, 1]);

    // Fixed in place: same name, new content and size.
    copy('trivy-schema-v2-image-vulnerable.json', 'b.json');
    const fixed = await reader.read();
    expect(reader.lastParsed).toBe(1);
    expect([fixed.ok, fixed.unreadable]).toEqual([2, 0]);
    expect(fixed.reports.find((r) => r.artifact === 'fixture-rec-img/root:1')?.counts.CRITICAL).toBe(1);

    // Same size, new mtime: read again. (A severity Trivy does not define counts as UNKNOWN.)
    const b = path.join(dir, 'b.json');
    const text = fs.readFileSync(b, 'utf8').replace('"CRITICAL"', '"NOTKNOWN"');
    expect(text.length).toBe(fs.statSync(b).size);
    fs.writeFileSync(b, text);
    fs.utimesSync(b, new Date(), new Date(Date.now() + 5000));
    const edited = await reader.read();
    expect(reader.lastParsed).toBe(1);
    expect(edited.reports.find((r) => r.artifact === 'fixture-rec-img/root:1')?.counts).toMatchObject({ CRITICAL: 0, UNKNOWN: 2 });

    fs.rmSync(b);
    const removed = await reader.read();
    expect(removed.reports.map((r) => r.artifact)).toEqual(['docker-audit-test/busybox:local']);
  });

  it('returns every report of an artifact scanned twice, each with its file time (the images collector keeps the newest per image)', async () => {
    copy('trivy-schema-v2-image-vulnerable.json', 'old.json');
    const clean = JSON.parse(fixture('trivy-schema-v2-image-clean.json')) as Record<string, unknown>;
    fs.writeFileSync(path.join(dir, 'new.json'), JSON.stringify({ ...clean, ArtifactName: 'fixture-rec-img/root:1' }));
    fs.utimesSync(path.join(dir, 'old.json'), new Date(), new Date(Date.now() - 60_000));
    const { reports, ok } = await new TrivyReportsDir(dir, logger).read();
    expect(ok).toBe(2);
    expect(reports.map((r) => path.basename(r.file)).sort()).toEqual(['new.json', 'old.json']);
    const [older, newer] = [...reports].sort((a, b) => a.mtimeSeconds - b.mtimeSeconds);
    expect(newer.mtimeSeconds - older.mtimeSeconds).toBeCloseTo(60, 0);
  });

  it('reads reports behind symlinks (a Kubernetes ConfigMap mount), and logs a dangling one once', async () => {
    fs.mkdirSync(path.join(dir, '..data'));
    copy('trivy-schema-v2-image-clean.json', '..data/clean.json');
    fs.symlinkSync('..data/clean.json', path.join(dir, 'clean.json'));
    fs.symlinkSync('..data', path.join(dir, 'folder.json')); // not a file: ignored
    fs.symlinkSync('..data/gone.json', path.join(dir, 'gone.json'));
    const reader = new TrivyReportsDir(dir, logger);
    const first = await reader.read();
    expect(first.reports.map((r) => r.artifact)).toEqual(['docker-audit-test/busybox:local']);
    expect([first.ok, first.unreadable]).toEqual([1, 1]);
    await reader.read();
    expect(warnings.map((w) => [w.msg, path.basename(String(w.fields.file))])).toEqual([['reading a Trivy report failed', 'gone.json']]);
  });

  it('fails with the folder in the message when the folder cannot be read', async () => {
    await expect(new TrivyReportsDir(path.join(dir, 'missing'), logger).read()).rejects.toThrow(`reading Trivy reports from ${path.join(dir, 'missing')} failed`);
  });
});
