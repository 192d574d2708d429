// Collector "events": what the engine's event stream says happened, counted since the
// exporter started following it. The stream is the one shared subscription of
// src/facts/events.ts; exec privileges come from src/facts/execs.ts, which the cis
// collector reads too.
//
// In --once mode there is no stream: the collector emits nothing and succeeds, so a
// one-shot run (a CI step) is never failed by a stream it cannot have.
import type { EngineEvent } from '../readers/engine';
import { METRICS } from '../metrics/catalog';
import { sample } from '../metrics/sample';
import { eventAction } from '../facts/events';
import type { Collector, CollectorDeps } from './collector';

/** The object types the Engine API documents for /events; anything else is counted as "other". */
export const EVENT_TYPES = ['container', 'image', 'volume', 'network', 'daemon', 'plugin', 'service', 'node', 'secret', 'config', 'builder'] as const;
type EventType = (typeof EVENT_TYPES)[number];

const SWARM_ACTIONS = ['create', 'update', 'remove'];

/**
 * The actions the Engine API (v1.41 /events) and the docker events reference document per
 * type, so label values stay bounded. archive-path and extract-to-dir are added: the daemon
 * emits them for `docker cp` in place of the documented (and never emitted) copy.
 */
export const DOCUMENTED_ACTIONS: Readonly<Record<EventType, readonly string[]>> = {
  container: [
    'attach', 'commit', 'copy', 'create', 'destroy', 'detach', 'die', 'exec_create', 'exec_detach', 'exec_start', 'exec_die', 'export',
    'health_status', 'kill', 'oom', 'pause', 'rename', 'resize', 'restart', 'start', 'stop', 'top', 'unpause', 'update', 'prune',
    'archive-path', 'extract-to-dir',
  ],
  image: ['delete', 'import', 'load', 'pull', 'push', 'save', 'tag', 'untag', 'prune'],
  volume: ['create', 'mount', 'unmount', 'destroy', 'prune'],
  network: ['create', 'connect', 'disconnect', 'destroy', 'update', 'remove', 'prune'],
  daemon: ['reload'],
  plugin: ['enable', 'disable', 'install', 'remove'],
  service: SWARM_ACTIONS,
  node: SWARM_ACTIONS,
  secret: SWARM_ACTIONS,
  config: SWARM_ACTIONS,
  builder: ['prune'],
};

/** The bounded labels of an event: a known type, and a documented action of that type without its arguments. */
export function eventLabels(event: EngineEvent): { type: string; action: string } {
  const type = (EVENT_TYPES as readonly string[]).includes(event.Type ?? '') ? (event.Type as EventType) : undefined;
  if (!type) return { type: 'other', action: 'other' };
  const action = eventAction(event);
  return { type, action: DOCUMENTED_ACTIONS[type].includes(action) ? action : 'other' };
}

export function createEventsCollector({ facts }: Pick<CollectorDeps, 'facts'>): Collector {
  const counts = new Map<string, { type: string; action: string; value: number }>();
  // Listening from creation, so nothing is missed between the stream's start and the first collection.
  const unsubscribe = facts.events?.subscribe({
    onEvent(event) {
      const labels = eventLabels(event);
      const key = JSON.stringify([labels.type, labels.action]);
      const entry = counts.get(key);
      if (entry) entry.value++;
      else counts.set(key, { ...labels, value: 1 });
    },
  });
  return {
    name: 'events',
    async collect(ctx) {
      const { events, execs } = facts;
      if (!events || !execs) {
        ctx.logger.debug('no engine event stream in --once mode; the events collector reports nothing');
        return;
      }
      events.start();
      const found = await execs.read(ctx);
      ctx.emit(sample(METRICS.engineEventsStreamUp, {}, events.up ? 1 : 0));
      ctx.emit(sample(METRICS.engineEventsReconnects, {}, events.reconnects));
      ctx.emit(sample(METRICS.engineEventsDroppedLines, {}, events.droppedLines));
      for (const { type, action, value } of counts.values()) ctx.emit(sample(METRICS.engineEvents, { type, action }, value));
      for (const c of found.byContainer.values()) ctx.emit(sample(METRICS.containerExec, { name: c.name, id: c.id.slice(0, 12), image: c.image }, c.execs));
      ctx.emit(sample(METRICS.execPrivileged, {}, found.totals.privileged));
      ctx.emit(sample(METRICS.execAsRoot, {}, found.totals.asRoot));
      ctx.emit(sample(METRICS.execInspectFailures, {}, found.inspectFailures));
      if (found.resyncError) throw found.resyncError;
    },
    async close() {
      unsubscribe?.();
    },
  };
}
