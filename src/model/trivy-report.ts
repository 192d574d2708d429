// A Trivy JSON report (`trivy image -f json`, SchemaVersion 2; the shape of
// aquasecurity/trivy's pkg/types/report.go) reduced to what the exporter serves: the
// artifact and its vulnerability count per severity. Pure: no I/O.

/** Trivy's severities, lowest first: every one is present in docker_audit_image_vulnerabilities, 0 included. */
export const TRIVY_SEVERITIES = ['UNKNOWN', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL'] as const;
export type TrivySeverity = (typeof TRIVY_SEVERITIES)[number];

export interface TrivyReportCounts {
  /** ArtifactName as Trivy wrote it: the image reference the scan was asked for. */
  readonly artifact: string;
  /** Metadata.ImageID as Trivy wrote it (sha256:...), for an image scan; undefined when absent. */
  readonly imageId: string | undefined;
  /** Every severity, 0 included. */
  readonly counts: Readonly<Record<TrivySeverity, number>>;
  /** Unix seconds of the report's CreatedAt (Trivy 0.48 and later); undefined when absent. */
  readonly createdAtSeconds: number | undefined;
}

/** Why a file is not a report this exporter can count. */
export class TrivyReportError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TrivyReportError';
  }
}

const SEVERITIES = new Set<string>(TRIVY_SEVERITIES);
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * A JSON value for an error message: a scalar as JSON (a string cut at 40 chars), an array or
 * object by its kind. Never JSON.stringify of a container: JSON.parse accepts any depth, and
 * stringifying a deeply nested value overflows the call stack (a RangeError, not a
 * TrivyReportError).
 */
function describeValue(v: unknown): string {
  if (Array.isArray(v)) return 'an array';
  if (isObject(v)) return 'an object';
  const text = JSON.stringify(v ?? null);
  return text.length > 42 ? `${text.slice(0, 40)}..."` : text;
}

/**
 * Counts the vulnerabilities of one report per severity. Each entry of
 * Results[].Vulnerabilities counts once, as in Trivy's own summary table: a CVE found in
 * two packages counts twice. A severity Trivy does not define counts as UNKNOWN, as
 * Trivy itself treats it. Throws TrivyReportError for anything else than a SchemaVersion
 * 2 report.
 */
export function parseTrivyReport(text: string): TrivyReportCounts {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (cause) {
    throw new TrivyReportError('not JSON', { cause });
  }
  if (!isObject(doc)) throw new TrivyReportError('not a Trivy report: the top level is not an object');
  if (doc.SchemaVersion !== 2) throw new TrivyReportError(`unsupported SchemaVersion ${describeValue(doc.SchemaVersion)} (expected 2)`);
  if (typeof doc.ArtifactName !== 'string' || doc.ArtifactName === '') throw new TrivyReportError('ArtifactName is missing');
  const results = doc.Results ?? [];
  if (!Array.isArray(results)) throw new TrivyReportError('Results is not an array');

  const counts = Object.fromEntries(TRIVY_SEVERITIES.map((s) => [s, 0])) as Record<TrivySeverity, number>;
  results.forEach((result: unknown, i) => {
    if (!isObject(result)) throw new TrivyReportError(`Results[${i}] is not an object`);
    const vulns = result.Vulnerabilities ?? [];
    if (!Array.isArray(vulns)) throw new TrivyReportError(`Results[${i}].Vulnerabilities is not an array`);
    vulns.forEach((v: unknown, j) => {
      if (!isObject(v)) throw new TrivyReportError(`Results[${i}].Vulnerabilities[${j}] is not an object`);
      const severity = typeof v.Severity === 'string' && SEVERITIES.has(v.Severity) ? (v.Severity as TrivySeverity) : 'UNKNOWN';
      counts[severity]++;
    });
  });

  const created = typeof doc.CreatedAt === 'string' ? Date.parse(doc.CreatedAt) : NaN;
  const metadata = isObject(doc.Metadata) ? doc.Metadata : {};
  const imageId = typeof metadata.ImageID === 'string' && metadata.ImageID !== '' ? metadata.ImageID : undefined;
  return { artifact: doc.ArtifactName, imageId, counts, createdAtSeconds: Number.isNaN(created) ? undefined : Math.floor(created / 1000) };
}
