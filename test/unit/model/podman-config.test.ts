// Podman's posture from containers.conf (the fixtures in test/fixtures/podman-4.3/containers-conf,
// Debian 12's own file among them) and from the /libpod/info recorded from the real Podman 4.3.1.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PODMAN_DEFAULT_CAPABILITIES } from '../../../src/model/capabilities';
import { mergeContainersConf, parseContainersConf, podmanPosture, podmanSocketOwnerOk, type ContainersConfSettings } from '../../../src/model/podman-config';
import type { LibpodInfo } from '../../../src/readers/engine-types';
import { PODMAN_FIXTURES } from '../../helpers/fixtures';

const CONF = path.join(PODMAN_FIXTURES, 'containers-conf');
const read = (file: string) => fs.readFileSync(path.join(CONF, file), 'utf8');
const settings = (text: string): ContainersConfSettings => {
  const parsed = parseContainersConf(text);
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.settings;
};
const LIBPOD_INFO = JSON.parse(fs.readFileSync(path.join(PODMAN_FIXTURES, 'recorded-libpod-info.json'), 'utf8')) as LibpodInfo;

describe('containers.conf', () => {
  it("reads Debian 12's file: its default capabilities, nothing else set", () => {
    expect(settings(read('usr-share-containers.conf'))).toEqual({ defaultCapabilities: [...PODMAN_DEFAULT_CAPABILITIES] });
  });

  it('reads the keys it knows and leaves the rest', () => {
    expect(settings(read('etc-containers.conf'))).toEqual({ logSizeMax: 10485760, logDriver: 'journald' });
    expect(settings(read('containers.conf.d/10-userns.conf'))).toEqual({ userns: 'auto' });
    expect(settings('')).toEqual({});
    expect(settings('[engine]\nruntime = "crun"\n')).toEqual({});
  });

  it.each([
    ['a key of the wrong type', read('containers.conf.d/50-invalid.conf'), 'containers.log_size_max: expected an integer'],
    ['capabilities that are not strings', '[containers]\ndefault_capabilities = [1, 2]\n', 'containers.default_capabilities: expected an array of strings'],
    ['a [containers] that is not a table', 'containers = 3\n', '[containers] is not a table'],
  ])('refuses %s', (_what, text, error) => {
    expect(parseContainersConf(text)).toEqual({ ok: false, error });
  });

  it.each(['[containers', 'userns = "a\n', '[containers]\nuserns = "a"\nuserns = "b"\n', '\u0000\u00ff'])('refuses text that is not TOML without throwing: %j', (text) => {
    const parsed = parseContainersConf(text);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.error.length).toBeGreaterThan(0);
  });

  it('lets a later file replace an earlier one key by key', () => {
    expect(mergeContainersConf([{ userns: 'auto', logSizeMax: 1 }, { logSizeMax: 2 }, {}])).toEqual({ userns: 'auto', logSizeMax: 2 });
  });
});

describe("Podman's posture", () => {
  it('takes capabilities, seccomp, AppArmor, SELinux and the log driver from /libpod/info', () => {
    const p = podmanPosture(LIBPOD_INFO, { logDriver: 'journald', defaultCapabilities: ['SYS_ADMIN'] });
    expect(p).toMatchObject({ capabilitiesSource: 'info', seccompEnabled: true, apparmorEnabled: false, selinuxEnabled: false, logDriver: 'k8s-file', runtime: 'runc', cgroupManager: 'cgroupfs' });
    expect(p.defaultCapabilities).toEqual([...PODMAN_DEFAULT_CAPABILITIES].sort());
  });

  it('falls back to containers.conf, then to Podman\'s built-in defaults, when /libpod/info is unread', () => {
    expect(podmanPosture(undefined, { defaultCapabilities: ['cap_net_raw', 'CHOWN'] })).toMatchObject({ capabilitiesSource: 'config', defaultCapabilities: ['CHOWN', 'NET_RAW'], seccompEnabled: undefined, apparmorEnabled: undefined, logDriver: 'k8s-file' });
    expect(podmanPosture(undefined, {})).toMatchObject({ capabilitiesSource: 'default', defaultCapabilities: [...PODMAN_DEFAULT_CAPABILITIES].sort() });
  });

  it('turns seccomp off for an "unconfined" default profile, from either source', () => {
    expect(podmanPosture(undefined, { seccompProfile: 'unconfined' }).seccompEnabled).toBe(false);
    expect(podmanPosture(LIBPOD_INFO, { seccompProfile: 'unconfined' }).seccompEnabled).toBe(false);
    expect(podmanPosture(undefined, { seccompProfile: '/usr/share/containers/seccomp.json' }).seccompEnabled).toBe(true);
  });

  it.each([
    [{}, false],
    [{ userns: 'host' }, false],
    [{ userns: ' ' }, false],
    [{ userns: 'auto' }, true],
    [{ userns: 'keep-id' }, true],
  ])('userns %j -> enabled %s', (conf, enabled) => {
    expect(podmanPosture(LIBPOD_INFO, conf).usernsEnabled).toBe(enabled);
  });

  it.each([
    [{}, -1, false],
    [{ logSizeMax: -1 }, -1, false],
    [{ logSizeMax: 0 }, -1, false],
    [{ logSizeMax: 1048576 }, 1048576, true],
  ])('log_size_max %j -> %d bytes, rotation %s (k8s-file)', (conf, bytes, rotation) => {
    const p = podmanPosture(LIBPOD_INFO, conf);
    expect([p.logSizeMaxBytes, p.logRotationConfigured]).toEqual([bytes, rotation]);
  });

  it('does not count journald as rotation configured: its limits are journald\'s own', () => {
    const journald = { ...LIBPOD_INFO, host: { ...LIBPOD_INFO.host, logDriver: 'journald' } };
    expect(podmanPosture(journald, { logSizeMax: 1048576 }).logRotationConfigured).toBe(false);
  });

  it('wants the socket owned by root:root when rootful, and by its user when rootless', () => {
    expect(podmanSocketOwnerOk({ uid: 0, gid: 0 }, false)).toBe(true);
    expect(podmanSocketOwnerOk({ uid: 0, gid: 1000 }, false)).toBe(false);
    expect(podmanSocketOwnerOk({ uid: 1000, gid: 1000 }, false)).toBe(false);
    expect(podmanSocketOwnerOk({ uid: 1000, gid: 1000 }, true)).toBe(true);
    expect(podmanSocketOwnerOk({ uid: 0, gid: 0 }, true)).toBe(false);
  });
});
