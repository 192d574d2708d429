// The README's reference tables, generated from the sources of truth (the metric catalog
// and the flag table). `npm run docs` writes them into README.md between markers;
// test/unit/readme.test.ts fails when the README drifts from them.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CIS_CHECKS } from '../src/cis/checks';
import { FLAGS } from '../src/config';
import { ALL_FAMILIES, CACHED_HELP_SUFFIX, LIVE_FAMILIES, type MetricFamily } from '../src/metrics/catalog';

const cell = (s: string): string => s.replace(/\|/g, '\\|');

export function metricsTable(): string {
  const rows = [...Object.values(LIVE_FAMILIES), ...ALL_FAMILIES].map((f: MetricFamily) => {
    const labels = f.labels.length > 0 ? f.labels.map((l) => `\`${l}\``).join(', ') : '';
    return `| \`${f.name}\` | ${f.type} | ${f.collector} | ${labels} | ${cell(f.help)} |`;
  });
  return [
    '| metric | type | collector | labels | meaning |',
    '| --- | --- | --- | --- | --- |',
    ...rows,
    '',
    `Every family but \`docker_audit_build_info\` is read from the last completed collection; its HELP text ends in "${CACHED_HELP_SUFFIX.trim()}". ` +
      'prom-client\'s default `process_*` and `nodejs_*` metrics are served live next to them (not in `--once` output).',
  ].join('\n');
}

export function flagsTable(): string {
  const rows = FLAGS.map((f) => {
    const name = f.kind === 'boolean' ? `\`--[no-]${f.name}\`` : `\`--${f.name}\``;
    return `| ${name} | ${f.env ? `\`${f.env}\`` : ''} | \`${cell(f.defaultText)}\` | ${cell(f.help)} |`;
  });
  return ['| flag | environment | default | meaning |', '| --- | --- | --- | --- |', ...rows].join('\n');
}

/** The CIS check catalog (src/cis/checks.ts): what is judged, on which objects, and where it differs from docker-bench-security. */
export function cisChecksTable(): string {
  const rows = CIS_CHECKS.map((c) => {
    const judged = c.evaluate ? `yes (${c.scope === 'host' ? 'host' : c.scope})` : 'no';
    return `| ${c.id} | ${cell(c.title)} | ${c.level} | ${c.benchmark} | ${judged} | ${cell(c.differs ?? '')} |`;
  });
  return ['| check | title | level | benchmark | judged here (objects) | differs from docker-bench-security |', '| --- | --- | --- | --- | --- | --- |', ...rows].join('\n');
}

export const TABLES: Record<string, () => string> = { metrics: metricsTable, flags: flagsTable, 'cis-checks': cisChecksTable };

/** Replaces the text between `<!-- generated:NAME -->` and `<!-- /generated:NAME -->`. */
export function renderReadme(readme: string): string {
  let out = readme;
  for (const [name, make] of Object.entries(TABLES)) {
    const re = new RegExp(`(<!-- generated:${name} -->\\n)[\\s\\S]*?(<!-- /generated:${name} -->)`);
    if (!re.test(out)) throw new Error(`README.md has no <!-- generated:${name} --> section`);
    out = out.replace(re, (_m, open: string, close: string) => `${open}${make()}\n${close}`);
  }
  return out;
}

if (require.main === module) {
  const file = path.join(__dirname, '..', '..', 'README.md');
  fs.writeFileSync(file, renderReadme(fs.readFileSync(file, 'utf8')));
  process.stdout.write(`updated ${file}\n`);
}
