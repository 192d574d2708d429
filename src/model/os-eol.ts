// End-of-life dates of operating systems, and which one an image's os-release names. Pure.
//
// A table (the bundled one, src/model/os-eol-table.ts, or an operator's --images.eol-file,
// docs/imageos.md) lists distributions by their os-release ID, each with how its VERSION_ID
// maps to a release cycle and the cycles' end-of-life dates, each date with its source. An OS
// the table does not list, or a version of it the table does not list, has no date: it is
// reported as unknown, never guessed from its neighbours.
import { LineCounter, parseDocument, isMap, isSeq, isScalar, type Node } from 'yaml';
import type { OsRelease } from './os-release';

/**
 * How a VERSION_ID names its cycle: its first number ("major": Debian 12, RHEL 8.9 -> "8"),
 * its first two ("major.minor": Ubuntu 18.04, Alpine 3.19.1 -> "3.19", Leap 15.5), or the
 * whole of it ("exact": Amazon Linux "2" and "2023").
 */
export const VERSION_SCHEMES = ['major', 'major.minor', 'exact'] as const;
export type VersionScheme = (typeof VERSION_SCHEMES)[number];

export interface EolCycle {
  /** The cycle as the scheme names it: "12", "18.04", "3.19", "2023". */
  readonly cycle: string;
  /** The date support ends, YYYY-MM-DD. */
  readonly eol: string;
  /** 00:00 UTC of that date, in seconds: from then on the cycle is past its end of life. */
  readonly eolSeconds: number;
  /** Where the date was published. */
  readonly source: string;
  readonly note?: string;
}

export interface EolDistribution {
  /** The os-release ID it applies to. */
  readonly id: string;
  /** When set, only an os-release whose NAME contains this (CentOS "Stream" and CentOS Linux share ID "centos"). */
  readonly nameContains?: string;
  readonly version: VersionScheme;
  readonly cycles: readonly EolCycle[];
}

export interface EolTable {
  /** When the table was last checked against its sources, YYYY-MM-DD. */
  readonly updated: string;
  readonly updatedSeconds: number;
  /** In order: the first that matches an os-release is used. */
  readonly distributions: readonly EolDistribution[];
}

/** The table as written: YAML (--images.eol-file) or the bundled TypeScript, before validation. */
export interface RawEolTable {
  updated: string;
  distributions: {
    id: string;
    name_contains?: string;
    version: string;
    cycles: { cycle: string; eol: string; source: string; note?: string }[];
  }[];
}

/** The cycle a VERSION_ID is in under a scheme; undefined when it is not a version the scheme reads ("", "3.20.0_alpha20240329", "bookworm/sid"). */
export function versionCycle(versionId: string, scheme: VersionScheme): string | undefined {
  if (scheme === 'exact') return versionId === '' ? undefined : versionId;
  if (!/^\d+(\.\d+)*$/.test(versionId)) return undefined;
  const parts = versionId.split('.');
  if (scheme === 'major') return parts[0];
  return parts.length >= 2 ? `${parts[0]}.${parts[1]}` : undefined;
}

export type EolMatch =
  | { readonly kind: 'known'; readonly distribution: EolDistribution; readonly cycle: EolCycle }
  /** 'os': the table lists no distribution with this ID (and NAME); 'version': it does, but not this version. */
  | { readonly kind: 'unknown'; readonly reason: 'os' | 'version' };

export function matchEol(table: EolTable, os: Pick<OsRelease, 'id' | 'versionId' | 'name'>): EolMatch {
  const distribution = table.distributions.find((d) => d.id === os.id && (d.nameContains === undefined || os.name.includes(d.nameContains)));
  if (!distribution) return { kind: 'unknown', reason: 'os' };
  const cycle = versionCycle(os.versionId, distribution.version);
  const entry = cycle === undefined ? undefined : distribution.cycles.find((c) => c.cycle === cycle);
  return entry ? { kind: 'known', distribution, cycle: entry } : { kind: 'unknown', reason: 'version' };
}

