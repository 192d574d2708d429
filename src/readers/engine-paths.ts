// Every Engine API request the exporter makes, in one list: what a GET-only proxy in front of
// the engine (docker-socket-proxy, deploy/docker-compose.socket-proxy.yml) must let through,
// and all it needs to. Pure data, no imports.
//
// One entry per call of the DockerEngine interface (readers/engine.ts); each says the method,
// the path as sent (ids as {id}, without the /vX.Y prefix the client puts on every path but
// /_ping), the docker-socket-proxy section that grants it, which fact and collectors need
// it, and whether --once sends it. test/unit/readers/engine-paths.test.ts checks the list
// against the DockerEngine interface and against the proxy's rules file;
// test/integration/socket-proxy.test.ts checks it against what the exporter really sends,
// through that proxy; scripts/readme-tables.ts prints it in docs/socket-proxy.md.
//
// The daemon collector's active probe (readers/http-probe.ts, a plain GET /_ping to dockerd's
// own TCP listeners) is not here: it never goes to the engine the exporter is configured
// with, and so never through the proxy.

/** A docker-socket-proxy environment variable that grants one API section (`CONTAINERS=1`). */
export type ProxySection = 'PING' | 'VERSION' | 'INFO' | 'CONTAINERS' | 'IMAGES' | 'VOLUMES' | 'NETWORKS' | 'SYSTEM' | 'EVENTS' | 'EXEC';

/** Where a request is sent: in --once mode and in server mode, or in server mode only. */
export type ExporterMode = 'once' | 'server';

export interface EnginePath {
  readonly method: 'GET';
  /** The path and query as sent, ids as `{id}` and a file path in a query as `{path}`, without the version prefix. */
  readonly path: string;
  /** Whether the client puts the negotiated `/vX.Y` before the path (every path but /_ping). */
  readonly versioned: boolean;
  /** The docker-socket-proxy variable whose section the path is in. */
  readonly section: ProxySection;
  /** The file under src/ whose read sends it. */
  readonly readBy: string;
  /** The collectors that fail (or lose series) without it, in the collector table's order. */
  readonly collectors: readonly string[];
  readonly modes: readonly ExporterMode[];
  /** How often it is sent (Markdown: code in backticks). */
  readonly when: string;
  /**
   * The engines it is sent to, when not every engine: a Podman-only path is never sent to
   * dockerd, so never through docker-socket-proxy, which fronts dockerd (its `section` is the
   * one that would grant it there).
   */
  readonly engines?: readonly ('docker' | 'podman')[];
}

const BOTH: readonly ExporterMode[] = ['once', 'server'];
const SERVER: readonly ExporterMode[] = ['server'];
/** Every collector that reads the engine: each call negotiates its API version with /_ping first. */
const ENGINE_COLLECTORS = ['engine', 'containers', 'daemon', 'images', 'imageos', 'resources', 'processes', 'events', 'cis'];
/** The container facts feed the containers collector, whether images and volumes are in use, which containers run (processes), and the CIS checks. */
const CONTAINER_COLLECTORS = ['containers', 'images', 'imageos', 'resources', 'processes', 'events', 'cis'];

/**
 * Keyed by the DockerEngine method that sends each request, in the order a collection first
 * sends them.
 */
