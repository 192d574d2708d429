// What the inspect cache keeps of an inspect: everything a rule reads, so every posture is the
// same as from the full inspect (JSON recorded from Engine 20.10 and Podman 4.3.1), and none
// of the environment, command or healthcheck output.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { containerPosture } from '../../../src/model/posture';
import { retainedInspect } from '../../../src/model/retained-inspect';
import type { ContainerInspect } from '../../../src/readers/engine-types';
import { PODMAN_FIXTURES, RECORDED_CONTAINERS, recordedInspect } from '../../helpers/fixtures';
import { POSTURE_OPTIONS } from '../cis/facts';

const podman = ['default', 'cap-add', 'cap-drop-all'].map((n) => JSON.parse(fs.readFileSync(path.join(PODMAN_FIXTURES, `recorded-${n}.inspect.json`), 'utf8')) as ContainerInspect);
const ALL: [string, ContainerInspect][] = [...RECORDED_CONTAINERS.map((n) => [`engine-20.10 ${n}`, recordedInspect(n)] as [string, ContainerInspect]), ...podman.map((i) => [`podman-4.3 ${i.Name}`, i] as [string, ContainerInspect])];

describe('the retained inspect', () => {
  it.each(ALL)('gives the same posture as the full inspect: %s', (_name, inspect) => {
    expect(containerPosture(retainedInspect(inspect), POSTURE_OPTIONS)).toEqual(containerPosture(inspect, POSTURE_OPTIONS));
  });

  it('keeps no environment, command or healthcheck output, and leaves the full inspect as it was', () => {
    const full = recordedInspect('unhealthy') as ContainerInspect & { Config: Record<string, unknown>; State: { Health: Record<string, unknown> } };
    expect(full.Config.Env).toBeDefined();
    expect(full.State.Health.Log).toBeDefined();
    const before = JSON.stringify(full);
    const kept = JSON.stringify(retainedInspect(full));
    expect(JSON.stringify(full)).toBe(before);
    expect(kept).not.toMatch(/"Env"|"Cmd"|"Log"|"GraphDriver"|"Entrypoint"/);
    expect(kept.length).toBeLessThan(before.length * 0.8);
  });
});
