import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathKind, probeCgroups, readKernelFile } from '../../../src/readers/host-kernel';

describe('host kernel file reader', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'host-kernel-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('tells text, missing (also under a file, ENOTDIR) and unreadable apart', async () => {
    fs.writeFileSync(path.join(dir, 'f'), 'Y\n');
    fs.mkdirSync(path.join(dir, 'd'));
    expect(await readKernelFile(path.join(dir, 'f'))).toEqual({ state: 'text', path: path.join(dir, 'f'), text: 'Y\n' });
    expect(await readKernelFile(path.join(dir, 'nope'))).toEqual({ state: 'missing', path: path.join(dir, 'nope') });
    expect(await readKernelFile(path.join(dir, 'f', 'below'))).toMatchObject({ state: 'missing' });
    expect(await readKernelFile(path.join(dir, 'd'))).toMatchObject({ state: 'error', error: expect.stringContaining('is a directory, not a regular file') });
  });

  it('refuses a file over its bound rather than reading it whole', async () => {
    fs.writeFileSync(path.join(dir, 'big'), 'x'.repeat(100));
    expect(await readKernelFile(path.join(dir, 'big'), 10)).toMatchObject({ state: 'error', error: expect.stringContaining('over 10 bytes') });
  });

  it('pathKind and the cgroup probe', async () => {
    expect(await pathKind(path.join(dir, 'nope'))).toBe('missing');
    const cg = path.join(dir, 'fs', 'cgroup');
    fs.mkdirSync(path.join(cg, 'memory'), { recursive: true });
    fs.writeFileSync(path.join(cg, 'memory', 'cgroup.procs'), '');
    fs.mkdirSync(path.join(cg, 'empty-dir'));
    expect(await probeCgroups(dir)).toEqual({ mountPoint: cg, rootControllers: 'missing', unifiedControllers: 'missing', v1Hierarchies: ['memory'] });
    expect(await probeCgroups(path.join(dir, 'nowhere'))).toMatchObject({ v1Hierarchies: [], rootControllers: 'missing' });
  });
});
