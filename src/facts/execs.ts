// Who ran `docker exec` into which container, privileged or as root: the facts behind the
// events collector's exec counters and the cis collector's checks 5.23 (exec with
// --privileged) and 5.24 (exec as root), which docker-bench-security can only print as a note.
//
// Every exec_create (or an exec_start whose create was missed) on the shared event stream
// is inspected at once, because Docker forgets execs: an exec's privileges are only in its
// inspect (GET /exec/{id}/json; Engine 20.10 puts the id in Actor.Attributes.execID). An
// exec with no user of its own runs as the container's Config.User, which is read once per
// container (it cannot change after create). An exec whose privileges could not be read is
// counted as an inspect failure, never dropped. Podman 4.3's compat stream has one "exec" per
// run and no exec id (and its sessions are gone once they end): each is counted as an exec
// whose privileges could not be read (docs/podman.md).
//
// Healthcheck probes are execs too (Docker runs them through the same exec machinery and
// emits the same events); they are not `docker exec` and are left out: an exec is a probe
// when its command is the container's healthcheck, it is not privileged, and its user is
// the container's (or its inspect is already gone, as a finished probe's may be).
//
// Nothing is inspected until a consumer (the events or cis collector) first reads: the
// stream may be up for the container inventory alone.
import type { DockerEngine, EngineEvent } from '../readers/engine';
import type { ContainerInspect, ExecInspect } from '../readers/engine-types';
import { describeError, type Logger } from '../base/log';
import { userIsRoot } from '../model/posture';
import type { ContainerFacts } from './containers';
import { eventAction, type EngineEventStream } from './events';
import type { CollectionRef } from './per-collection';

export interface ExecCounts {
  /** `docker exec` runs (healthcheck probes excluded). */
  readonly execs: number;
  /** Of those, the ones with --privileged. */
  readonly privileged: number;
  /** Of those, the ones whose user is root (their own --user, or the container's when they set none). */
  readonly asRoot: number;
}

export interface ContainerExecs extends ExecCounts {
  /** Full container id. */
  readonly id: string;
  /** The container's current name, without the leading "/". */
  readonly name: string;
  /** The image reference it was created from; "" until its inspect was read. */
  readonly image: string;
}

export interface ExecFacts {
  /** Since the exporter started following the stream; only containers that still exist (a destroyed one's entry is dropped). */
  readonly byContainer: ReadonlyMap<string, ContainerExecs>;
  /** Every exec ever counted, including those into containers since destroyed. */
  readonly totals: ExecCounts;
  /** Execs whose privileges could not be read (inspect failed or gone, no exec id, container gone): in neither privileged nor asRoot. */
  readonly inspectFailures: number;
  /** Healthcheck probes recognised and left out of every count above. */
  readonly healthcheckProbes: number;
  /** Set when the resync after a reconnect (dropping containers destroyed meanwhile) failed; retried on the next read. */
  readonly resyncError?: Error;
}

interface ExecJob {
  containerId: string;
  name: string;
  execId: string | undefined;
  /** The event's command text ("/bin/sh -c true"), only compared with the healthcheck. */
  command: string;
}

/** What an exec needs from its container; fixed at create, so read once per container. */
interface ContainerExecFacts {
  user: string;
  image: string;
  /** The healthcheck's command as Docker's event shows it ("/bin/sh -c curl -f x"); undefined when none. */
  healthcheckCommand: string | undefined;
}

/** The command text Docker logs for a healthcheck probe ("exec_create: " + entrypoint + " " + args). */
export function healthcheckCommand(test: readonly string[] | null | undefined): string | undefined {
  if (!test || test.length === 0) return undefined;
  if (test[0] === 'CMD-SHELL') return ['/bin/sh', '-c', ...test.slice(1)].join(' ').trim();
  if (test[0] === 'CMD') return test.slice(1).join(' ').trim();
  return undefined; // NONE, or inherited from nothing
}

/** Exec ids and destroyed container ids remembered; the oldest are forgotten first. */
const MAX_REMEMBERED_IDS = 4096;
const MAX_QUEUED = 1024;
const INSPECT_CONCURRENCY = 4;

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

