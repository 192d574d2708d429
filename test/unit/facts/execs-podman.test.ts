// The exec audit over a session recorded from Podman 4.3's compat /events stream by
// scripts/record-podman-exec-fixtures.sh: one container (fixture-rec-podman-exec, no USER),
// four `podman exec` runs (plain, -u 0, -u nobody, --privileged), then `podman rm -f`.
// Podman says "exec" (once per run, with no execID) where dockerd says exec_create and
// exec_start, and "remove" where dockerd says destroy.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { EngineEvent } from '../../../src/readers/engine';
import type { ContainerInspect } from '../../../src/readers/engine-types';
import { PODMAN_FIXTURES } from '../../helpers/fixtures';
import { collection, execSetup, replay } from '../../helpers/exec-replay';

const load = <T>(name: string): T => JSON.parse(fs.readFileSync(path.join(PODMAN_FIXTURES, name), 'utf8')) as T;
const EVENTS = load<EngineEvent[]>('recorded-exec-events.json');
const [CONTAINER] = load<ContainerInspect[]>('recorded-exec-containers.json');
const BEFORE_REMOVAL = EVENTS.slice(0, EVENTS.findIndex((e) => e.Action === 'remove'));

beforeEach(() => jest.useFakeTimers({ doNotFake: ['nextTick', 'queueMicrotask', 'setImmediate'] }));
afterEach(() => jest.useRealTimers());


const setup = () => execSetup([CONTAINER]);


describe('ExecAudit over a recorded Podman 4.3 session', () => {
  it('is a recording of what it says: four "exec" events without an execID, and a remove, no destroy', () => {
    expect(EVENTS.filter((e) => e.Action === 'exec')).toHaveLength(4);
    expect(EVENTS.some((e) => e.Actor?.Attributes?.execID)).toBe(false);
    expect(EVENTS.map((e) => e.Action).filter((a) => a === 'remove' || a === 'destroy')).toEqual(['remove']);
  });

  it('counts each podman exec once, as an exec whose privileges cannot be read', async () => {
    const { engine, sources } = setup();
    await replay(engine, sources, BEFORE_REMOVAL);
    const facts = await sources.execs!.read(collection());
    expect(facts.byContainer.get(CONTAINER.Id)).toEqual({ id: CONTAINER.Id, name: 'fixture-rec-podman-exec', image: 'localhost/docker-audit-test/busybox:local', execs: 4, privileged: 0, asRoot: 0 });
    expect(facts.totals).toEqual({ execs: 4, privileged: 0, asRoot: 0 });
    expect(facts.inspectFailures).toBe(4);
    expect(engine.execInspectCalls).toBe(0);
    await sources.close();
  });

  it("drops the container's attribution at Podman's remove, keeping the totals", async () => {
    const { engine, sources } = setup();
    await replay(engine, sources, EVENTS);
    const facts = await sources.execs!.read(collection());
    expect(facts.byContainer.size).toBe(0);
    expect(facts.totals).toEqual({ execs: 4, privileged: 0, asRoot: 0 });
    await sources.close();
  });
});
