// The reference tables of the documentation, generated from the sources of truth (the metric
// catalog, the flag table, the CIS check catalog and the Engine API paths). `npm run docs`
// writes each table into its file between `<!-- generated:NAME -->` and `<!-- /generated:NAME -->`:
// the metric table and the flag groups into README.md, every flag into docs/flags.md, the CIS
// check table into docs/cis.md, the Engine API paths into docs/socket-proxy.md, and the saved
// benchmark results (bench/results/, scripts/bench-tables.ts) into docs/performance.md.
// test/unit/readme.test.ts fails when a file drifts from them.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { benchResult, containersTable, memoryTable, type ContainersResult, type MemoryResult } from './bench-tables';
import { CIS_CHECKS, type CisCheck } from '../src/cis/checks';
import { FLAGS } from '../src/cli/config';
import { ALL_FAMILIES, CACHED_HELP_SUFFIX, LIVE_FAMILIES, type MetricFamily } from '../src/metrics/catalog';
import type { EngineKind } from '../src/model/engine-kind';
import { ENGINE_PATH_LIST, proxySections, sentToDockerd, type EnginePath } from '../src/readers/engine-paths';

const cell = (s: string): string => s.replace(/\|/g, '\\|');
const ENGINE_NAMES: Record<EngineKind, string> = { docker: 'dockerd', podman: 'Podman' };

export function metricsTable(): string {
  const rows = [...Object.values(LIVE_FAMILIES), ...ALL_FAMILIES].map((f: MetricFamily) => {
    const labels = f.labels.length > 0 ? f.labels.map((l) => `\`${l}\``).join(', ') : '';
    const engines = f.engines ? ` Served for ${f.engines.map((e) => ENGINE_NAMES[e]).join(' and ')} engines only.` : '';
    return `| \`${f.name}\` | ${f.type} | ${f.collector} | ${labels} | ${cell(f.help + engines)} |`;
  });
  return [
    '| metric | type | collector | labels | meaning |',
    '| --- | --- | --- | --- | --- |',
    ...rows,
    '',
    `Every family but \`docker_audit_build_info\` is read from the last completed collection; its HELP text ends in "${CACHED_HELP_SUFFIX.trim()}". ` +
      'prom-client\'s default `process_*` and `nodejs_*` metrics are served live next to them (not in `--once` output). ' +
      'A family whose meaning says "served for ... engines only" depends on the engine kind (`docker_audit_engine_info{engine}`); every other family is served for every kind.',
  ].join('\n');
}

export function flagsTable(): string {
  const rows = FLAGS.map((f) => {
    const name = f.kind === 'boolean' ? `\`--[no-]${f.name}\`` : `\`--${f.name}\``;
    return `| ${name} | ${f.env ? `\`${f.env}\`` : ''} | \`${cell(f.defaultText)}\` | ${cell(f.help)} |`;
  });
  return ['| flag | environment | default | meaning |', '| --- | --- | --- | --- |', ...rows].join('\n');
}

/** A flag's group: the part of its name before the first dot (`collector.containers.detail` -> collector). */
const flagGroup = (name: string): string => name.split('.')[0];

/**
 * The README's short form of the flag table: one row per group, naming its flags, so the
 * README lists every flag while the defaults and meanings stay in docs/flags.md.
 */
