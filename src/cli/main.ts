#!/usr/bin/env node
// Entry point of the docker-audit-exporter bin: flags in, then either one collection
// (--once) or a server that collects on a schedule.
import type { Server } from 'node:http';
import * as os from 'node:os';
import { createLogger, describeError, type Logger } from '../base/log';
import { packageVersion } from '../base/version';
import { CIS_AUDITED_PATHS } from '../cis/checks';
import type { Evaluation } from '../cis/evaluate';
import { cisFindings } from '../cis/report';
import { COLLECTORS } from '../collectors';
import type { CollectorDeps, CollectorObservers, CollectorOptions } from '../collectors/collector';
import { CollectorRunner } from '../collectors/runner';
import { createFacts, type FactsOptions } from '../facts';
import { assertStateFileWritable } from '../readers/audit-tailer';
import { EngineClient, resolveConnection, type DockerEngine } from '../readers/engine';
import { createApp, createLiveRegistry } from '../server/app';
import { Scheduler, scheduleIntervalMs, snapshotText } from '../server/scheduler';
import { WebConfigError, WebConfigSource } from '../server/web-config';
import { listenAll, type Listener } from '../server/web-listen';
import { ConfigError, helpText, parseConfig, type Config } from './config';
import { decideExit, gatedChecks } from './gate';
import { reportJunit } from './junit';
import { reportJson, type OnceReport } from './report';

