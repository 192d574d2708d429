// The exec audit fed a recorded event stream, for the unit tests of src/facts/execs.ts over
// dockerd's and Podman's recordings: the recorded engine with the recorded containers (and
// exec inspects), facts as the exporter builds them, and a replay that waits until every
// exec the events name is settled.
import { silentLogger } from '../../src/base/log';
import { createFacts, type Facts } from '../../src/facts';
import type { EngineEvent } from '../../src/readers/engine';
import type { ContainerInspect, ExecInspect } from '../../src/readers/engine-types';
import { testOptions } from './options';
import { RecordedEngine } from './recorded-engine';

let ref = 0;
/** A new collection, on the (possibly fake) clock. */
export const collection = () => ({ collection: ++ref, signal: new AbortController().signal, now: () => Date.now() });

export function execSetup(containers: readonly ContainerInspect[], execInspects?: Readonly<Record<string, ExecInspect>>): { engine: RecordedEngine; sources: Facts } {
  const engine = new RecordedEngine();
  for (const c of containers) engine.inspects.set(c.Id, c);
  if (execInspects) engine.execInspects = new Map(Object.entries(execInspects));
  const sources = createFacts(engine, silentLogger, testOptions([], { watchEvents: false }));
  return { engine, sources };
}

export async function replay(engine: RecordedEngine, sources: Facts, events: readonly EngineEvent[]): Promise<void> {
  await sources.execs!.read(collection()); // starts the stream
  for (const e of events) engine.stream!.onEvent(e);
  await sources.execs!.settled();
}
