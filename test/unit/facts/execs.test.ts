// The exec audit over a session recorded from Engine 20.10 by scripts/record-exec-fixtures.sh:
// two containers (fixture-rec-exec-root with no USER; fixture-rec-exec-user with --user
// 1000:1000 and a 1 s healthcheck), six `docker exec` runs, three healthcheck probes, then
// `docker rm -f` of both.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { EngineEvent } from '../../../src/readers/engine';
import type { ContainerInspect, ExecInspect } from '../../../src/readers/engine-types';
import { healthcheckCommand } from '../../../src/facts/execs';
import { ENGINE_FIXTURES } from '../../helpers/fixtures';
import { collection, execSetup, replay } from '../../helpers/exec-replay';

const load = <T>(name: string): T => JSON.parse(fs.readFileSync(path.join(ENGINE_FIXTURES, name), 'utf8')) as T;
const EVENTS = load<EngineEvent[]>('recorded-exec-events.json');
const EXEC_INSPECTS = load<Record<string, ExecInspect>>('recorded-exec-inspects.json');
const CONTAINERS = load<ContainerInspect[]>('recorded-exec-containers.json');
const ROOT = CONTAINERS.find((c) => c.Name === '/fixture-rec-exec-root')!;
const USER = CONTAINERS.find((c) => c.Name === '/fixture-rec-exec-user')!;
/** Events up to the `docker rm -f` (kill, die, destroy follow). */
const BEFORE_REMOVAL = EVENTS.slice(0, EVENTS.findIndex((e) => e.Action === 'kill'));

// Fake timers: the stream's reconnect backoff (1 s first) is a setTimeout, so the tests
// move the clock instead of sleeping (nextTick, queueMicrotask and setImmediate stay real).
beforeEach(() => jest.useFakeTimers({ doNotFake: ['nextTick', 'queueMicrotask', 'setImmediate'] }));
afterEach(() => jest.useRealTimers());


const setup = () => execSetup(CONTAINERS, EXEC_INSPECTS);


describe('healthcheckCommand', () => {
  it.each([
    [['CMD-SHELL', 'curl -f http://localhost/'], '/bin/sh -c curl -f http://localhost/'],
    [['CMD', 'true'], 'true'],
    [['CMD', '/healthcheck', '--quick'], '/healthcheck --quick'],
    [['NONE'], undefined],
    [[], undefined],
    [null, undefined],
  ])('%j is logged as %j', (test, expected) => {
    expect(healthcheckCommand(test)).toBe(expected);
  });
});

