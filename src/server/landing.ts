import type { Snapshot } from './scheduler';

const escapeHtml = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

export interface LandingInput {
  version: string;
  telemetryPath: string;
  collectors: readonly string[];
  snapshot: Snapshot | undefined;
}

/** The page at "/": what this is, how each collector did last time, and where to go. */
export function landingPage({ version, telemetryPath, collectors, snapshot }: LandingInput): string {
  const byName = new Map(snapshot?.statuses.map((s) => [s.name, s]));
  const rows = collectors
    .map((name) => {
      const s = byName.get(name);
      const status = !s ? 'pending' : s.success ? 'ok' : 'failed';
      const duration = s ? `${(s.durationSeconds * 1000).toFixed(1)} ms` : '';
      const last = s && s.lastSuccessTimestampSeconds > 0 ? new Date(s.lastSuccessTimestampSeconds * 1000).toISOString() : 'never';
      return `<tr class="${status}"><td>${escapeHtml(name)}</td><td>${status}</td><td>${duration}</td><td>${last}</td><td>${escapeHtml(s?.error ?? '')}</td></tr>`;
    })
    .join('\n');
  const collected = snapshot ? new Date(snapshot.completedAtMs).toISOString() : 'not yet';
  return `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>Docker Audit Exporter</title>
<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px;text-align:left}
.ok td:nth-child(2){color:#1a7f37}.failed td:nth-child(2){color:#cf222e}.pending td:nth-child(2){color:#9a6700}</style></head>
<body>
<h1>Docker Audit Exporter</h1>
<p>Version ${escapeHtml(version)}. Last collection: ${collected}.</p>
<h2>Collectors</h2>
<table><thead><tr><th>collector</th><th>status</th><th>duration</th><th>last success</th><th>error</th></tr></thead>
<tbody>
${rows}
</tbody></table>
<h2>Links</h2>
<ul><li><a href="${escapeHtml(telemetryPath)}">Metrics</a></li><li><a href="/-/healthy">Health</a></li><li><a href="/-/ready">Readiness</a></li></ul>
</body></html>
`;
}
