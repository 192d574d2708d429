// Follows the engine's container events so the containers collector can tell, without
// asking the engine, whether anything changed since its last list. Every container change
// Docker makes (create, start, die, restart, health_status, update, rename, destroy, ...)
// is an event; while the stream is up and quiet, the last list is still true.
import { describeError, type Logger } from '../log';
import type { DockerEngine, EngineEvent } from '../docker/engine';

/** Actions that leave a container's inspect as it was. */
const NO_CHANGE_ACTIONS = ['exec_create', 'exec_start', 'exec_die', 'exec_detach', 'attach', 'detach', 'top', 'resize', 'archive-path', 'extract-to-dir', 'copy', 'export', 'commit'];

export function eventChangesContainer(event: EngineEvent): boolean {
  const action = (event.Action ?? '').split(':')[0].trim();
  return !NO_CHANGE_ACTIONS.includes(action);
}

export interface WatcherOptions {
  /** First reconnect delay; doubled per failure up to maxBackoffMs. */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
}

export class ContainerWatcher {
  /** Bumped on every change and on every connect or disconnect. */
  private generation = 0;
  private connected = false;
  private readonly changed = new Set<string>();
  private controller: AbortController | undefined;
  private running: Promise<void> | undefined;
  private closed = false;
  private readonly initialBackoffMs: number;
  private readonly maxBackoffMs: number;

  constructor(
    private readonly engine: DockerEngine,
    private readonly logger: Logger,
    options: WatcherOptions = {},
  ) {
    this.initialBackoffMs = options.initialBackoffMs ?? 1000;
    this.maxBackoffMs = options.maxBackoffMs ?? 30_000;
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

  start(): void {
    if (this.running || this.closed) return;
    const controller = new AbortController();
    this.controller = controller;
    this.running = this.loop(controller.signal);
  }

  /** Drops the stream and subscribes again: after an outage, the old stream is not trusted. */
  async restart(): Promise<void> {
    await this.stop();
    this.start();
  }

  /** Stops for good: a restart() still in flight (after a failed ping) does not start it again. */
  async close(): Promise<void> {
    this.closed = true;
    await this.stop();
  }

  async stop(): Promise<void> {
    this.controller?.abort();
    await this.running;
    this.running = undefined;
    this.controller = undefined;
  }

  private async loop(signal: AbortSignal): Promise<void> {
    let backoff = this.initialBackoffMs;
    while (!signal.aborted) {
      try {
        await this.engine.streamContainerEvents(
          {
            onOpen: () => {
              this.connected = true;
              this.generation++;
              backoff = this.initialBackoffMs;
            },
            onEvent: (event) => {
              if (!eventChangesContainer(event)) return;
              this.generation++;
              const id = event.Actor?.ID ?? event.id;
              if (id) this.changed.add(id);
            },
          },
          signal,
        );
        if (!signal.aborted) this.logger.debug('engine event stream ended; subscribing again');
      } catch (err) {
        this.logger.debug('engine event stream failed', { err: describeError(err), retry_in_ms: backoff });
      } finally {
        this.connected = false;
        this.generation++;
      }
      if (signal.aborted) break;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, backoff);
        signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
      });
      backoff = Math.min(backoff * 2, this.maxBackoffMs);
    }
  }
}
