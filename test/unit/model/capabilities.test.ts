// Capabilities beyond the engine's default set, from CapAdd and CapDrop as each engine's
// Docker-compatible inspect states them: dockerd's recorded answers (test/fixtures/engine-20.10)
// and Podman 4.3.1's (test/fixtures/podman-4.3, podman #16610).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { capabilitiesBeyondDefault, capabilitySet, DOCKER_DEFAULT_CAPABILITIES, normaliseCapability, PODMAN_DEFAULT_CAPABILITIES } from '../../../src/model/capabilities';
import type { ContainerInspect, LibpodInfo } from '../../../src/readers/engine-types';
import { PODMAN_FIXTURES, recordedInspect } from '../../helpers/fixtures';

const podmanInspect = (name: string) => JSON.parse(fs.readFileSync(path.join(PODMAN_FIXTURES, `recorded-${name}.inspect.json`), 'utf8')) as ContainerInspect;
const beyond = (i: ContainerInspect, defaults: ReadonlySet<string>) => capabilitiesBeyondDefault(i.HostConfig?.CapAdd, i.HostConfig?.CapDrop, defaults);

describe('capabilities beyond the engine default set', () => {
  it('on Podman: a default container has none, although its CapDrop lists AUDIT_WRITE, MKNOD and NET_RAW', () => {
    const i = podmanInspect('default');
    expect(i.HostConfig?.CapDrop).toEqual(['AUDIT_WRITE', 'MKNOD', 'NET_RAW']);
    expect(beyond(i, PODMAN_DEFAULT_CAPABILITIES)).toEqual([]);
  });

  it('on Podman: --cap-add NET_RAW --cap-add SYS_ADMIN gives both, though CapAdd states only SYS_ADMIN', () => {
    const i = podmanInspect('cap-add');
    expect(i.HostConfig?.CapAdd).toEqual(['SYS_ADMIN']);
    expect(beyond(i, PODMAN_DEFAULT_CAPABILITIES)).toEqual(['NET_RAW', 'SYS_ADMIN']);
    // Judged against Docker's set instead, NET_RAW would be missed: the engine's own set matters.
    expect(beyond(i, DOCKER_DEFAULT_CAPABILITIES)).toEqual(['SYS_ADMIN']);
  });

  it('on Podman: --cap-drop ALL --cap-add CHOWN has nothing beyond the default', () => {
    expect(beyond(podmanInspect('cap-drop-all'), PODMAN_DEFAULT_CAPABILITIES)).toEqual([]);
  });

  it("Podman's recorded /libpod/info lists the built-in default set", () => {
    const info = JSON.parse(fs.readFileSync(path.join(PODMAN_FIXTURES, 'recorded-libpod-info.json'), 'utf8')) as LibpodInfo;
    expect([...capabilitySet(info.host!.security!.capabilities!)].sort()).toEqual([...PODMAN_DEFAULT_CAPABILITIES].sort());
  });

  it("on dockerd: the recorded caps container's adds, normalised and sorted", () => {
    const i = recordedInspect('caps');
    expect(beyond(i, DOCKER_DEFAULT_CAPABILITIES).length).toBeGreaterThan(0);
    expect(beyond(i, DOCKER_DEFAULT_CAPABILITIES)).toEqual([...new Set((i.HostConfig!.CapAdd ?? []).map(normaliseCapability))].filter((c) => !DOCKER_DEFAULT_CAPABILITIES.has(c)).sort());
  });

  it.each([
    [['CHOWN'], [], []],
    [['cap_sys_admin', 'SYS_ADMIN'], [], ['SYS_ADMIN']],
    [['ALL'], ['NET_RAW'], ['ALL']],
    [['NET_ADMIN'], ['ALL'], ['NET_ADMIN']],
    [null, null, []],
    [[' '], undefined, []],
  ])('dockerd rules: add %j, drop %j -> %j', (add, drop, expected) => {
    expect(capabilitiesBeyondDefault(add, drop, DOCKER_DEFAULT_CAPABILITIES)).toEqual(expected);
  });

  it('reads "CAP_CHOWN,CAP_KILL" and lists alike', () => {
    expect([...capabilitySet('CAP_CHOWN, cap_kill,,')]).toEqual(['CHOWN', 'KILL']);
    expect([...capabilitySet(['NET_RAW'])]).toEqual(['NET_RAW']);
  });
});