/** Whether a cycle is past its end of life at `nowMs`. */
export const pastEol = (cycle: EolCycle, nowMs: number): boolean => nowMs >= cycle.eolSeconds * 1000;

/** "2023-05-31" as seconds at 00:00 UTC; undefined for anything else, a 31st of February included. */
export function dateSeconds(text: string): number | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!m) return undefined;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const ms = Date.UTC(y, mo - 1, d);
  const back = new Date(ms);
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d) return undefined;
  return ms / 1000;
}

type Path = readonly (string | number)[];
const pathText = (p: Path): string => p.reduce<string>((s, k) => (typeof k === 'number' ? `${s}[${k}]` : s === '' ? k : `${s}.${k}`), '');

/** Characters of an os-release ID (os-release(5): "0–9, a–z, '.', '_' and '-'"). */
const OS_ID = /^[a-z0-9._-]+$/;
const URL = /^https?:\/\/\S+$/;

/**
 * Checks a table and builds it, or lists every problem found, each naming the field at fault
 * (and its line, through `lineOf`, for a file).
 */
export function validateEolTable(raw: unknown, lineOf: (p: Path) => number | undefined = () => undefined): { table?: EolTable; problems: string[] } {
  const problems: string[] = [];
  const at = (p: Path): string => {
    const line = lineOf(p);
    return `${line !== undefined ? `line ${line}: ` : ''}${pathText(p) || 'the table'}`;
  };
  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  const onlyKeys = (v: Record<string, unknown>, p: Path, keys: readonly string[]) => {
    for (const k of Object.keys(v)) if (!keys.includes(k)) problems.push(`${at([...p, k])}: unknown field (expected ${keys.join(', ')})`);
  };
  const text = (v: Record<string, unknown>, p: Path, key: string, required: boolean): string | undefined => {
    const value = v[key];
    if (value === undefined || value === null) {
      if (required) problems.push(`${at(p)}: ${key} is missing`);
      return undefined;
    }
    if (typeof value !== 'string' || value.trim() === '') {
      problems.push(`${at([...p, key])}: expected a non-empty text`);
      return undefined;
    }
    return value;
  };
  const date = (v: Record<string, unknown>, p: Path, key: string): { text: string; seconds: number } | undefined => {
    const value = text(v, p, key, true);
    if (value === undefined) return undefined;
    const seconds = dateSeconds(value);
    if (seconds === undefined) {
      problems.push(`${at([...p, key])}: "${value}" is not a date YYYY-MM-DD`);
      return undefined;
    }
    return { text: value, seconds };
  };

  if (!isObject(raw)) return { problems: [`${at([])}: expected a mapping with updated and distributions`] };
  onlyKeys(raw, [], ['updated', 'distributions']);
  const updated = date(raw, [], 'updated');
  const distributions: EolDistribution[] = [];
  const list = raw.distributions;
  if (!Array.isArray(list) || list.length === 0) problems.push(`${at(list === undefined ? [] : ['distributions'])}: distributions ${list === undefined ? 'is missing' : 'must be a non-empty list'}`);
  else {
    const seen = new Set<string>();
    list.forEach((d: unknown, i) => {
      const p = ['distributions', i];
      if (!isObject(d)) return void problems.push(`${at(p)}: expected a mapping with id, version and cycles`);
      onlyKeys(d, p, ['id', 'name_contains', 'version', 'cycles']);
      const id = text(d, p, 'id', true);
      if (id !== undefined && !OS_ID.test(id)) problems.push(`${at([...p, 'id'])}: "${id}" is not an os-release ID (lower-case letters, digits, ".", "_", "-")`);
      const nameContains = text(d, p, 'name_contains', false);
      const key = `${id}\0${nameContains ?? ''}`;
      if (id !== undefined && seen.has(key)) problems.push(`${at([...p, 'id'])}: "${id}"${nameContains ? ` with name_contains "${nameContains}"` : ''} is listed twice`);
      seen.add(key);
      const version = text(d, p, 'version', true);
      if (version !== undefined && !(VERSION_SCHEMES as readonly string[]).includes(version)) problems.push(`${at([...p, 'version'])}: "${version}" is not one of ${VERSION_SCHEMES.join(', ')}`);
      const cycles: EolCycle[] = [];
      const rawCycles = d.cycles;
      if (!Array.isArray(rawCycles) || rawCycles.length === 0) problems.push(`${at(rawCycles === undefined ? p : [...p, 'cycles'])}: cycles ${rawCycles === undefined ? 'is missing' : 'must be a non-empty list'}`);
      else {
        const seenCycles = new Set<string>();
        rawCycles.forEach((c: unknown, j) => {
          const cp = [...p, 'cycles', j];
          if (!isObject(c)) return void problems.push(`${at(cp)}: expected a mapping with cycle, eol and source`);
          onlyKeys(c, cp, ['cycle', 'eol', 'source', 'note']);
          const cycle = text(c, cp, 'cycle', true);
          const scheme = version as VersionScheme;
          if (cycle !== undefined && (VERSION_SCHEMES as readonly string[]).includes(scheme) && versionCycle(cycle, scheme) !== cycle) {
            problems.push(`${at([...cp, 'cycle'])}: "${cycle}" is not a ${scheme} cycle (${scheme === 'major' ? 'a number, as "12"' : scheme === 'major.minor' ? 'two numbers, as "3.19"' : 'a version'})`);
          }
          if (cycle !== undefined && seenCycles.has(cycle)) problems.push(`${at([...cp, 'cycle'])}: "${cycle}" is listed twice`);
          if (cycle !== undefined) seenCycles.add(cycle);
          const eol = date(c, cp, 'eol');
          const source = text(c, cp, 'source', true);
          if (source !== undefined && !URL.test(source)) problems.push(`${at([...cp, 'source'])}: expected the http(s) address the date was published at`);
          const note = text(c, cp, 'note', false);
          if (cycle !== undefined && eol && source !== undefined) cycles.push({ cycle, eol: eol.text, eolSeconds: eol.seconds, source, ...(note !== undefined ? { note } : {}) });
        });
      }
      if (id !== undefined && version !== undefined) distributions.push({ id, ...(nameContains !== undefined ? { nameContains } : {}), version: version as VersionScheme, cycles });
    });
  }
  if (problems.length > 0 || !updated) return { problems };
  return { table: { updated: updated.text, updatedSeconds: updated.seconds, distributions }, problems };
}

