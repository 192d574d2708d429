import * as fs from 'node:fs';
import * as path from 'node:path';
import { dateSeconds, matchEol, parseEolTable, pastEol, validateEolTable, versionCycle, type EolTable } from '../../../src/model/os-eol';
import { BUNDLED_EOL_TABLE } from '../../../src/model/os-eol-table';
import { parseOsRelease } from '../../../src/model/os-release';

const bundled = (): EolTable => {
  const { table, problems } = validateEolTable(BUNDLED_EOL_TABLE);
  expect(problems).toEqual([]);
  return table!;
};
const osRelease = (name: string): string => fs.readFileSync(path.join(__dirname, '..', '..', 'fixtures', 'imageos', 'os-release', name), 'utf8');

describe('versionCycle', () => {
  it.each([
    ['12', 'major', '12'],
    ['8.9', 'major', '8'],
    ['7', 'major', '7'],
    ['18.04', 'major.minor', '18.04'],
    ['3.19.1', 'major.minor', '3.19'],
    ['15.5', 'major.minor', '15.5'],
    ['2', 'exact', '2'],
    ['2023', 'exact', '2023'],
    ['2018.03', 'exact', '2018.03'],
  ] as const)('%s under %s is %s', (version, scheme, cycle) => {
    expect(versionCycle(version, scheme)).toBe(cycle);
  });

  it.each([
    ['', 'major'],
    ['', 'exact'],
    ['3', 'major.minor'],
    ['3.20.0_alpha20240329', 'major.minor'],
    ['bookworm/sid', 'major'],
    ['12 ', 'major'],
    ['v12', 'major'],
  ] as const)('%j under %s is no cycle (never guessed)', (version, scheme) => {
    expect(versionCycle(version, scheme)).toBeUndefined();
  });
});

