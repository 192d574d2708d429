import * as fs from 'node:fs';
import * as path from 'node:path';
import { engineIdentity, engineKind, isRootless } from '../../../src/model/engine-kind';
import type { EngineInfo, EngineVersion } from '../../../src/readers/engine-types';
import { ENGINE_FIXTURES, PODMAN_FIXTURES } from '../../helpers/fixtures';

const read = <T>(dir: string, file: string): T => JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as T;
const dockerVersion = read<EngineVersion>(ENGINE_FIXTURES, 'recorded-version.json');
const dockerInfo = read<EngineInfo>(ENGINE_FIXTURES, 'recorded-info.json');
const podmanVersion = read<EngineVersion>(PODMAN_FIXTURES, 'recorded-version.json');
const podmanInfo = read<EngineInfo>(PODMAN_FIXTURES, 'recorded-info.json');

describe('engineKind', () => {
  it('tells dockerd (component "Engine") from Podman (component "Podman Engine") in their recorded /version', () => {
    expect(engineKind(dockerVersion)).toBe('docker');
    expect(engineKind(podmanVersion)).toBe('podman');
  });

  it('takes an answer without components, or with broken ones, as dockerd: older engines send none', () => {
    expect(engineKind({})).toBe('docker');
    expect(engineKind({ Components: null })).toBe('docker');
    expect(engineKind({ Components: [null as never, { Version: '1' }] })).toBe('docker');
  });
});

describe('isRootless', () => {
  it('is false for the recorded rootful dockerd and Podman', () => {
    expect(isRootless(dockerInfo)).toBe(false);
    expect(isRootless(podmanInfo)).toBe(false);
  });

  it('is true when SecurityOptions lists name=rootless (the recorded dockerd /info with the option a rootless dockerd adds)', () => {
    const rootless = { ...dockerInfo, SecurityOptions: [...(dockerInfo.SecurityOptions ?? []), 'name=rootless'] };
    expect(isRootless(rootless)).toBe(true);
    expect(engineIdentity(dockerVersion, rootless)).toEqual({ kind: 'docker', rootless: true });
  });

  it('does not take a profile that only contains the word for the option', () => {
    expect(isRootless({ SecurityOptions: ['name=seccomp,profile=/etc/name=rootless.json'] })).toBe(false);
    expect(isRootless({ SecurityOptions: null })).toBe(false);
    expect(isRootless({})).toBe(false);
  });
});