export interface Io {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

const processIo: Io = { stdout: (t) => void process.stdout.write(t), stderr: (t) => void process.stderr.write(t) };

/** The part of the configuration the facts are read with. */
export function factsOptions(config: Config): FactsOptions {
  return {
    sensitivePaths: config.sensitivePaths,
    dockerSocketPaths: config.dockerSocketPaths,
    inspectMaxAgeMs: config.inspectMaxAgeMs,
    inspectConcurrency: config.inspectConcurrency,
    engineInfoMaxAgeMs: config.engineInfoMaxAgeMs,
    watchEvents: !config.once && config.watchEvents,
    once: config.once,
    host: { rootPath: config.host.rootPath, procPath: config.host.procPath },
    daemon: config.daemon,
    podman: config.podman,
    audit: { auditctlPath: config.audit.auditctlPath, rulesPaths: config.audit.rulesPaths, rulesIntervalMs: config.once ? 0 : config.audit.rulesIntervalMs },
    auditedPaths: CIS_AUDITED_PATHS,
  };
}

/** The part of the configuration the collectors read themselves. */
export function collectorOptions(config: Config): CollectorOptions {
  return {
    once: config.once,
    trivyReportsDir: config.trivyReportsDir,
    resourcesDfIntervalMs: config.resourcesDfIntervalMs,
    processes: config.processes,
    containersDetail: config.containersDetail,
    imageos: { ...config.imagesEol, concurrency: config.inspectConcurrency },
    firewall: config.firewall,
    host: config.host,
    audit: config.audit,
    logs: { hostRootPath: config.host.rootPath, ...config.logs },
  };
}

export function buildRunner(config: Config, engine: DockerEngine, logger: Logger, observers?: CollectorObservers): CollectorRunner {
  const facts = createFacts(engine, logger, factsOptions(config));
  const deps: CollectorDeps = { engine, facts, logger, options: collectorOptions(config), observers };
  const enabled = COLLECTORS.filter((c) => config.collectors[c.name]);
  return new CollectorRunner(
    enabled.map((c) => c.create(deps)),
    logger,
    undefined,
    facts,
  );
}

function buildScheduler(config: Config, engine: DockerEngine, logger: Logger, observers?: CollectorObservers): Scheduler {
  return new Scheduler(buildRunner(config, engine, logger, observers), logger, scheduleIntervalMs(config.schedule));
}

/**
 * Collects once and prints the exposition, or the report of --output (docs/output.md), on
 * stdout; logs stay on stderr. Resolves to the exit code: 0, 1 (a collector failed), 3 (a
 * check of --fail-on or --fail-on-level failed; see gate.ts for which wins).
 */
export async function runOnce(config: Config, engine: DockerEngine, logger: Logger, io: Io, version: string, hostname: string = os.hostname()): Promise<number> {
  // The cis collector's own evaluation, handed over as it judged it: the findings are never re-read from the exposition.
  let evaluation: Evaluation | undefined;
  const scheduler = buildScheduler(config, engine, logger, { cisEvaluation: (e) => (evaluation = e) });
  const snapshot = await scheduler.collect();
  await scheduler.stop();
  if (!snapshot) {
    io.stderr('docker-audit-exporter: the collection failed; nothing to print (the log says why)\n');
    return 1;
  }
  const findings = evaluation ? cisFindings(evaluation) : undefined;
  const gate = gatedChecks(config.failOn, config.failOnLevel);
  const decision = decideExit({ collectorsSucceeded: snapshot.success, findings, gate });
  if (decision.gatedFailures.length > 0) {
    const shown = decision.gatedFailures.slice(0, 20).map((f) => (f.object === null ? f.check : `${f.check} [${f.object}]`));
    logger.error('gated CIS checks failed', { failures: decision.gatedFailures.length, checks: [...new Set(decision.gatedFailures.map((f) => f.check))].join(','), first: shown.join(' ') });
  } else if (gate && !snapshot.success) {
    logger.error('a collector failed, so the gate could not be judged in full: exiting 1', { failed: snapshot.statuses.filter((s) => !s.success).map((s) => s.name).join(',') });
  }
  if (config.output === 'prometheus') {
    const live = await createLiveRegistry(version, false).metrics();
    io.stdout(live + snapshotText(snapshot));
  } else {
    const report: OnceReport = {
      version,
      completedAtMs: snapshot.completedAtMs,
      collectors: snapshot.statuses,
      findings,
      gate: gate ? { checks: gate, failures: decision.gatedFailures } : undefined,
      exitCode: decision.code,
    };
    io.stdout(config.output === 'json' ? reportJson(report) : reportJunit(report, hostname));
  }
  return decision.code;
}

export interface RunningServer {
  /** The server of the first --web.listen-address. */
  server: Server;
  /** One per --web.listen-address, in the order given. */
  listeners: readonly Listener[];
  scheduler: Scheduler;
  /** The web configuration in force, when --web.config.file names one. */
  web: WebConfigSource | undefined;
  stop(): Promise<void>;
}

/**
 * Listens on every --web.listen-address, then starts the schedule. `web` is the web
 * configuration read at start-up (run() reads it, so that its problems exit 2 with the flags').
 */
export async function serve(config: Config, engine: DockerEngine, logger: Logger, version: string, web?: WebConfigSource): Promise<RunningServer> {
  const scheduler = buildScheduler(config, engine, logger);
  const app = createApp({
    snapshot: () => scheduler.snapshot,
    readiness: () => scheduler.readiness(),
    version,
    telemetryPath: config.telemetryPath,
    collectors: COLLECTORS.filter((c) => config.collectors[c.name]).map((c) => c.name),
    web,
  });
  const listening = await listenAll(app, config.listen, web, logger);
  for (const l of listening.listeners) logger.info('listening', { address: l.address, tls: l.tls, engine: engine.endpoint });
  scheduler.start(config.schedule);
  return {
    server: listening.listeners[0].server,
    listeners: listening.listeners,
    scheduler,
    web,
    async stop() {
      await scheduler.stop();
      await listening.close();
    },
  };
}

/** What a shutdown may take beyond --docker.timeout (engine calls in flight end by then) before the process exits anyway. */
export const SHUTDOWN_GRACE_MS = 5000;

/** The exit status of a process ended by a signal, as a shell reports it: 128 + its number. */
const signalExit = (signal: NodeJS.Signals): number => 128 + (os.constants.signals[signal] ?? 0);

export interface SignalDeps {
  /** The graceful stop: the schedule, the collection in flight, the server. */
  stop(): Promise<void>;
  /** What SIGHUP reloads (the web configuration); undefined: nothing, and SIGHUP is ignored. */
  reload?: () => Promise<unknown>;
  logger: Logger;
  /** Longest the graceful stop may take before the process exits anyway. */
  graceMs: number;
  exit?: (code: number) => void;
  on?: (signal: NodeJS.Signals, listener: () => void) => void;
}

/**
 * SIGTERM and SIGINT stop gracefully, within graceMs whatever a collection is doing; a second
 * one exits at once. SIGHUP, which would otherwise kill the process, reads the web
 * configuration again (reload logs how that went); without one it is logged and ignored.
 */
export function handleSignals({ stop, reload, logger, graceMs, exit = (code) => process.exit(code), on = (s, l) => void process.on(s, l) }: SignalDeps): void {
  let stopping = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn('second signal while shutting down: exiting now', { signal });
      return exit(signalExit(signal));
    }
    stopping = true;
    logger.info('shutting down', { signal });
    const force = setTimeout(() => {
      logger.error('shutdown did not finish in time: exiting anyway', { after_ms: graceMs });
      exit(1);
    }, graceMs);
    force.unref();
    stop().then(
      () => {
        clearTimeout(force);
        exit(0);
      },
      (err: unknown) => {
        clearTimeout(force);
        logger.error('shutdown failed', { err });
        exit(1);
      },
    );
  };
  on('SIGTERM', () => shutdown('SIGTERM'));
  on('SIGINT', () => shutdown('SIGINT'));
  on('SIGHUP', () => {
    if (!reload) return logger.info('SIGHUP received: there is nothing to reload (no --web.config.file); ignored');
    if (stopping) return;
    logger.info('SIGHUP received: reloading the web configuration');
    reload().catch((err: unknown) => logger.error('reloading the web configuration failed', { err }));
  });
}

