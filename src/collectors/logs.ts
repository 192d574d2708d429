// Collector "logs": the audit command `docker logs <container>` ("check for application
// errors, suspicious behaviour, or signs of compromise") as metrics, and the daemon.json
// logging advice (json-file with max-size and max-file). Every container's log driver and
// whether its log is bounded come from its posture (model/posture.ts); the json-file logs
// themselves are read from the host's files under --host.root-path, incrementally
// (readers/json-log-tailer.ts), never through the Engine API's log stream, and their lines
// counted by stream and level (model/container-log.ts). docs/logs.md.
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { DOCKER_DATA_ROOT } from '../base/paths';
import { forEachSliced } from '../base/time-slice';
import type { Facts } from '../facts';
import { LOGS_METRICS as M } from '../metrics/families/logs';
import { flag, sample, type Sample } from '../metrics/sample';
import { acceptedLogPath, LevelMatcher, LOG_LEVELS, LOG_STREAMS, LogLineCounter } from '../model/container-log';
import { hasContainerFinding, type ContainerPosture } from '../model/posture';
import { resolveHostPath } from '../readers/host-paths';
import { JsonLogTailer } from '../readers/json-log-tailer';
import type { Collector, CollectorDeps } from './collector';

/** The read buffer, shared by every container's tailer (they are read one after the other). */
const CHUNK_BYTES = 1 << 20;

const labelsOf = (p: ContainerPosture) => ({ name: p.name, id: p.shortId, image: p.image });

/** The driver and rotation series of every container, whatever its driver. Pure. */
export function logConfigSamples(p: ContainerPosture): Sample[] {
  const base = labelsOf(p);
  return [sample(M.containerLogDriver, { ...base, driver: p.logDriver }, 1), sample(M.containerLogRotationConfigured, base, flag(p.logRotationConfigured))];
}

/** The size and line series of a container whose json-file log is read: every stream and level, 0 included. Pure. */
export function logLineSamples(p: ContainerPosture, counter: LogLineCounter, sizeBytes: number): Sample[] {
  const base = labelsOf(p);
  const out = [sample(M.containerLogSize, base, sizeBytes)];
  for (const stream of LOG_STREAMS) for (const level of LOG_LEVELS) out.push(sample(M.containerLogLines, { ...base, stream, level }, counter.count(stream, level)));
  return out;
}

