// Every "CIS x.y" cited outside the catalog (alerts and their tests, dashboards, HELP texts
// and code comments, README, docs) must name a check of the catalog (src/cis/checks.ts),
// and the text around it must be about that check's subject: a word of its title appears
// next to the citation. In 0.1 three alert descriptions cited the wrong check (the memory
// limit as 5.10, the Docker socket as 5.31, sensitive mounts as 5.5); this test fails on each.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CIS_CHECK_BY_ID } from '../../../src/cis/checks';

const ROOT = path.join(__dirname, '..', '..', '..');

/** Where citations are written for readers; CHANGELOG.md is left out, it quotes the old wrong ones on purpose. */
function citingFiles(): string[] {
  const walk = (dir: string, ext: RegExp): string[] =>
    fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((e) => {
      const rel = path.join(dir, e.name);
      if (e.isDirectory()) return walk(rel, ext);
      return ext.test(e.name) ? [rel] : [];
    });
  const files = [
    ...walk('prometheus', /\.ya?ml$/),
    ...walk('dashboards', /\.(ts|json)$/),
    ...walk('src', /\.ts$/).filter((f) => f !== path.join('src', 'cis', 'checks.ts')),
    ...(fs.existsSync(path.join(ROOT, 'docs')) ? walk('docs', /\.md$/) : []),
    'README.md',
    ...(fs.existsSync(path.join(ROOT, 'ARCHITECTURE.md')) ? ['ARCHITECTURE.md'] : []),
  ];
  return files;
}

/** "CIS 5.11", "CIS Docker Benchmark v1.6 check 5.11", "(CIS 1.1.3)"; not "CIS 1.1.x" or a bare section. */
const CITATION = /\bCIS(?: Docker Benchmark)?(?: v1\.6)?(?: checks?)? (\d+\.\d+(?:\.\d+)?)(?![\d.]*[\dx])/g;

/** Title words that say nothing about a check's subject. */
const STOP = new Set(
  'ensure that this with from have been into only when used within containers container docker host hosts host\'s are the for and configured appropriately restrictive restrictively more enabled not set ownership permissions file files directory directories applicable if is'.split(
    ' ',
  ),
);

/** The words of a title that name its subject: letters-only words match by their first 5 letters, others (docker.service, root:root) whole. */
function subjectWords(title: string): string[] {
  return title
    .toLowerCase()
    .split(/[\s,()'"=]+/)
    .map((w) => w.replace(/^[^a-z0-9/]+|[^a-z0-9]+$/g, ''))
    .filter((w) => w.length >= 4 && !STOP.has(w));
}

function mentionsSubject(context: string, title: string): boolean {
  const text = context.toLowerCase();
  return subjectWords(title).some((w) => (/^[a-z]+$/.test(w) ? text.includes(w.slice(0, 5)) : text.includes(w)));
}

interface Citation {
  file: string;
  line: number;
  id: string;
  context: string;
}

function citations(): Citation[] {
  const out: Citation[] = [];
  for (const file of citingFiles()) {
    const lines = fs.readFileSync(path.join(ROOT, file), 'utf8').split('\n');
    lines.forEach((text, i) => {
      // The line itself and its neighbours: a comment or a YAML string may wrap.
      const context = lines.slice(Math.max(0, i - 1), i + 2).join(' ');
      for (const m of text.matchAll(CITATION)) out.push({ file, line: i + 1, id: m[1], context });
    });
  }
  return out;
}

describe('CIS citations', () => {
  const all = citations();

  it('are found in the alerts, the dashboards, the sources and the docs', () => {
    expect(all.length).toBeGreaterThan(20);
    for (const where of ['prometheus', 'src', 'README.md']) expect([where, all.some((c) => c.file.startsWith(where))]).toEqual([where, true]);
  });

  it('each name a check of the catalog', () => {
    expect(all.filter((c) => !CIS_CHECK_BY_ID.has(c.id)).map((c) => `${c.file}:${c.line} cites CIS ${c.id}, which the catalog does not have`)).toEqual([]);
  });

  it('each sit next to the subject of that check\'s title', () => {
    const wrong = all
      .filter((c) => CIS_CHECK_BY_ID.has(c.id) && !mentionsSubject(c.context, CIS_CHECK_BY_ID.get(c.id)!.title))
      .map((c) => `${c.file}:${c.line} cites CIS ${c.id} ("${CIS_CHECK_BY_ID.get(c.id)!.title}") next to: ${c.context.trim().slice(0, 160)}`);
    expect(wrong).toEqual([]);
  });

  it('would have caught the three wrong citations of the 0.1 alerts', () => {
    const old = [
      ['5.10', 'Container x (image y) can use all the host\'s memory (CIS 5.10); one leak takes the host down.'],
      ['5.31', 'Container x mounts the Docker socket: whoever controls it controls every container and the host (CIS 5.31).'],
      ['5.5', 'Container x bind-mounts the sensitive host path /etc at /h read-write (CIS 5.5).'],
    ] as const;
    for (const [id, text] of old) expect([id, mentionsSubject(text, CIS_CHECK_BY_ID.get(id)!.title)]).toEqual([id, false]);
    // ...and accepts the right ones.
    expect(mentionsSubject(old[0][1], CIS_CHECK_BY_ID.get('5.11')!.title)).toBe(true);
    expect(mentionsSubject(old[1][1], CIS_CHECK_BY_ID.get('5.32')!.title)).toBe(true);
    expect(mentionsSubject(old[2][1], CIS_CHECK_BY_ID.get('5.6')!.title)).toBe(true);
  });
});
