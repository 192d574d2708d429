// The README and docs/: generated tables up to date, the README's promises to its reader
// (the two commands first, every metric family named, short enough to read), and no link
// that leads nowhere.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { checkRanges, cisChecksTable, renderAll, sharedNotes, TARGETS } from '../../scripts/readme-tables';
import { CIS_CHECKS } from '../../src/cis/checks';
import { ALL_FAMILIES, LIVE_FAMILIES } from '../../src/metrics/catalog';

const ROOT = path.join(__dirname, '..', '..');
const README = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');

/** Every Markdown file whose links are checked: the README and docs/*.md, by path from the root. */
function markdownFiles(): string[] {
  const docs = fs.existsSync(path.join(ROOT, 'docs')) ? fs.readdirSync(path.join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`) : [];
  return ['README.md', ...docs.sort()];
}

/** The text without fenced code blocks and code spans, where brackets are code, not links. */
function prose(md: string): string {
  return md.replace(/^```[\s\S]*?^```/gm, '').replace(/`[^`\n]*`/g, '');
}

/** Relative link targets, `[text](target)` and `![alt](target)`; web and mail links are left out. */
function relativeLinks(md: string): string[] {
  return [...prose(md).matchAll(/!?\[[^\]]*\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)].map((m) => m[1]).filter((t) => !/^[a-z][a-z0-9+.-]*:/i.test(t));
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens; repeats get -1, -2. */
function headingAnchors(md: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const m of md.replace(/^```[\s\S]*?^```/gm, '').matchAll(/^#{1,6}[ \t]+(.+?)[ \t#]*$/gm)) {
    const base = m[1]
      .replace(/<[^>]+>/g, '')
      .toLowerCase()
      .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
      .replace(/ /g, '-');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    anchors.add(n === 0 ? base : `${base}-${n}`);
  }
  for (const m of md.matchAll(/<a\s+(?:id|name)="([^"]+)"/g)) anchors.add(m[1]);
  return anchors;
}

describe('generated tables', () => {
  it.each(Object.keys(TARGETS))('%s has the tables the catalogs and the flag table generate (run `npm run docs`)', (file) => {
    const { current, expected } = renderAll(ROOT).find((r) => r.file === file)!;
    expect(current).toBe(expected);
  });

  it('write the metric table and the flag groups into the README, every flag into docs/flags.md, the CIS checks into docs/cis.md, the Engine API paths into docs/socket-proxy.md and the saved benchmark runs into docs/performance.md', () => {
    expect(TARGETS).toEqual({
      'README.md': ['metrics', 'flag-groups', 'proxy-sections'],
      'docs/flags.md': ['flags'],
      'docs/cis.md': ['cis-checks'],
      'docs/socket-proxy.md': ['engine-paths'],
      'docs/performance.md': ['bench-containers', 'bench-memory'],
    });
  });

  it('say a differs note that several CIS checks share once, below the table, and cite it by letter', () => {
    const table = cisChecksTable();
    const notes = sharedNotes();
    expect(notes.length).toBeGreaterThan(0);
    for (const note of notes) {
      expect(note.checks.length).toBeGreaterThan(1);
      expect(table.split(note.text).length - 1).toBe(1);
      for (const id of note.checks) expect(table).toContain(`| ${id} | `);
      expect(table.split(`see [note ${note.letter}](#note-${note.letter.toLowerCase()})`).length - 1).toBe(note.checks.length);
    }
    // A note of one check alone stays in its row.
    const single = CIS_CHECKS.find((c) => c.differs && CIS_CHECKS.filter((o) => o.differs === c.differs).length === 1);
    if (single) expect(table).toContain(single.differs!.replace(/\|/g, '\\|'));
  });

  it('write runs of neighbouring checks as ranges', () => {
    const ids = ['1.1.3', '1.1.4', '1.1.5', '2.2', '2.3', '2.6'];
    expect(checkRanges(ids)).toBe('1.1.3–1.1.5, 2.2, 2.3, 2.6');
  });
});

describe('README', () => {
  it('starts with the two commands: run the exporter, pass the test suite', () => {
    const blocks = [...README.matchAll(/```(?:sh|bash)\n([\s\S]*?)```/g)].map((m) => m[1].trim());
    expect(blocks[0]).toBe('npm ci && npm start');
    expect(blocks[1]).toBe('npm test');
    expect(README.indexOf('```')).toBeLessThan(README.indexOf('## '));
  });

  it('documents every metric family by name', () => {
    for (const f of [...ALL_FAMILIES, ...Object.values(LIVE_FAMILIES)]) expect(README).toContain(`\`${f.name}\``);
  });

  it('is under 400 lines: the deep reference lives in docs/', () => {
    expect((README.match(/\n/g) ?? []).length).toBeLessThan(400);
  });

  it('links to every page of docs/', () => {
    const linked = new Set(relativeLinks(README).map((l) => l.split('#')[0]));
    for (const file of markdownFiles().filter((f) => f.startsWith('docs/'))) expect([file, linked.has(file)]).toEqual([file, true]);
  });
});

describe('links in README.md and docs/*.md', () => {
  it('find headings the way GitHub names them', () => {
    const anchors = headingAnchors('# A title\n## Without the socket: docker-socket-proxy\n### `--once` mode\n## A title\n<a id="runbook-x"></a>\n```sh\n# not a heading\n```\n');
    expect([...anchors].sort()).toEqual(['--once-mode', 'a-title', 'a-title-1', 'runbook-x', 'without-the-socket-docker-socket-proxy']);
  });

  it.each(markdownFiles())('%s: every relative link names a file that exists, and every #anchor a heading or <a id> in it', (file) => {
    const text = fs.readFileSync(path.join(ROOT, file), 'utf8');
    const links = relativeLinks(text);
    if (file === 'README.md') expect(links.length).toBeGreaterThan(10);
    const broken: string[] = [];
    for (const link of links) {
      const [target, anchor] = link.split('#', 2);
      const resolved = target === '' ? file : path.posix.normalize(path.posix.join(path.posix.dirname(file), decodeURI(target)));
      const full = path.join(ROOT, resolved);
      if (!fs.existsSync(full)) {
        broken.push(`${link}: no file ${resolved}`);
        continue;
      }
      if (anchor === undefined || !resolved.endsWith('.md')) continue;
      if (!headingAnchors(fs.readFileSync(full, 'utf8')).has(anchor)) broken.push(`${link}: no heading or <a id> "${anchor}" in ${resolved}`);
    }
    expect(broken).toEqual([]);
  });
});