/** The whole program, minus process.exit: returns the exit code, or undefined while serving. */
export async function run(argv: readonly string[], env: NodeJS.ProcessEnv, io: Io = processIo): Promise<number | undefined> {
  const version = packageVersion();
  let config: Config;
  let engine: DockerEngine;
  let logger: Logger;
  let web: WebConfigSource | undefined;
  try {
    const parsed = parseConfig(argv, env);
    if (parsed.kind === 'help') {
      io.stdout(helpText(version));
      return 0;
    }
    if (parsed.kind === 'version') {
      io.stdout(`docker-audit-exporter ${version} (node ${process.version})\n`);
      return 0;
    }
    config = parsed.config;
    engine = new EngineClient(resolveConnection(config.docker), { timeoutMs: config.docker.timeoutMs, maxSockets: config.inspectConcurrency + config.processes.concurrency + 4 });
    // What the flags name on disk, checked before anything runs: a state file is written by rename.
    if (config.audit.stateFile && config.collectors.auditlog) await assertStateFileWritable(config.audit.stateFile);
    logger = createLogger(config.logLevel, config.logFormat, (line) => io.stderr(line + '\n'));
    // Every problem of the web configuration, at start-up, as exporter-toolkit: --once serves nothing and skips it.
    if (config.webConfigFile && !config.once) web = await WebConfigSource.load(config.webConfigFile, logger);
  } catch (err) {
    const problems =
      err instanceof ConfigError ? err.problems : err instanceof WebConfigError ? err.problems.map((p) => `--web.config.file=${err.file}: ${p}`) : [describeError(err)];
    const hint = err instanceof WebConfigError ? 'The web configuration file is described in docs/web-config.md.' : 'Run with --help for the flags.';
    io.stderr(`docker-audit-exporter: invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}\n${hint}\n`);
    return 2;
  }
  if (config.once) return runOnce(config, engine, logger, io, version);

  let running: RunningServer;
  try {
    running = await serve(config, engine, logger, version, web);
  } catch (err) {
    logger.error('cannot start', { err });
    return 1;
  }
  const reload = web ? () => web.reload('SIGHUP') : undefined;
  handleSignals({ stop: () => running.stop(), reload, logger, graceMs: config.docker.timeoutMs + SHUTDOWN_GRACE_MS });
  return undefined;
}

if (require.main === module) {
  process.on('unhandledRejection', (reason) => {
    // Never expected: every engine call is awaited. Logged loudly, and tests look for it.
    process.stderr.write(`level=error msg="unhandled rejection" err=${JSON.stringify(describeError(reason))}\n`);
  });
  run(process.argv.slice(2), process.env).then(
    (code) => {
      if (code !== undefined) process.exitCode = code;
    },
    (err) => {
      process.stderr.write(`docker-audit-exporter: ${describeError(err)}\n`);
      process.exitCode = 1;
    },
  );
}