export function flagGroupsTable(): string {
  const groups = new Map<string, string[]>();
  for (const f of FLAGS) groups.set(flagGroup(f.name), [...(groups.get(flagGroup(f.name)) ?? []), f.kind === 'boolean' ? `--[no-]${f.name}` : `--${f.name}`]);
  const rows = [...groups].map(([group, names]) => `| \`${group}\` | ${names.map((n) => `\`${cell(n)}\``).join(', ')} |`);
  return ['| group | flags (defaults and meanings: [docs/flags.md](docs/flags.md)) |', '| --- | --- |', ...rows].join('\n');
}

/** A differs note that several checks share: said once below the table, cited by its letter. */
export interface SharedNote {
  readonly letter: string;
  readonly text: string;
  readonly checks: readonly string[];
}

/** The differs texts used by more than one check, lettered A, B, ... in catalog order. */
export function sharedNotes(checks: readonly CisCheck[] = CIS_CHECKS): SharedNote[] {
  const byText = new Map<string, string[]>();
  for (const c of checks) if (c.differs) byText.set(c.differs, [...(byText.get(c.differs) ?? []), c.id]);
  return [...byText]
    .filter(([, ids]) => ids.length > 1)
    .map(([text, ids], i) => ({ letter: String.fromCharCode(65 + i), text, checks: ids }));
}

/** Check ids in catalog order, a run of 3 or more neighbours in the catalog written first–last. */
export function checkRanges(ids: readonly string[], checks: readonly CisCheck[] = CIS_CHECKS): string {
  const index = new Map(checks.map((c, i) => [c.id, i]));
  const runs: string[][] = [];
  for (const id of ids) {
    const last = runs.at(-1);
    if (last && index.get(id) === index.get(last.at(-1)!)! + 1) last.push(id);
    else runs.push([id]);
  }
  return runs.map((r) => (r.length >= 3 ? `${r[0]}–${r.at(-1)}` : r.join(', '))).join(', ');
}

const noteAnchor = (letter: string): string => `note-${letter.toLowerCase()}`;

/**
 * The CIS check catalog (src/cis/checks.ts): what is judged, on which objects, and where it
 * differs from docker-bench-security. A differs text that several checks share is printed
 * once, below the table, and each of those rows says "see note X".
 */
export function cisChecksTable(checks: readonly CisCheck[] = CIS_CHECKS): string {
  const notes = sharedNotes(checks);
  const letterOf = new Map(notes.map((n) => [n.text, n.letter]));
  const rows = checks.map((c) => {
    const judged = c.evaluate ? `yes (${c.scope === 'host' ? 'host' : c.scope})` : 'no';
    const letter = c.differs ? letterOf.get(c.differs) : undefined;
    const differs = letter ? `see [note ${letter}](#${noteAnchor(letter)})` : cell(c.differs ?? '');
    return `| ${c.id} | ${cell(c.title)} | ${c.level} | ${c.benchmark} | ${judged} | ${differs} |`;
  });
  return [
    '| check | title | level | benchmark | judged here (objects) | differs from docker-bench-security |',
    '| --- | --- | --- | --- | --- | --- |',
    ...rows,
    ...(notes.length > 0 ? ['', 'Notes shared by several checks:', ''] : []),
    ...notes.map((n) => `- <a id="${noteAnchor(n.letter)}"></a>**Note ${n.letter}** (${checkRanges(n.checks, checks)}): ${n.text}`),
  ].join('\n');
}

/** A path as a proxy sees it: `/v1.41/info`, `/_ping`. */
const sentPath = (p: EnginePath): string => `${p.versioned ? '/v{version}' : ''}${p.path}`;

/**
 * Every Engine API request the exporter makes (src/readers/engine-paths.ts): the allow-list of
 * a GET-only proxy in front of the engine, with the docker-socket-proxy variable of each, who
 * needs it and when it is sent.
 */
export function enginePathsTable(paths: readonly EnginePath[] = ENGINE_PATH_LIST): string {
  const rows = paths.map((p) => {
    const modes = p.modes.length === 2 ? 'both' : `${p.modes[0]} only`;
    const readBy = p.readBy.split(', ').map((f) => `\`src/${f}\``).join(', ');
    const section = sentToDockerd(p) ? `\`${p.section}\`` : `none (${p.engines!.join(', ')} only)`;
    return `| \`${p.method} ${cell(sentPath(p))}\` | ${section} | ${p.collectors.map((c) => `\`${c}\``).join(', ')} | ${modes} | ${cell(p.when)} | ${readBy} |`;
  });
  return [
    '| request | docker-socket-proxy | needed by | mode | sent | by |',
    '| --- | --- | --- | --- | --- | --- |',
    ...rows,
    '',
    `${paths.length} paths in ${new Set(paths.filter(sentToDockerd).map((p) => p.section)).size} sections; \`{version}\` is the API version negotiated from \`/_ping\` (1.41 on Engine 20.10). ` +
      `The proxy's environment: ${proxySections().map((s) => `\`${s}=1\``).join(' ')}, and \`POST=0\`.`,
  ].join('\n');
}