describe('the bundled table', () => {
  it('is valid, has a recent updated date, and cites an https source for every date', () => {
    const table = bundled();
    expect(table.updated).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    for (const d of table.distributions) for (const c of d.cycles) expect(c.source).toMatch(/^https:\/\//);
  });

  it('lists the distributions the issue names', () => {
    expect([...new Set(bundled().distributions.map((d) => d.id))]).toEqual(['debian', 'ubuntu', 'alpine', 'centos', 'rhel', 'rocky', 'almalinux', 'amzn', 'fedora', 'opensuse-leap']);
  });

  it.each([
    ['ubuntu-18.04', '18.04', '2023-05-31'],
    ['debian-12', '12', '2026-07-11'],
    ['alpine-3.19', '3.19', '2025-11-01'],
  ])('matches %s to cycle %s, end of life %s', (file, cycle, eol) => {
    const match = matchEol(bundled(), parseOsRelease(osRelease(file)));
    expect(match.kind === 'known' && [match.cycle.cycle, match.cycle.eol]).toEqual([cycle, eol]);
  });

  it.each([
    [{ id: 'centos', name: 'CentOS Stream', versionId: '9' }, 'centos', 'Stream', '2027-05-31'],
    [{ id: 'centos', name: 'CentOS Linux', versionId: '7' }, 'centos', undefined, '2024-06-30'],
    [{ id: 'centos', name: 'CentOS Linux', versionId: '8' }, 'centos', undefined, '2021-12-31'],
    [{ id: 'rhel', name: 'Red Hat Enterprise Linux', versionId: '9.3' }, 'rhel', undefined, '2032-05-31'],
    [{ id: 'rocky', name: 'Rocky Linux', versionId: '8.9' }, 'rocky', undefined, '2029-05-31'],
    [{ id: 'almalinux', name: 'AlmaLinux', versionId: '9.4' }, 'almalinux', undefined, '2032-05-31'],
    [{ id: 'amzn', name: 'Amazon Linux', versionId: '2' }, 'amzn', undefined, '2026-06-30'],
    [{ id: 'amzn', name: 'Amazon Linux', versionId: '2023' }, 'amzn', undefined, '2029-06-30'],
    [{ id: 'fedora', name: 'Fedora Linux', versionId: '40' }, 'fedora', undefined, '2025-05-13'],
    [{ id: 'opensuse-leap', name: 'openSUSE Leap', versionId: '15.5' }, 'opensuse-leap', undefined, '2024-12-31'],
  ])('matches %j', (os, id, nameContains, eol) => {
    const match = matchEol(bundled(), os);
    expect(match.kind === 'known' && [match.distribution.id, match.distribution.nameContains, match.cycle.eol]).toEqual([id, nameContains, eol]);
  });

  it.each([
    [{ id: 'wolfi', name: 'Wolfi', versionId: '20230201' }, 'os'],
    [{ id: 'linux', name: 'Linux', versionId: '' }, 'os'],
    [{ id: 'debian', name: 'Debian GNU/Linux', versionId: '' }, 'version'], // testing and sid have no VERSION_ID
    [{ id: 'debian', name: 'Debian GNU/Linux', versionId: '99' }, 'version'],
    [{ id: 'alpine', name: 'Alpine Linux', versionId: '3.20.0_alpha20240329' }, 'version'], // edge
    [{ id: 'ubuntu', name: 'Ubuntu', versionId: '18.10' }, 'version'], // not in the table: not guessed from 18.04
  ])('has no date for %j (unknown %s)', (os, reason) => {
    expect(matchEol(bundled(), os)).toEqual({ kind: 'unknown', reason });
  });
});

describe('pastEol and dateSeconds', () => {
  it('is past from 00:00 UTC of the date on', () => {
    const cycle = { cycle: '18.04', eol: '2023-05-31', eolSeconds: dateSeconds('2023-05-31')!, source: 'https://x' };
    expect(cycle.eolSeconds).toBe(1685491200);
    expect(pastEol(cycle, Date.UTC(2023, 4, 30, 23, 59, 59))).toBe(false);
    expect(pastEol(cycle, Date.UTC(2023, 4, 31))).toBe(true);
  });

  it.each(['2023-02-31', '2023-13-01', '23-05-31', '2023-5-31', '', '2023-05-31T00:00:00Z'])('refuses %j', (text) => {
    expect(dateSeconds(text)).toBeUndefined();
  });
});

describe('parseEolTable (--images.eol-file)', () => {
  const good = [
    'updated: 2026-11-30',
    'distributions:',
    '  - id: ubuntu',
    '    version: major.minor',
    '    cycles:',
    '      - cycle: "18.04"',
    '        eol: 2028-04-30',
    '        source: https://ubuntu.com/pro',
    '        note: we pay for ESM',
    '      - cycle: 15.10',
    '        eol: 2016-07-28',
    '        source: https://wiki.ubuntu.com/Releases',
    '  - id: centos',
    '    name_contains: Stream',
    '    version: major',
    '    cycles:',
    '      - { cycle: "9", eol: 2027-05-31, source: "https://www.centos.org/centos-stream/" }',
  ].join('\n');

  it('reads a table, every scalar as text (15.10 stays "15.10")', () => {
    const { table, problems } = parseEolTable(good);
    expect(problems).toEqual([]);
    expect(table).toEqual({
      updated: '2026-11-30',
      updatedSeconds: dateSeconds('2026-11-30'),
      distributions: [
        {
          id: 'ubuntu',
          version: 'major.minor',
          cycles: [
            { cycle: '18.04', eol: '2028-04-30', eolSeconds: dateSeconds('2028-04-30'), source: 'https://ubuntu.com/pro', note: 'we pay for ESM' },
            { cycle: '15.10', eol: '2016-07-28', eolSeconds: dateSeconds('2016-07-28'), source: 'https://wiki.ubuntu.com/Releases' },
          ],
        },
        { id: 'centos', nameContains: 'Stream', version: 'major', cycles: [{ cycle: '9', eol: '2027-05-31', eolSeconds: dateSeconds('2027-05-31'), source: 'https://www.centos.org/centos-stream/' }] },
      ],
    });
  });

  it('lists every problem, each with its line and field', () => {
    const bad = [
      'updated: yesterday', // 1
      'distributions:', // 2
      '  - id: Ubuntu', // 3
      '    version: minor', // 4
      '    cycles:', // 5
      '      - cycle: "18.04"', // 6
      '        eol: 2023-02-30', // 7
      '        source: ubuntu.com', // 8
      '        eoll: 2023-05-31', // 9
      '  - id: debian', // 10
      '    version: major', // 11
      '    cycles:', // 12
      '      - cycle: "12.1"', // 13
      '        eol: 2026-07-11', // 14
      '        source: https://www.debian.org/releases/', // 15
      '      - cycle: "12.1"', // 16
      '  - id: alpine', // 17
      '    version: major.minor', // 18
    ].join('\n');
    expect(parseEolTable(bad).problems).toEqual([
      'line 1: updated: "yesterday" is not a date YYYY-MM-DD',
      'line 3: distributions[0].id: "Ubuntu" is not an os-release ID (lower-case letters, digits, ".", "_", "-")',
      'line 4: distributions[0].version: "minor" is not one of major, major.minor, exact',
      'line 9: distributions[0].cycles[0].eoll: unknown field (expected cycle, eol, source, note)',
      'line 7: distributions[0].cycles[0].eol: "2023-02-30" is not a date YYYY-MM-DD',
      'line 8: distributions[0].cycles[0].source: expected the http(s) address the date was published at',
      'line 13: distributions[1].cycles[0].cycle: "12.1" is not a major cycle (a number, as "12")',
      'line 16: distributions[1].cycles[1].cycle: "12.1" is not a major cycle (a number, as "12")',
      'line 16: distributions[1].cycles[1].cycle: "12.1" is listed twice',
      'line 16: distributions[1].cycles[1]: eol is missing',
      'line 16: distributions[1].cycles[1]: source is missing',
      'line 17: distributions[2]: cycles is missing',
    ]);
  });

  it('reports YAML errors with their line, and a document that is not a table', () => {
    expect(parseEolTable('updated: 2026-01-01\ndistributions: [\n').problems[0]).toMatch(/^line \d+: YAML: /);
    expect(parseEolTable('updated: 2026-01-01\nupdated: 2026-01-02\ndistributions: []\n').problems[0]).toMatch(/^line 2: YAML: .*[Uu]nique/);
    expect(parseEolTable('- a\n- b\n').problems).toEqual(['line 1: the table: expected a mapping with updated and distributions']);
    expect(parseEolTable('updated: 2026-01-01\n').problems).toEqual(['line 1: the table: distributions is missing']);
    expect(parseEolTable('updated: 2026-01-01\ndistributions: []\n').problems).toEqual(['line 2: distributions: distributions must be a non-empty list']);
  });

  it('refuses an alias bomb', () => {
    const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]', ...Array.from({ length: 8 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)}]`)].join('\n');
    expect(parseEolTable(bomb).problems[0]).toMatch(/^YAML: /);
  });
});