export class ExecAudit {
  private readonly byContainer = new Map<string, Mutable<ContainerExecs>>();
  private readonly totals: Mutable<ExecCounts> = { execs: 0, privileged: 0, asRoot: 0 };
  private inspectFailures = 0;
  private healthcheckProbes = 0;
  /** Exec ids already counted (their create and start are both events), oldest first. */
  private readonly seen = new Set<string>();
  /** Containers destroyed, so a job still in flight does not bring their entry back. */
  private readonly destroyed = new Set<string>();
  private readonly containerFacts = new Map<string, Promise<ContainerExecFacts | undefined>>();
  private readonly queue: ExecJob[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private resyncNeeded = false;
  /** Set by the first read: until a consumer asks, no exec is inspected (the stream may be up for the container inventory alone). */
  private active = false;
  private readonly closing = new AbortController();
  private readonly unsubscribe: () => void;

  constructor(
    private readonly engine: DockerEngine,
    private readonly stream: EngineEventStream,
    private readonly logger: Logger,
    /** This collection's container facts, for the resync after a reconnect. */
    private readonly containers: (ref: CollectionRef) => Promise<ContainerFacts>,
  ) {
    this.unsubscribe = stream.subscribe({
      onEvent: (event) => this.onEvent(event),
      onOpen: ({ reconnected }) => {
        if (reconnected) this.resyncNeeded = true; // destroy events may have been missed meanwhile
      },
    });
  }

  /** Starts following the stream (idempotent), drops containers destroyed while it was down, and returns the counts. */
  async read(ref: CollectionRef): Promise<ExecFacts> {
    this.active = true;
    this.stream.start();
    let resyncError: Error | undefined;
    if (this.resyncNeeded) {
      try {
        const { inspects } = await this.containers(ref);
        const existing = new Set(inspects.map((i) => i.Id));
        for (const id of this.byContainer.keys()) if (!existing.has(id)) this.forget(id);
        for (const id of this.containerFacts.keys()) if (!existing.has(id)) this.containerFacts.delete(id);
        this.resyncNeeded = false;
      } catch (err) {
        resyncError = new Error('dropping the exec counts of containers destroyed while the event stream was down failed', { cause: err });
      }
    }
    return {
      byContainer: new Map([...this.byContainer].map(([id, c]) => [id, { ...c }])),
      totals: { ...this.totals },
      inspectFailures: this.inspectFailures,
      healthcheckProbes: this.healthcheckProbes,
      resyncError,
    };
  }

  /** Resolves once every exec seen so far has been inspected and counted. */
  async settled(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }

  async close(): Promise<void> {
    this.unsubscribe();
    this.queue.length = 0;
    this.closing.abort(new Error('the exporter is shutting down'));
    await this.settled();
  }

  private forget(containerId: string): void {
    this.byContainer.delete(containerId);
    this.containerFacts.delete(containerId);
    this.destroyed.add(containerId);
    if (this.destroyed.size > MAX_REMEMBERED_IDS) this.destroyed.delete(this.destroyed.values().next().value as string);
  }

  private onEvent(event: EngineEvent): void {
    if (!this.active || event.Type !== 'container') return;
    const containerId = event.Actor?.ID || event.id;
    if (!containerId) return;
    const action = eventAction(event);
    const attributes = event.Actor?.Attributes ?? {};
    // Podman's compat stream says remove where dockerd says destroy.
    if (action === 'destroy' || action === 'remove') return this.forget(containerId);
    if (action === 'rename') {
      const entry = this.byContainer.get(containerId);
      if (entry && attributes.name) entry.name = attributes.name.replace(/^\//, '');
      return;
    }
    // Podman 4.3 emits one "exec" per `podman exec`, without an execID: counted as an exec whose
    // privileges cannot be read (its session is gone once it ends), like a create without an id.
    if (action !== 'exec_create' && action !== 'exec_start' && action !== 'exec') return;
    const execId = attributes.execID || undefined;
    if (execId) {
      if (this.seen.has(execId)) return;
      this.seen.add(execId);
      if (this.seen.size > MAX_REMEMBERED_IDS) this.seen.delete(this.seen.values().next().value as string);
    } else if (action === 'exec_start') {
      return; // without ids a create and its start cannot be paired: count the creates
    }
    const text = event.Action ?? '';
    const command = text.includes(':') ? text.slice(text.indexOf(':') + 1).trim() : '';
    const job: ExecJob = { containerId, name: (attributes.name ?? '').replace(/^\//, ''), execId, command };
    if (this.queue.length >= MAX_QUEUED) {
      this.inspectFailures++;
      this.logger.warn('too many execs waiting to be inspected; counted as an inspect failure', { container: job.name });
      return;
    }
    this.queue.push(job);
    this.pump();
  }

  private pump(): void {
    while (this.inFlight.size < INSPECT_CONCURRENCY && this.queue.length > 0) {
      const job = this.queue.shift()!;
      const run: Promise<void> = this.count(job)
        .catch((err: unknown) => this.logger.warn('counting an exec failed', { container: job.name, err: describeError(err) }))
        .finally(() => {
          this.inFlight.delete(run);
          this.pump();
        });
      this.inFlight.add(run);
    }
  }

  private async count(job: ExecJob): Promise<void> {
    const signal = this.closing.signal;
    if (signal.aborted) return;
    const [container, exec] = await Promise.all([this.readContainer(job.containerId), this.inspectExec(job.execId)]);
    if (signal.aborted) return;
    if (container?.healthcheckCommand !== undefined && job.command === container.healthcheckCommand) {
      const probeLike = exec === undefined || (!exec.ProcessConfig?.privileged && (exec.ProcessConfig?.user ?? '') === container.user);
      if (probeLike) {
        this.healthcheckProbes++;
        return;
      }
    }
    const entry = this.entryFor(job, container);
    this.totals.execs++;
    if (entry) entry.execs++;
    if (!exec) {
      this.inspectFailures++;
      return;
    }
    if (exec.ProcessConfig?.privileged) {
      this.totals.privileged++;
      if (entry) entry.privileged++;
    }
    const ownUser = (exec.ProcessConfig?.user ?? '').trim();
    if (ownUser === '' && !container) {
      this.inspectFailures++; // runs as the container's user, which could not be read
      return;
    }
    if (userIsRoot(ownUser === '' ? container!.user : ownUser)) {
      this.totals.asRoot++;
      if (entry) entry.asRoot++;
    }
  }

  private entryFor(job: ExecJob, container: ContainerExecFacts | undefined): Mutable<ContainerExecs> | undefined {
    if (this.destroyed.has(job.containerId)) return undefined;
    let entry = this.byContainer.get(job.containerId);
    if (!entry) {
      entry = { id: job.containerId, name: job.name, image: '', execs: 0, privileged: 0, asRoot: 0 };
      this.byContainer.set(job.containerId, entry);
    }
    if (job.name) entry.name = job.name;
    if (container && entry.image === '') entry.image = container.image;
    return entry;
  }

  private async inspectExec(execId: string | undefined): Promise<ExecInspect | undefined> {
    if (!execId) return undefined;
    try {
      return await this.engine.inspectExec(execId, this.closing.signal);
    } catch (err) {
      this.logger.debug('inspecting an exec failed', { exec: execId.slice(0, 12), err: describeError(err) });
      return undefined;
    }
  }

  /** The container's user and healthcheck; undefined when it is gone or could not be inspected (then read again next time). */
  private readContainer(id: string): Promise<ContainerExecFacts | undefined> {
    let facts = this.containerFacts.get(id);
    if (!facts) {
      facts = this.engine.inspectContainer(id, this.closing.signal).then(
        (inspect: ContainerInspect | undefined) =>
          inspect && { user: inspect.Config?.User ?? '', image: inspect.Config?.Image ?? '', healthcheckCommand: healthcheckCommand(inspect.Config?.Healthcheck?.Test) },
        (err: unknown) => {
          this.logger.debug('inspecting a container for its exec user failed', { container: id.slice(0, 12), err: describeError(err) });
          return undefined;
        },
      );
      this.containerFacts.set(id, facts);
      void facts.then((f) => {
        if (!f && this.containerFacts.get(id) === facts) this.containerFacts.delete(id);
      });
    }
    return facts;
  }
}
