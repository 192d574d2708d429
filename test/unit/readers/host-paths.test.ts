import * as fs from 'node:fs';
import * as path from 'node:path';
import { makeHostRoot } from '../../fixtures/audit-rules/host-root';
import { CIS_AUDITED_PATHS } from '../../../src/cis/checks';
import { findHostPath, hostPathType, resolveHostPath } from '../../../src/readers/host-paths';

/** Every CIS 1.1.x path found under the root, in check order, as the audit-rules facts look for them. */
async function resolveCisPaths(root: string) {
  const found = await Promise.all(CIS_AUDITED_PATHS.map(async (p) => ({ check: p.check, at: await findHostPath(root, p.where) })));
  return found.flatMap(({ check, at }) => (at ? [{ check, ...at }] : []));
}

const roots: string[] = [];
const hostRoot = (...args: Parameters<typeof makeHostRoot>) => {
  const r = makeHostRoot(...args);
  roots.push(r);
  return r;
};
afterAll(() => roots.forEach((r) => fs.rmSync(r, { recursive: true, force: true })));

describe('CIS_AUDITED_PATHS', () => {
  it('numbers the checks as CIS Docker Benchmark v1.6 and docker-bench-security 1.6.0 do', () => {
    expect(CIS_AUDITED_PATHS.map((p) => `${p.check} ${p.name} ${p.kind} ${p.where.how}`)).toEqual([
      '1.1.3 dockerd file binary',
      '1.1.4 /run/containerd directory path',
      '1.1.5 /var/lib/docker directory path',
      '1.1.6 /etc/docker directory path',
      '1.1.7 docker.service file systemd-unit',
      '1.1.8 containerd.sock file first-existing',
      '1.1.9 docker.socket file systemd-unit',
      '1.1.10 /etc/default/docker file path',
      '1.1.11 /etc/docker/daemon.json file path',
      '1.1.12 /etc/containerd/config.toml file path',
      '1.1.13 /etc/sysconfig/docker file path',
      '1.1.14 containerd file binary',
      '1.1.15 containerd-shim file binary',
      '1.1.16 containerd-shim-runc-v1 file binary',
      '1.1.17 containerd-shim-runc-v2 file binary',
      '1.1.18 runc file binary',
    ]);
  });
});

describe('findHostPath over the CIS 1.1.x paths', () => {
  it('lists only what exists, found as systemd and the binary search order find it, with symlinks resolved inside the root', async () => {
    // A Debian 12 layout: /lib and /sbin are absolute links into /usr, runc is a relative link.
    const root = hostRoot(
      ['usr/sbin/dockerd', 'usr/bin/containerd', 'usr/sbin/runc', 'usr/local/bin/containerd-shim-runc-v2', 'usr/lib/systemd/system/docker.service', 'usr/lib/systemd/system/docker.socket', 'etc/systemd/system/docker.service', 'etc/default/docker', 'run/docker/containerd/containerd.sock'],
      { lib: '/usr/lib', sbin: '/usr/sbin', 'usr/bin/runc': '../sbin/runc', 'etc/systemd/system/docker.socket': '/dev/null' },
      ['var/lib/docker', 'etc/docker', 'dev'],
    );
    fs.writeFileSync(path.join(root, 'dev/null'), '');
    const found = await resolveCisPaths(root);
    expect(found.map((f) => `${f.check} ${f.path} (found at ${f.foundAt})`)).toEqual([
      '1.1.3 /usr/sbin/dockerd (found at /usr/sbin/dockerd)',
      '1.1.5 /var/lib/docker (found at /var/lib/docker)',
      '1.1.6 /etc/docker (found at /etc/docker)',
      // /etc/systemd/system wins over /lib/systemd/system
      '1.1.7 /etc/systemd/system/docker.service (found at /etc/systemd/system/docker.service)',
      '1.1.8 /run/docker/containerd/containerd.sock (found at /run/docker/containerd/containerd.sock)',
      // 1.1.9: docker.socket is masked in /etc/systemd/system: not in effect, not reported
      '1.1.10 /etc/default/docker (found at /etc/default/docker)',
      '1.1.14 /usr/bin/containerd (found at /usr/bin/containerd)',
      '1.1.17 /usr/local/bin/containerd-shim-runc-v2 (found at /usr/local/bin/containerd-shim-runc-v2)',
      '1.1.18 /usr/sbin/runc (found at /usr/bin/runc)',
    ]);
  });

  it('resolves a unit in /lib/systemd/system through the /lib link, to the real file', async () => {
    const root = hostRoot(['usr/lib/systemd/system/docker.service', 'run/containerd/containerd.sock', 'run/docker/containerd/containerd.sock'], { lib: 'usr/lib' });
    const found = await resolveCisPaths(root);
    expect(found.map((f) => `${f.check} ${f.path} ${f.foundAt}`)).toEqual([
      '1.1.4 /run/containerd /run/containerd',
      '1.1.7 /usr/lib/systemd/system/docker.service /lib/systemd/system/docker.service',
      '1.1.8 /run/containerd/containerd.sock /run/containerd/containerd.sock', // the system containerd's socket first
    ]);
  });

  it('treats a unit linked to /dev/null as masked even when the host root shows no /dev/null (a non-recursive bind mount of /)', async () => {
    const root = hostRoot(['usr/lib/systemd/system/docker.socket'], { 'etc/systemd/system/docker.socket': '/dev/null' });
    expect((await resolveCisPaths(root)).map((f) => f.check)).not.toContain('1.1.9');
  });

  it('finds nothing on an empty root, and skips a dangling symlink', async () => {
    expect(await resolveCisPaths(hostRoot([]))).toEqual([]);
    expect(await resolveCisPaths(hostRoot([], { 'usr/bin/runc': '/usr/sbin/runc' }))).toEqual([]);
    expect(await resolveCisPaths(hostRoot([], { 'etc/docker': '/etc/docker' }))).toEqual([]); // a loop
  });
});

describe('resolveHostPath', () => {
  const root = hostRoot(['usr/sbin/runc', 'usr/bin/real'], { sbin: '/usr/sbin', 'usr/bin/runc': '../sbin/runc', loop: '/loop', 'usr/bin/up': '../../../../..' });

  it('keeps absolute link targets inside the root', async () => {
    expect(await resolveHostPath(root, '/sbin/runc')).toBe('/usr/sbin/runc');
    expect(await resolveHostPath(root, '/usr/bin/up/usr/bin/real')).toBe('/usr/bin/real'); // .. stops at the root
  });

  it('leaves the last component alone when asked, as an audit watch does', async () => {
    expect(await resolveHostPath(root, '/usr/bin/runc', false)).toBe('/usr/bin/runc');
    expect(await resolveHostPath(root, '/sbin/runc', false)).toBe('/usr/sbin/runc');
  });

  it('keeps what does not exist as written, and stops on a symlink loop', async () => {
    expect(await resolveHostPath(root, '/sbin/missing/x/')).toBe('/usr/sbin/missing/x');
    await expect(resolveHostPath(root, '/loop/x')).rejects.toThrow('too many levels of symbolic links');
  });

  it('tells files from directories, following links', async () => {
    expect(await hostPathType(root, '/sbin')).toBe('directory');
    expect(await hostPathType(root, '/usr/bin/runc')).toBe('file');
    expect(await hostPathType(root, '/nothing')).toBeUndefined();
    expect(await hostPathType(root, '/loop/x')).toBeUndefined();
  });
});
