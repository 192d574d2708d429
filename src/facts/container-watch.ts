// Follows the engine's container events (on the shared stream, src/sources/events.ts) so
// the container inventory can tell, without asking the engine, whether anything changed
// since its last list. Every container change Docker makes (create, start, die, restart,
// health_status, update, rename, destroy, ...) is an event; while the stream is up and
// quiet, the last list is still true.
import type { EngineEvent } from '../readers/engine';
import { eventAction, type EngineEventStream } from './events';

/** Actions that leave a container's inspect as it was. */
const NO_CHANGE_ACTIONS = ['exec_create', 'exec_start', 'exec_die', 'exec_detach', 'attach', 'detach', 'top', 'resize', 'archive-path', 'extract-to-dir', 'copy', 'export', 'commit'];

/**
 * The container whose inspect the event changes, if any: a container event other than an
 * exec, attach or copy, or a network (dis)connect, which changes the container's networks.
 */
export function changedContainerId(event: EngineEvent): string | undefined {
  if (event.Type === 'network') {
    const action = eventAction(event);
    return action === 'connect' || action === 'disconnect' ? event.Actor?.Attributes?.container || undefined : undefined;
  }
  if (event.Type !== undefined && event.Type !== 'container') return undefined;
  if (NO_CHANGE_ACTIONS.includes(eventAction(event))) return undefined;
  return event.Actor?.ID || event.id || undefined;
}

export class ContainerWatcher {
  /** Bumped on every change and on every open or break of the stream. */
  private generation = 0;
  private connected = false;
  private readonly changed = new Set<string>();
  private readonly unsubscribe: () => void;

  constructor(private readonly stream: EngineEventStream) {
    this.connected = stream.up;
    this.unsubscribe = stream.subscribe({
      onOpen: () => {
        // After a reopen the inventory lists again: the daemon replays only its last 256 events.
        this.connected = true;
        this.generation++;
      },
      onClose: () => {
        this.connected = false;
        this.generation++;
      },
      onEvent: (event) => {
        const id = changedContainerId(event);
        if (id === undefined) return;
        this.generation++;
        this.changed.add(id);
      },
    });
  }

  /**
   * A token for "nothing changed": two equal tokens mean the stream was up in between and
   * carried no change. Undefined while the stream is down, when nothing can be known.
   */
  token(): number | undefined {
    return this.connected ? this.generation : undefined;
  }

  /** The ids of containers changed since the last call. */
  drainChanged(): string[] {
    const ids = [...this.changed];
    this.changed.clear();
    return ids;
  }

  /** Starts the shared stream (idempotent). */
  start(): void {
    this.stream.start();
  }

  /** Drops the shared stream and subscribes again: after an outage, the old stream is not trusted. */
  restart(): Promise<void> {
    return this.stream.restart();
  }

  /** Stops listening; the stream itself is closed by whoever created it. */
  async close(): Promise<void> {
    this.unsubscribe();
    this.connected = false;
  }
}