/** EACCES or EPERM, on the error or its cause: the process lacks the right, which no retry changes. */
function isPermissionDenied(err: unknown): boolean {
  for (let e = err as { code?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 4; e = e.cause as typeof e, depth++) {
    if (e.code === 'EACCES' || e.code === 'EPERM') return true;
  }
  return false;
}

interface ContainerLog {
  readonly tailer: JsonLogTailer;
  readonly counter: LogLineCounter;
  /** The last collection's size and line samples, and what they were built from. */
  last?: { readonly posture: ContainerPosture; readonly sizeBytes: number; readonly counts: readonly number[]; readonly samples: Sample[] };
}

/**
 * The container's size and line samples: the last collection's very objects while its
 * posture, size and counts are the same. A quiet log then costs no new samples, and the
 * render keeps the family's text (2,000 containers are 14,000 line samples a collection).
 */
function currentLineSamples(reader: ContainerLog, p: ContainerPosture): Sample[] {
  const { counter, tailer, last } = reader;
  const sizeBytes = tailer.sizeBytes;
  const counts = LOG_STREAMS.flatMap((stream) => LOG_LEVELS.map((level) => counter.count(stream, level)));
  if (last && last.posture === p && last.sizeBytes === sizeBytes && last.counts.every((n, i) => n === counts[i])) return last.samples;
  const samples = logLineSamples(p, counter, sizeBytes);
  reader.last = { posture: p, sizeBytes, counts, samples };
  return samples;
}

export interface LogsDeps extends Pick<CollectorDeps, 'options' | 'logger'> {
  readonly facts: Pick<Facts, 'containers' | 'engine' | 'engineDefaults'>;
}

export function createLogsCollector({ facts, options, logger }: LogsDeps): Collector {
  const opts = options.logs;
  const matcher = new LevelMatcher(opts.errorPatterns, opts.warningPatterns);
  const buffer = Buffer.allocUnsafe(CHUNK_BYTES);
  /** Each posture's driver and rotation samples: a posture object lives as long as the container's cached inspect. */
  const configSamples = new WeakMap<ContainerPosture, Sample[]>();
  const configSamplesOf = (p: ContainerPosture): Sample[] => {
    let samples = configSamples.get(p);
    if (!samples) configSamples.set(p, (samples = logConfigSamples(p)));
    return samples;
  };
  /** By full container id; a container's reader (offset, counts) goes when the container does. */
  const readers = new Map<string, ContainerLog>();
  /** Rejected log paths, logged once per container. */
  const rejected = new Set<string>();
  // The exporter-wide counters keep what the readers of removed containers had counted.
  const retired = { bytesRead: 0, parseErrors: 0, compressed: 0, deleted: 0 };
  /** Where the next collection starts in the container list: a budget too small for all goes round. */
  let startAt = 0;
  let deniedWarned = false;

  function retire(id: string): void {
    const r = readers.get(id)!;
    retired.bytesRead += r.tailer.bytesRead;
    retired.parseErrors += r.counter.parseErrors;
    retired.compressed += r.tailer.skippedCompressed;
    retired.deleted += r.tailer.skippedDeleted;
    readers.delete(id);
  }

  /** The folder the json-file logs are in, as this process sees it: <data root>/containers under the host root, links resolved inside it. */
  async function containersDir(dataRoot: string): Promise<string> {
    return path.join(opts.hostRootPath, await resolveHostPath(opts.hostRootPath, path.posix.join(dataRoot, 'containers')));
  }

  /** A reader for the container, or undefined when its log is not where dockerd keeps json-file logs. */
  async function readerFor(p: ContainerPosture, dataRoot: string, dir: string): Promise<ContainerLog | undefined> {
    const known = readers.get(p.id);
    if (known) return known;
    const reject = (why: string) => {
      if (!rejected.has(p.id)) logger.warn(`not reading the container's json-file log: ${why}`, { container: p.name, id: p.shortId, log_path: p.logPath });
      rejected.add(p.id);
      return undefined;
    };
    if (!acceptedLogPath(dataRoot, p.id, p.logPath)) return reject(`the engine's LogPath is not ${dataRoot}/containers/<id>/<id>-json.log`);
    const folder = path.join(dir, p.id);
    const status = await fs.lstat(folder).catch(() => undefined);
    if (status?.isSymbolicLink()) return reject('its folder is a symbolic link');
    const reader = { tailer: new JsonLogTailer({ path: path.join(folder, `${p.id}-json.log`), maxLineBytes: opts.maxLineBytes, buffer }), counter: new LogLineCounter(matcher) };
    readers.set(p.id, reader);
    return reader;
  }

  return {
    name: 'logs',
    async collect(ctx) {
      const containers = await facts.containers.get(ctx);
      // --collector.containers.detail=findings: a container without a finding keeps only its
      // state and info series (the containers collector's), so none of these, and its log is not read.
      let postures = containers.postures;
      if (options.containersDetail === 'findings') {
        const defaults = await facts.engineDefaults.get(ctx).catch(() => undefined);
        const daemonNoNewPrivileges = defaults?.noNewPrivileges ?? false;
        postures = postures.filter((p) => hasContainerFinding(p, daemonNoNewPrivileges));
      }
      let dataRoot = DOCKER_DATA_ROOT;
      try {
        dataRoot = (await facts.engine.info(ctx)).DockerRootDir || DOCKER_DATA_ROOT;
      } catch (err) {
        ctx.logger.debug(`/info could not be read; looking for json-file logs under ${DOCKER_DATA_ROOT}`, { err });
      }
      const dir = await containersDir(dataRoot);
      const jsonFile = postures.filter((p) => p.logDriver === 'json-file');
      const ids = new Set(jsonFile.map((p) => p.id));
      for (const id of [...readers.keys()]) if (!ids.has(id)) retire(id);
      for (const id of rejected) if (!ids.has(id)) rejected.delete(id);

      await forEachSliced(postures, (p) => configSamplesOf(p).forEach(ctx.emit));
      const max = opts.maxBytesPerCollection;
      const budget = { left: options.once || max <= 0 ? Infinity : max, signal: ctx.signal };
      const failures: unknown[] = [];
      let denied = 0;
      startAt = jsonFile.length > 0 ? startAt % jsonFile.length : 0;
      const order = [...jsonFile.slice(startAt), ...jsonFile.slice(0, startAt)];
      startAt++;
      let lag = 0;
      const read = new Map<ContainerPosture, ContainerLog>();
      for (const p of order) {
        const reader = await readerFor(p, dataRoot, dir);
        if (!reader) continue;
        try {
          await reader.tailer.poll(reader.counter, budget);
        } catch (err) {
          if (isPermissionDenied(err)) denied++;
          else failures.push(err);
        }
        lag += reader.tailer.lagBytes;
        read.set(p, reader);
      }
      // In list order, not the rotated read order: the same samples in the same order let the
      // render keep the family's text.
      await forEachSliced(jsonFile, (p) => {
        const reader = read.get(p);
        if (reader) currentLineSamples(reader, p).forEach(ctx.emit);
      });
      if (denied > 0 && !deniedWarned) {
        deniedWarned = true;
        ctx.logger.warn('reading the json-file container logs was refused (they are root\'s); only their driver and rotation are reported (docs/logs.md, "Privileges")', { containers: denied, folder: dir });
      }
      ctx.emit(sample(M.containerLogsReadable, {}, flag(denied === 0)));
      const sum = (f: (r: ContainerLog) => number) => [...readers.values()].reduce((n, r) => n + f(r), 0);
      ctx.emit(sample(M.containerLogsBytesRead, {}, retired.bytesRead + sum((r) => r.tailer.bytesRead)));
      ctx.emit(sample(M.containerLogsLag, {}, lag));
      ctx.emit(sample(M.containerLogsParseErrors, {}, retired.parseErrors + sum((r) => r.counter.parseErrors)));
      ctx.emit(sample(M.containerLogsSkippedFiles, { reason: 'compressed' }, retired.compressed + sum((r) => r.tailer.skippedCompressed)));
      ctx.emit(sample(M.containerLogsSkippedFiles, { reason: 'deleted' }, retired.deleted + sum((r) => r.tailer.skippedDeleted)));
      if (failures.length > 0) {
        throw new Error(`reading ${failures.length} container log(s) failed (the others were read)`, { cause: failures[0] });
      }
    },
  };
}