export const ENGINE_PATHS = {
  ping: {
    method: 'GET', path: '/_ping', versioned: false, section: 'PING', readBy: 'facts/engine.ts', collectors: ENGINE_COLLECTORS, modes: BOTH,
    when: 'once per collection (`docker_audit_engine_up`), and to negotiate the API version before the first versioned call',
  },
  info: {
    method: 'GET', path: '/info', versioned: true, section: 'INFO', readBy: 'facts/engine.ts', collectors: ['engine', 'containers', 'daemon', 'cis'], modes: BOTH,
    when: 'at most once per collection, cached until dockerd restarts or for `--collector.engine.info-max-age`',
  },
  version: {
    method: 'GET', path: '/version', versioned: true, section: 'VERSION', readBy: 'facts/engine.ts', collectors: ['engine'], modes: BOTH,
    when: 'with /info, and cached with it: tells dockerd from Podman (`docker_audit_engine_info{engine}`)',
  },
  podmanInfo: {
    method: 'GET', path: '/libpod/info', versioned: true, section: 'INFO', readBy: 'facts/podman.ts', collectors: ['containers', 'daemon', 'cis'], modes: BOTH, engines: ['podman'],
    when: 'only when the engine is Podman, cached as /info is: its default capabilities, seccomp, AppArmor, SELinux and log driver',
  },
  listContainers: {
    method: 'GET', path: '/containers/json?all=1', versioned: true, section: 'CONTAINERS', readBy: 'facts/containers.ts', collectors: CONTAINER_COLLECTORS, modes: BOTH,
    when: 'each collection; in server mode skipped while the event stream reports no change, but at least once a minute',
  },
  inspectContainer: {
    method: 'GET', path: '/containers/{id}/json', versioned: true, section: 'CONTAINERS', readBy: 'facts/containers.ts, facts/execs.ts', collectors: CONTAINER_COLLECTORS, modes: BOTH,
    when: 'each new or changed container (the inspect cache), and the container of an exec',
  },
  containerTop: {
    method: 'GET', path: '/containers/{id}/top', versioned: true, section: 'CONTAINERS', readBy: 'collectors/processes.ts', collectors: ['processes'], modes: BOTH,
    when: 'each running container once per `--collector.processes.interval` (each at its own time), and at once when it is new or restarted; in `--once` mode every running container',
  },
  listImages: {
    method: 'GET', path: '/images/json', versioned: true, section: 'IMAGES', readBy: 'facts/images.ts', collectors: ['images', 'imageos', 'cis'], modes: BOTH,
    when: 'each collection',
  },
  inspectImage: {
    method: 'GET', path: '/images/{id}/json', versioned: true, section: 'IMAGES', readBy: 'facts/images.ts', collectors: ['images', 'imageos', 'cis'], modes: BOTH,
    when: 'each image not seen before (cached by id)',
  },
  imageHistory: {
    method: 'GET', path: '/images/{id}/history', versioned: true, section: 'IMAGES', readBy: 'facts/images.ts', collectors: ['images', 'imageos', 'cis'], modes: BOTH,
    when: 'each image not seen before (cached by id)',
  },
  containerArchive: {
    method: 'GET', path: '/containers/{id}/archive?path={path}', versioned: true, section: 'CONTAINERS', readBy: 'facts/image-os.ts', collectors: ['imageos'], modes: BOTH,
    when: 'once per image not read before (cached by image id), on one container of it: `{path}` is `/etc/os-release`, then the target of that symbolic link or `/usr/lib/os-release` (URL-encoded)',
  },
  listVolumes: {
    method: 'GET', path: '/volumes', versioned: true, section: 'VOLUMES', readBy: 'collectors/resources.ts', collectors: ['resources'], modes: BOTH,
    when: 'each collection',
  },
  listNetworks: {
    method: 'GET', path: '/networks', versioned: true, section: 'NETWORKS', readBy: 'collectors/resources.ts', collectors: ['resources'], modes: BOTH,
    when: 'each collection',
  },
  systemDf: {
    method: 'GET', path: '/system/df', versioned: true, section: 'SYSTEM', readBy: 'collectors/resources.ts', collectors: ['resources'], modes: BOTH,
    when: 'every `--collector.resources.df-interval`, in the background',
  },
  streamEvents: {
    method: 'GET', path: '/events', versioned: true, section: 'EVENTS', readBy: 'facts/events.ts', collectors: ['containers', 'events', 'cis'], modes: SERVER,
    when: 'one stream held open for the life of the process, subscribed again after it breaks',
  },
  inspectExec: {
    method: 'GET', path: '/exec/{id}/json', versioned: true, section: 'EXEC', readBy: 'facts/execs.ts', collectors: ['events', 'cis'], modes: SERVER,
    when: 'at once for each `docker exec` the event stream reports (`exec_create`): Docker forgets execs',
  },
} as const satisfies Readonly<Record<string, EnginePath>>;

/** The DockerEngine methods that send a request. */
export type EngineCall = keyof typeof ENGINE_PATHS;

/** The list, in ENGINE_PATHS' order. */
export const ENGINE_PATH_LIST: readonly EnginePath[] = Object.values(ENGINE_PATHS);

/** The paths a mode sends, in the list's order. */
export function pathsOf(mode: ExporterMode): EnginePath[] {
  return ENGINE_PATH_LIST.filter((p) => p.modes.includes(mode));
}

/** Whether dockerd (and so docker-socket-proxy) ever sees the path. */
export function sentToDockerd(p: EnginePath): boolean {
  return !p.engines || p.engines.includes('docker');
}

/** The docker-socket-proxy sections to grant: each once, in the list's order. */
export function proxySections(): ProxySection[] {
  return [...new Set(ENGINE_PATH_LIST.filter(sentToDockerd).map((p) => p.section))];
}
