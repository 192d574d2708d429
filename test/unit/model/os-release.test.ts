import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseOsRelease, parseOsReleaseFields, resolveLinkTarget, unquoteOsReleaseValue } from '../../../src/model/os-release';

const osRelease = (name: string): string => fs.readFileSync(path.join(__dirname, '..', '..', 'fixtures', 'imageos', 'os-release', name), 'utf8');

describe('parseOsRelease', () => {
  it.each([
    ['ubuntu-18.04', { id: 'ubuntu', versionId: '18.04', prettyName: 'Ubuntu 18.04.6 LTS', name: 'Ubuntu', idLike: ['debian'] }],
    ['debian-12', { id: 'debian', versionId: '12', prettyName: 'Debian GNU/Linux 12 (bookworm)', name: 'Debian GNU/Linux', idLike: [] }],
    ['alpine-3.19', { id: 'alpine', versionId: '3.19.1', prettyName: 'Alpine Linux v3.19', name: 'Alpine Linux', idLike: [] }],
  ])('reads the file of %s', (file, expected) => {
    expect(parseOsRelease(osRelease(file))).toEqual(expected);
  });

  it('reads the RHEL family, whose values are all quoted', () => {
    const ubi9 = 'NAME="Red Hat Enterprise Linux"\nVERSION="9.3 (Plow)"\nID="rhel"\nID_LIKE="fedora"\nVERSION_ID="9.3"\nPRETTY_NAME="Red Hat Enterprise Linux 9.3 (Plow)"\n';
    expect(parseOsRelease(ubi9)).toEqual({ id: 'rhel', versionId: '9.3', prettyName: 'Red Hat Enterprise Linux 9.3 (Plow)', name: 'Red Hat Enterprise Linux', idLike: ['fedora'] });
  });

  it('gives the spec\'s defaults: ID "linux", NAME and PRETTY_NAME "Linux", no VERSION_ID', () => {
    expect(parseOsRelease('')).toEqual({ id: 'linux', versionId: '', prettyName: 'Linux', name: 'Linux', idLike: [] });
    expect(parseOsRelease('ID=""\nPRETTY_NAME=\n')).toMatchObject({ id: 'linux', prettyName: 'Linux' });
  });

  it('skips comments, blank lines, lines that are not KEY=value and bad keys; the last assignment of a key wins', () => {
    const text = '# ID=commented\n\n   \nnot an assignment\n=novalue\n1KEY=bad\nID=first\n  ID=second  \nVERSION_ID=1\r\n';
    expect(parseOsReleaseFields(text)).toEqual(new Map([['ID', 'second'], ['VERSION_ID', '1']]));
  });
});

describe('unquoteOsReleaseValue', () => {
  it.each([
    ['bare', 'bare'],
    ['"double quoted"', 'double quoted'],
    ["'single quoted'", 'single quoted'],
    ['"a \\"quote\\" and \\\\ backslash, \\$dollar \\`tick\\`"', 'a "quote" and \\ backslash, $dollar `tick`'],
    ['"\\n is not a newline"', '\\n is not a newline'],
    ["'no \\escapes in single'", 'no \\escapes in single'],
    ['bare\\ with\\ escapes', 'bare with escapes'],
    ['"joined"\'pieces\'', 'joinedpieces'],
    ['"left open', 'left open'],
    ["'left open", 'left open'],
    ['""', ''],
    ['trailing\\', 'trailing'],
  ])('%s', (raw, value) => {
    expect(unquoteOsReleaseValue(raw)).toBe(value);
  });
});

describe('resolveLinkTarget', () => {
  it.each([
    ['/etc/os-release', '../usr/lib/os-release', '/usr/lib/os-release'],
    ['/etc/os-release', '/usr/lib/os-release', '/usr/lib/os-release'],
    ['/etc/os-release', 'os-release.d/x', '/etc/os-release.d/x'],
    ['/etc/os-release', '../../../../usr/lib/os-release', '/usr/lib/os-release'],
    ['/etc/os-release', './../usr/./lib//os-release', '/usr/lib/os-release'],
    ['/usr/lib/os-release', '/', '/'],
  ])('%s -> %s is %s', (link, target, resolved) => {
    expect(resolveLinkTarget(link, target)).toBe(resolved);
  });
});