/** The short form, one row per docker-socket-proxy section: what to grant, and the paths it is for. */
export function proxySectionsTable(paths: readonly EnginePath[] = ENGINE_PATH_LIST): string {
  const rows = proxySections().map((s) => {
    const of = paths.filter((p) => p.section === s && sentToDockerd(p));
    const server = of.every((p) => !p.modes.includes('once')) ? ' (server mode)' : '';
    return `| \`${s}=1\` | ${of.map((p) => `\`${cell(p.path)}\``).join(', ')}${server} |`;
  });
  return ['| grant | for `GET` of |', '| --- | --- |', ...rows].join('\n');
}

export const TABLES: Record<string, () => string> = {
  metrics: metricsTable,
  flags: flagsTable,
  'flag-groups': flagGroupsTable,
  'cis-checks': cisChecksTable,
  'engine-paths': enginePathsTable,
  'proxy-sections': proxySectionsTable,
  'bench-containers': () => containersTable(benchResult<ContainersResult>(repositoryRoot(), 'containers')),
  'bench-memory': () => memoryTable(benchResult<MemoryResult>(repositoryRoot(), 'memory')),
};

/** Which tables each file holds, by its path from the repository root. */
export const TARGETS: Readonly<Record<string, readonly string[]>> = {
  'README.md': ['metrics', 'flag-groups', 'proxy-sections'],
  'docs/flags.md': ['flags'],
  'docs/cis.md': ['cis-checks'],
  'docs/socket-proxy.md': ['engine-paths'],
  'docs/performance.md': ['bench-containers', 'bench-memory'],
};

/** Replaces the text between `<!-- generated:NAME -->` and `<!-- /generated:NAME -->` for each of `names`. */
export function renderTables(text: string, names: readonly string[], file = 'the file'): string {
  let out = text;
  for (const name of names) {
    const make = TABLES[name];
    if (!make) throw new Error(`no generated table named ${name}`);
    const re = new RegExp(`(<!-- generated:${name} -->\\n)[\\s\\S]*?(<!-- /generated:${name} -->)`);
    if (!re.test(out)) throw new Error(`${file} has no <!-- generated:${name} --> section`);
    out = out.replace(re, (_m, open: string, close: string) => `${open}${make()}\n${close}`);
  }
  return out;
}

/** README.md with its generated tables brought up to date. */
export function renderReadme(readme: string): string {
  return renderTables(readme, TARGETS['README.md'], 'README.md');
}

/**
 * The repository root: the nearest folder above `from` holding package.json and README.md.
 * The script runs as scripts/readme-tables.ts (jest) and as dist/scripts/readme-tables.js
 * (`npm run docs`), one folder deeper.
 */
export function repositoryRoot(from: string = __dirname): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json')) && fs.existsSync(path.join(dir, 'README.md'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no package.json above ${from}`);
  }
}

/** Each generated file: its path from the root, what it holds, and what it should hold. */
export function renderAll(root: string = repositoryRoot()): { file: string; current: string; expected: string }[] {
  return Object.entries(TARGETS).map(([file, names]) => {
    const current = fs.readFileSync(path.join(root, file), 'utf8');
    return { file, current, expected: renderTables(current, names, file) };
  });
}

if (require.main === module) {
  const root = repositoryRoot();
  for (const { file, current, expected } of renderAll(root)) {
    if (current === expected) {
      process.stdout.write(`${file} is up to date\n`);
      continue;
    }
    fs.writeFileSync(path.join(root, file), expected);
    process.stdout.write(`updated ${file}\n`);
  }
}
