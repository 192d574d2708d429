// What the facts are read with: the part of the configuration the readers of this layer
// need. The CLI fills it from the flags (src/cli/main.ts); tests fill it from flags too.
import type { HostPathSpec } from '../readers/host-paths';

/** A host path whose audit rule a CIS check asks for (checks 1.1.3-1.1.18 of the catalog). */
export interface AuditedPath {
  /** The check id, e.g. "1.1.5". */
  readonly check: string;
  /** The path as the benchmark names it: "/var/lib/docker", "docker.service", "runc". */
  readonly name: string;
  /** A directory is expected to be watched with everything below it. */
  readonly kind: 'file' | 'directory';
  readonly where: HostPathSpec;
}

export interface FactsOptions {
  /** Host paths whose bind mounts are sensitive, normalised. */
  readonly sensitivePaths: readonly string[];
  /** The Docker socket's paths, the one the exporter talks to included. */
  readonly dockerSocketPaths: readonly string[];
  /** Longest a container inspect is reused while nothing says it changed; 0 disables the cache. */
  readonly inspectMaxAgeMs: number;
  readonly inspectConcurrency: number;
  /** Longest the engine's /info answer is reused. */
  readonly engineInfoMaxAgeMs: number;
  /** Follow the engine's event stream between collections (server mode, not --once). */
  readonly watchEvents: boolean;
  /** True in --once mode: no streams, nothing kept for a next collection. */
  readonly once: boolean;
  /** Where the host's files are: "/" and "/proc" normally, "/host" and "/host/proc" in a container. */
  readonly host: { readonly rootPath: string; readonly procPath: string };
  readonly daemon: { readonly configPath: string; readonly probeAddresses: readonly string[] };
  /** containers.conf files and folders of *.conf, in the order Podman reads them (a later key wins). */
  readonly podman: { readonly configPaths: readonly string[] };
  readonly audit: {
    readonly auditctlPath: string;
    readonly rulesPaths: readonly string[];
    /** Longest the last read of the rules is served (--collector.auditrules.interval); 0 or absent: every collection reads them. */
    readonly rulesIntervalMs?: number;
  };
  /** The paths the CIS catalog wants audited, in check order. */
  readonly auditedPaths: readonly AuditedPath[];
}
