// The process table as /proc showed it on this project's CI host with scripts/provision-rootless.sh
// run: root's dockerd and dockerd-rootless.sh's (uid 999, under rootlesskit), both argv ["dockerd"].
import { dockerdIsRootless, dockerdPaths, pickDockerd, type DockerdProcess } from '../../../src/model/dockerd-process';

const rootful: DockerdProcess = { pid: 10528, argv: ['dockerd'], uid: 0, gid: 0, env: { HOME: '/root' } };
const rootless: DockerdProcess = {
  pid: 13238,
  argv: ['dockerd'],
  uid: 999,
  gid: 995,
  env: { HOME: '/var/lib/dae-rootless', XDG_RUNTIME_DIR: '/run/user/999', ROOTLESSKIT_STATE_DIR: '/tmp/rootlesskit2349893210' },
};
const table = [rootful, rootless];

describe('pickDockerd with a rootful and a rootless dockerd', () => {
  it('picks the one whose default socket is the endpoint', () => {
    expect(pickDockerd(table, 'unix:///run/user/999/docker.sock')?.pid).toBe(13238);
    expect(pickDockerd(table, 'unix:///var/run/docker.sock')?.pid).toBe(10528);
    expect(pickDockerd(table, 'unix:///run/docker.sock')?.pid).toBe(10528);
    expect(pickDockerd([rootless, { ...rootful, pid: 20000 }], 'unix:///elsewhere.sock')?.pid).toBe(20000); // none serves it: root's
  });

  it('matches a rootless -H too, and a rootless dockerd whose environment is unreadable serves nothing', () => {
    const withHost = { ...rootless, argv: ['dockerd', '-H', 'unix:///run/user/999/other.sock'] };
    expect(pickDockerd([rootful, withHost], 'unix:///run/user/999/other.sock')?.pid).toBe(13238);
    expect(pickDockerd([rootful, { ...rootless, env: undefined }], 'unix:///run/user/999/docker.sock')?.pid).toBe(10528);
  });
});

describe('dockerdIsRootless and dockerdPaths', () => {
  it('tells them apart by uid, rootlesskit and --rootless', () => {
    expect(dockerdIsRootless(rootful)).toBe(false);
    expect(dockerdIsRootless(rootless)).toBe(true);
    expect(dockerdIsRootless({ pid: 1, argv: ['dockerd'], env: { ROOTLESSKIT_STATE_DIR: '/tmp/x' } })).toBe(true);
    expect(dockerdIsRootless({ ...rootless, argv: ['dockerd', '--rootless=false'] })).toBe(false);
    expect(dockerdIsRootless({ pid: 1, argv: ['dockerd'] })).toBe(false);
  });

  it("gives a rootless dockerd its user's paths, as dockerd computes them", () => {
    expect(dockerdPaths(rootless)).toEqual({
      rootless: true,
      socket: '/run/user/999/docker.sock',
      execRoot: '/run/user/999/docker',
      configFile: '/var/lib/dae-rootless/.config/docker/daemon.json',
      configDir: '/var/lib/dae-rootless/.config/docker',
      certsDir: '/var/lib/dae-rootless/.config/docker/certs.d',
      tlsDir: '/var/lib/dae-rootless/.docker',
      userUnitDir: '/var/lib/dae-rootless/.config/systemd/user',
      uid: 999,
      gid: 995,
    });
    expect(dockerdPaths({ ...rootless, env: { ...rootless.env, XDG_CONFIG_HOME: '/srv/cfg' } })?.configFile).toBe('/srv/cfg/docker/daemon.json');
    expect(dockerdPaths(rootful)?.configFile).toBe('/etc/docker/daemon.json');
    expect(dockerdPaths({ ...rootless, env: { HOME: '/h' } })).toBeUndefined();
  });
});