describe('ExecAudit over the recorded session', () => {
  it('attributes each docker exec once, per container, privileged and as root, and leaves healthcheck probes out', async () => {
    const { engine, sources } = setup();
    await replay(engine, sources, BEFORE_REMOVAL);
    const facts = await sources.execs!.read(collection());
    expect(facts.byContainer.get(ROOT.Id)).toEqual({ id: ROOT.Id, name: 'fixture-rec-exec-root', image: 'docker-audit-test/busybox:local', execs: 4, privileged: 1, asRoot: 3 });
    expect(facts.byContainer.get(USER.Id)).toEqual({ id: USER.Id, name: 'fixture-rec-exec-user', image: 'docker-audit-test/busybox:local', execs: 2, privileged: 0, asRoot: 1 });
    expect(facts.totals).toEqual({ execs: 6, privileged: 1, asRoot: 4 });
    expect(facts.healthcheckProbes).toBe(3);
    expect(facts.inspectFailures).toBe(0);
    // Each exec inspected once although its create and start are both events; each container once.
    expect(engine.execInspectCalls).toBe(9);
    await sources.close();
  });

  it('inspects nothing while no consumer has read it, even with the stream up for the container inventory', async () => {
    const { engine, sources } = setup();
    sources.events!.start();
    await new Promise((r) => setImmediate(r));
    for (const e of BEFORE_REMOVAL) engine.stream!.onEvent(e);
    await sources.execs!.settled();
    expect(engine.execInspectCalls).toBe(0);
    await sources.close();
  });

  it('drops a destroyed container\'s attribution but keeps the totals', async () => {
    const { engine, sources } = setup();
    await replay(engine, sources, EVENTS);
    const facts = await sources.execs!.read(collection());
    expect(facts.byContainer.size).toBe(0);
    expect(facts.totals).toEqual({ execs: 6, privileged: 1, asRoot: 4 });
    await sources.close();
  });

  it('counts an exec whose inspect is gone as an inspect failure, still as an exec, never as privileged or root', async () => {
    const { engine, sources } = setup();
    engine.execInspects.clear();
    const userExecs = BEFORE_REMOVAL.filter((e) => e.Actor?.ID === ROOT.Id);
    await replay(engine, sources, userExecs);
    const facts = await sources.execs!.read(collection());
    expect(facts.byContainer.get(ROOT.Id)).toMatchObject({ execs: 4, privileged: 0, asRoot: 0 });
    expect(facts.inspectFailures).toBe(4);
    await sources.close();
  });

  it('counts an exec seen only by its exec_start (the stream opened in between), and one without an exec id as a failure', async () => {
    const { engine, sources } = setup();
    const starts = BEFORE_REMOVAL.filter((e) => e.Actor?.ID === ROOT.Id && e.Action?.startsWith('exec_start'));
    const noId: EngineEvent = { Type: 'container', Action: 'exec_create: id', Actor: { ID: ROOT.Id, Attributes: { name: 'fixture-rec-exec-root' } } };
    await replay(engine, sources, [...starts, noId, { ...noId, Action: 'exec_start: id' }]);
    const facts = await sources.execs!.read(collection());
    expect(facts.byContainer.get(ROOT.Id)).toMatchObject({ execs: 5, privileged: 1, asRoot: 3 });
    expect(facts.inspectFailures).toBe(1);
    await sources.close();
  });

  it('reads the container\'s user when the exec sets none, and counts a failure when that cannot be read', async () => {
    const { engine, sources } = setup();
    const defaultUser = BEFORE_REMOVAL.find((e) => e.Action === 'exec_create: sh -c id')!;
    const explicitRoot = BEFORE_REMOVAL.find((e) => EXEC_INSPECTS[e.Actor?.Attributes?.execID ?? '']?.ProcessConfig?.user === '0')!;
    engine.inspects.delete(ROOT.Id); // the container is gone by the time the exec is read
    await replay(engine, sources, [defaultUser, explicitRoot]);
    const facts = await sources.execs!.read(collection());
    expect(facts.totals).toEqual({ execs: 2, privileged: 0, asRoot: 1 });
    expect(facts.inspectFailures).toBe(1);
    await sources.close();
  });

  it('does not take a privileged or other-user run of the healthcheck command for a probe', async () => {
    const { engine, sources } = setup();
    const probe = BEFORE_REMOVAL.find((e) => e.Action === 'exec_create: /bin/sh -c true')!;
    const asProbe = (execId: string, processConfig: ExecInspect['ProcessConfig']): EngineEvent => {
      engine.execInspects.set(execId, { ID: execId, ContainerID: USER.Id, ProcessConfig: processConfig });
      return { ...probe, Actor: { ID: USER.Id, Attributes: { ...probe.Actor!.Attributes, execID: execId } } };
    };
    await replay(engine, sources, [
      asProbe('e1', { entrypoint: '/bin/sh', arguments: ['-c', 'true'], privileged: true, user: '1000:1000' }),
      asProbe('e2', { entrypoint: '/bin/sh', arguments: ['-c', 'true'], privileged: false, user: 'root' }),
      asProbe('e3', { entrypoint: '/bin/sh', arguments: ['-c', 'true'], privileged: false, user: '1000:1000' }),
    ]);
    const facts = await sources.execs!.read(collection());
    expect(facts.byContainer.get(USER.Id)).toMatchObject({ execs: 2, privileged: 1, asRoot: 1 });
    expect(facts.healthcheckProbes).toBe(1);
    await sources.close();
  });

  it('after a reconnect, drops the containers destroyed while the stream was down', async () => {
    const { engine, sources } = setup();
    engine.list = CONTAINERS.map((c) => ({ Id: c.Id, Names: [c.Name!], State: 'running', Status: 'Up 5 seconds' }));
    await replay(engine, sources, BEFORE_REMOVAL);
    expect((await sources.execs!.read(collection())).byContainer.size).toBe(2);
    engine.stream!.fail(new Error('connection reset'));
    // fixture-rec-exec-root is removed while nobody listens: its destroy event is never seen.
    engine.list = engine.list.filter((c) => c.Id !== ROOT.Id);
    engine.inspects.delete(ROOT.Id);
    await jest.advanceTimersByTimeAsync(999);
    expect(sources.events!.reconnects).toBe(0);
    await jest.advanceTimersByTimeAsync(1); // the first reconnect comes after 1 s
    expect(sources.events!.reconnects).toBe(1);
    const facts = await sources.execs!.read(collection());
    expect([...facts.byContainer.keys()]).toEqual([USER.Id]);
    await sources.close();
  });

  it('reports a failed resync and tries again at the next read', async () => {
    const { engine, sources } = setup();
    await replay(engine, sources, BEFORE_REMOVAL);
    engine.stream!.fail(new Error('connection reset'));
    await jest.advanceTimersByTimeAsync(1000); // the first reconnect
    expect(sources.events!.reconnects).toBe(1);
    const listing = engine.listContainers.bind(engine);
    engine.listContainers = async () => {
      throw new Error('listing containers failed: no answer within 1000 ms');
    };
    const failed = await sources.execs!.read(collection());
    expect(failed.resyncError?.message).toMatch(/destroyed while the event stream was down/);
    engine.listContainers = listing;
    const retried = await sources.execs!.read(collection());
    expect(retried.resyncError).toBeUndefined();
    await sources.close();
  });
});
