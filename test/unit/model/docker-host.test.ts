import { discoverDockerHost, rootlessSocket } from '../../../src/model/docker-host';

const sockets = (...present: string[]) => (p: string) => present.includes(p);

describe('discoverDockerHost', () => {
  const userEnv = { XDG_RUNTIME_DIR: '/run/user/999' };

  it('takes --docker.host first, then DOCKER_HOST', () => {
    const isSocket = sockets('/run/user/999/docker.sock');
    expect(discoverDockerHost({ flag: 'tcp://10.0.0.1:2375', env: { ...userEnv, DOCKER_HOST: 'unix:///srv/d.sock' }, uid: 999, isSocket })).toEqual({ host: 'tcp://10.0.0.1:2375', source: 'flag' });
    expect(discoverDockerHost({ env: { ...userEnv, DOCKER_HOST: 'unix:///srv/d.sock' }, uid: 999, isSocket })).toEqual({ host: 'unix:///srv/d.sock', source: 'DOCKER_HOST' });
    expect(discoverDockerHost({ flag: '', env: { ...userEnv, DOCKER_HOST: '' }, uid: 999, isSocket })).toEqual({ host: 'unix:///run/user/999/docker.sock', source: 'XDG_RUNTIME_DIR' });
  });

  it('takes the rootless socket of a non-root user only when it exists', () => {
    expect(discoverDockerHost({ env: userEnv, uid: 999, isSocket: sockets('/run/user/999/docker.sock') })).toEqual({ host: 'unix:///run/user/999/docker.sock', source: 'XDG_RUNTIME_DIR' });
    expect(discoverDockerHost({ env: userEnv, uid: 999, isSocket: sockets() })).toEqual({ host: 'unix:///var/run/docker.sock', source: 'default' });
    expect(discoverDockerHost({ env: {}, uid: 999, isSocket: () => true })).toEqual({ host: 'unix:///var/run/docker.sock', source: 'default' });
  });

  it('never takes it as root, nor from a relative XDG_RUNTIME_DIR', () => {
    const asked: string[] = [];
    const isSocket = (p: string) => (asked.push(p), true);
    expect(discoverDockerHost({ env: { XDG_RUNTIME_DIR: '/run/user/0' }, uid: 0, isSocket }).source).toBe('default');
    expect(discoverDockerHost({ env: { XDG_RUNTIME_DIR: 'run/user/999' }, uid: 999, isSocket }).source).toBe('default');
    expect(asked).toEqual([]);
  });

  it('names the socket as dockerd does', () => {
    expect(rootlessSocket('/run/user/1000/')).toBe('/run/user/1000/docker.sock');
  });
});
