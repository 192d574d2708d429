// The daemon's effective settings, from /info, daemon.json and dockerd's command line, plus
// the CIS section 3 files and the active TCP probe. Shared by the daemon and cis collectors.
// (Filled in by the daemon work; the types are the contract the cis collector reads.)
import type { EngineInfo } from '../docker/types';

/** Where one setting came from: dockerd's flags win over daemon.json, which wins over defaults. */
export type SettingSource = 'flag' | 'config' | 'info' | 'default';

export interface DaemonListener {
  /** As written: unix:///var/run/docker.sock, tcp://0.0.0.0:2376, fd://. */
  readonly address: string;
  readonly scheme: string;
  /** TLS on, with client certificates verified (--tlsverify). */
  readonly tlsVerify: boolean;
  /** TLS on at all (--tls or --tlsverify). */
  readonly tls: boolean;
}

export interface DaemonFile {
  /** The host path (without --host.root-path), e.g. /lib/systemd/system/docker.service. */
  readonly path: string;
  /** What the file is, as CIS names it: docker.service, docker.socket, /etc/docker, daemon.json, docker.sock, containerd.sock, /etc/default/docker, /etc/sysconfig/docker, tlscacert, tlscert, tlskey, registry-certs. */
  readonly role: string;
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  readonly isDirectory: boolean;
}

export interface DaemonSettings {
  readonly usernsRemap: string | undefined;
  readonly liveRestore: boolean;
  readonly icc: boolean;
  readonly userlandProxy: boolean;
  readonly noNewPrivileges: boolean;
  readonly experimental: boolean;
  readonly seccomp: boolean;
  readonly seccompProfile: string | undefined;
  readonly apparmor: boolean;
  readonly selinux: boolean;
  readonly rootless: boolean;
  readonly iptables: boolean;
  readonly logLevel: string;
  readonly logDriver: string;
  readonly logOpts: Readonly<Record<string, string>>;
  readonly storageDriver: string;
  readonly authorizationPlugins: readonly string[];
  /** Insecure registries, without the built-in 127.0.0.0/8. */
  readonly insecureRegistries: readonly string[];
  readonly cgroupParent: string | undefined;
  readonly defaultUlimits: Readonly<Record<string, unknown>>;
  readonly listeners: readonly DaemonListener[];
  readonly tlsCaCert: string | undefined;
  readonly tlsCert: string | undefined;
  readonly tlsKey: string | undefined;
  /** Which source decided each setting, by DaemonSettings key. */
  readonly sources: Readonly<Record<string, SettingSource>>;
}

export type SourceState = 'ok' | 'missing' | 'unreadable' | 'invalid';

export interface DaemonFacts {
  /** Undefined when /info could not be read. */
  readonly info: EngineInfo | undefined;
  readonly config: { readonly path: string; readonly state: SourceState; readonly error?: string; readonly values?: Readonly<Record<string, unknown>> };
  readonly cmdline: { readonly state: SourceState; readonly pid?: number; readonly args?: readonly string[]; readonly error?: string };
  readonly settings: DaemonSettings;
  readonly files: readonly DaemonFile[];
  /** The plain-HTTP probes: exposed is true when an unauthenticated Docker API answered. */
  readonly probes: readonly { readonly address: string; readonly exposed: boolean }[];
}

import type { DockerEngine } from '../docker/engine';
import type { CollectorDeps } from '../collectors/collector';

/** Reads every daemon fact once. Never throws for a missing source: it is reported in the facts. */
export async function readDaemonFacts(engine: DockerEngine, options: CollectorDeps['options'], signal: AbortSignal): Promise<DaemonFacts> {
  void engine;
  void options;
  void signal;
  throw new Error('readDaemonFacts: not implemented yet');
}
