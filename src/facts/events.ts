// One subscription to the engine's event stream (GET /events, every type), shared by the
// container inventory (which drops cached inspects when a container changes) and the
// events collector (which counts events and execs). Server mode only: --once follows no
// stream (createSources makes none).
//
// The stream has no idle timeout on our side (only connecting is bounded by
// --docker.timeout), so a quiet host keeps it up. When it breaks it is subscribed again
// with backoff (1 s doubling to 30 s); the daemon replays only its last 256 events, so
// listeners are told about every break and reopen and must resync themselves.
import { describeError, type Logger } from '../base/log';
import { EventLineTooLongError, type DockerEngine, type EngineEvent } from '../readers/engine';

export interface EngineEventListener {
  onEvent?(event: EngineEvent): void;
  /** The engine accepted the subscription; `reconnected` when it had been up before. */
  onOpen?(info: { reconnected: boolean }): void;
  /** The stream that was up broke, ended or was dropped: events may be missed until the next onOpen. */
  onClose?(): void;
}

export interface EngineEventStreamOptions {
  /** First reconnect delay; doubled per failure up to maxBackoffMs. */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
}

/** Whether the error, or one of its causes, is of this kind. */
function causedBy(err: unknown, kind: new (...args: never[]) => Error): boolean {
  for (let e: unknown = err; e instanceof Error; e = (e as Error).cause) if (e instanceof kind) return true;
  return false;
}

/** The action without its arguments: "exec_create: sh -c id" is exec_create, "health_status: healthy" is health_status. */
export function eventAction(event: EngineEvent): string {
  return (event.Action ?? '').split(':')[0].trim();
}

export class EngineEventStream {
  private readonly listeners = new Set<EngineEventListener>();
  private connected = false;
  private everOpened = false;
  private reconnectCount = 0;
  private droppedLineCount = 0;
  private controller: AbortController | undefined;
  private running: Promise<void> | undefined;
  private closed = false;
  private readonly initialBackoffMs: number;
  private readonly maxBackoffMs: number;

  constructor(
    private readonly engine: DockerEngine,
    private readonly logger: Logger,
    options: EngineEventStreamOptions = {},
  ) {
    this.initialBackoffMs = options.initialBackoffMs ?? 1000;
    this.maxBackoffMs = options.maxBackoffMs ?? 30_000;
  }

  /** Adds a listener; returns the function that removes it. Subscribing does not start the stream. */
  subscribe(listener: EngineEventListener): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  /** Whether the stream is subscribed and the engine accepted it. */
  get up(): boolean {
    return this.connected;
  }

  /** Times the stream was subscribed again after it had been up (a break, or a restart()). */
  get reconnects(): number {
    return this.reconnectCount;
  }

  /** Event lines dropped for being over MAX_EVENT_LINE_BYTES (each ended the stream, which was subscribed again). */
  get droppedLines(): number {
    return this.droppedLineCount;
  }

  /** Whether a consumer started it (and it was not closed). */
  get started(): boolean {
    return this.running !== undefined;
  }

  /** Starts following the stream; idempotent, and a no-op once closed. */
  start(): void {
    if (this.running || this.closed) return;
    const controller = new AbortController();
    this.controller = controller;
    this.running = this.loop(controller.signal);
  }

  /** Drops the stream and subscribes again: after an engine outage, the old stream is not trusted. */
  async restart(): Promise<void> {
    await this.stop();
    this.start();
  }

  /** Stops for good: a restart() still in flight (after a failed ping) does not start it again. */
  async close(): Promise<void> {
    this.closed = true;
    await this.stop();
  }

  private async stop(): Promise<void> {
    this.controller?.abort();
    await this.running;
    this.running = undefined;
    this.controller = undefined;
  }

  /** Calls every listener; a listener that throws is logged, and never breaks the stream or the other listeners. */
  private notify(call: (listener: EngineEventListener) => void): void {
    for (const listener of this.listeners) {
      try {
        call(listener);
      } catch (err) {
        this.logger.warn('an engine event listener failed', { err: describeError(err) });
      }
    }
  }

  private async loop(signal: AbortSignal): Promise<void> {
    let backoff = this.initialBackoffMs;
    while (!signal.aborted) {
      try {
        await this.engine.streamEvents(
          {
            onOpen: () => {
              const reconnected = this.everOpened;
              this.connected = true;
              this.everOpened = true;
              backoff = this.initialBackoffMs;
              if (reconnected) {
                this.reconnectCount++;
                this.logger.info('engine event stream up again', { reconnects: this.reconnectCount });
              }
              this.notify((l) => l.onOpen?.({ reconnected }));
            },
            onEvent: (event) => this.notify((l) => l.onEvent?.(event)),
          },
          signal,
        );
        if (!signal.aborted) this.logger.warn('engine event stream ended; subscribing again', { retry_in_ms: backoff });
      } catch (err) {
        if (causedBy(err, EventLineTooLongError)) this.droppedLineCount++;
        // Logged at warn only when a stream that was up broke; failed attempts while the engine is down are debug.
        const level = this.connected ? 'warn' : 'debug';
        this.logger[level]('engine event stream failed', { err: describeError(err), retry_in_ms: backoff });
      } finally {
        if (this.connected) {
          this.connected = false;
          this.notify((l) => l.onClose?.());
        }
      }
      if (signal.aborted) break;
      await new Promise<void>((resolve) => {
        // The listener goes with the wait: a long outage must not pile one up per attempt.
        const onAbort = () => (clearTimeout(timer), resolve());
        const timer = setTimeout(() => (signal.removeEventListener('abort', onAbort), resolve()), backoff);
        signal.addEventListener('abort', onAbort, { once: true });
      });
      backoff = Math.min(backoff * 2, this.maxBackoffMs);
    }
  }
}
