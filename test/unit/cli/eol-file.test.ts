// --images.eol-file: read and checked at start-up with the other flags; every problem listed
// with its line, and main() exits 2.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ConfigError, loadEolFile, parseConfig } from '../../../src/cli/config';
import { run } from '../../../src/cli/main';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dae-eol-file-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const write = (name: string, text: string): string => {
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return file;
};
const GOOD = 'updated: 2026-11-01\ndistributions:\n  - id: debian\n    version: major\n    cycles:\n      - { cycle: "12", eol: 2028-06-30, source: "https://www.debian.org/lts/" }\n';

describe('--images.eol-file', () => {
  it('is the bundled table by default, and the file when given', () => {
    const byDefault = parseConfig([], {});
    expect(byDefault.kind === 'config' && byDefault.config.imagesEol.source).toBe('bundled');
    const file = write('good.yaml', GOOD);
    const parsed = parseConfig([`--images.eol-file=${file}`], {});
    expect(parsed.kind === 'config' && [parsed.config.imagesEol.source, parsed.config.imagesEol.table.distributions.map((d) => d.id)]).toEqual(['file', ['debian']]);
  });

  it('lists the file\'s problems with its line among the other flags\' problems', () => {
    const file = write('bad.yaml', 'updated: 2026-11-01\ndistributions:\n  - id: debian\n    version: major\n    cycles:\n      - { cycle: "12", eol: 2028-06-31 }\n');
    let problems: readonly string[] = [];
    try {
      parseConfig([`--images.eol-file=${file}`, '--log.level=loud'], {});
    } catch (err) {
      problems = (err as ConfigError).problems;
    }
    expect(problems).toEqual([
      '--log.level="loud": expected one of debug, info, warn, error',
      `--images.eol-file=${file}: line 6: distributions[0].cycles[0].eol: "2028-06-31" is not a date YYYY-MM-DD`,
      `--images.eol-file=${file}: line 6: distributions[0].cycles[0]: source is missing`,
    ]);
  });

  it.each([
    ['relative', 'eol.yaml', /expected an absolute path/],
    ['missing', '/nonexistent/eol.yaml', /cannot be read \(ENOENT\)/],
    ['a folder', '/', /not a regular file/],
  ])('refuses a path that is %s', (_what, file, message) => {
    expect(loadEolFile(file).problems).toEqual([expect.stringMatching(message)]);
  });

  it('makes main() exit 2 with the problem', async () => {
    const file = write('bad2.yaml', 'updated: soon\n');
    let stderr = '';
    const code = await run([`--images.eol-file=${file}`, '--once'], {}, { stdout: () => undefined, stderr: (t) => void (stderr += t) });
    expect(code).toBe(2);
    expect(stderr).toContain(`--images.eol-file=${file}: line 1: updated: "soon" is not a date YYYY-MM-DD`);
  });
});