/** Longest --images.eol-file read: the bundled table is 10 KiB. */
export const MAX_EOL_FILE_BYTES = 1024 * 1024;

/**
 * Parses a YAML end-of-life table (--images.eol-file). Every scalar is read as text (the YAML
 * failsafe schema): a cycle written 15.10 stays "15.10", not the number 15.1.
 */
export function parseEolTable(yamlText: string): { table?: EolTable; problems: string[] } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(yamlText, { schema: 'failsafe', uniqueKeys: true, prettyErrors: false, lineCounter });
  if (doc.errors.length > 0) {
    return { problems: doc.errors.map((e) => `line ${lineCounter.linePos(e.pos[0]).line}: YAML: ${e.message.split('\n')[0].replace(/:$/, '')}`) };
  }
  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    // The yaml library throws, rather than reports, an alias bomb ("billion laughs").
    return { problems: [`YAML: ${err instanceof Error ? err.message : String(err)}`] };
  }
  const lineOf = (p: Path): number | undefined => {
    // The deepest node that exists on the path: a missing field is reported at its parent.
    for (let n = p.length; n >= 0; n--) {
      const node = doc.getIn(p.slice(0, n), true) as Node | undefined;
      if (node && (isMap(node) || isSeq(node) || isScalar(node)) && node.range) return lineCounter.linePos(node.range[0]).line;
    }
    return undefined;
  };
  return validateEolTable(raw, lineOf);
}
