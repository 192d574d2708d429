// What the CIS checks are judged from, and what a judgement is. Every input is optional:
// a source that could not be read leaves its checks unjudged (absent), never "passed".
import type { ContainerInspect, MountPoint } from '../docker/types';
import type { AuditRulesFacts } from '../sources/audit-rules';
import type { DaemonFacts } from '../sources/daemon';
import type { ImageFacts } from '../sources/images';

export type CisMount = MountPoint & { Propagation?: string };

/** The inspect fields the checks read beyond those the containers collector needs. */
export type CisContainer = ContainerInspect & {
  ProcessLabel?: string;
  HostConfig?: ContainerInspect['HostConfig'] & {
    CpuShares?: number;
    CgroupParent?: string;
    Devices?: { PathOnHost?: string; PathInContainer?: string; CgroupPermissions?: string }[] | null;
  };
  Mounts?: CisMount[] | null;
  NetworkSettings?: NonNullable<ContainerInspect['NetworkSettings']> & { Networks?: Record<string, unknown> | null };
};

/** Execs seen on one container (CIS 5.23, 5.24), from the engine's event stream and exec inspects. */
export interface ExecFindings {
  readonly privileged: number;
  readonly asRoot: number;
}

export interface CisFacts {
  readonly containers?: readonly CisContainer[];
  readonly daemon?: DaemonFacts;
  readonly images?: readonly ImageFacts[];
  readonly auditRules?: AuditRulesFacts;
  /** By full container id; absent until an events source provides it. */
  readonly execs?: ReadonlyMap<string, ExecFindings>;
  /** As the containers collector: --collector.containers.sensitive-paths and the socket paths. */
  readonly sensitivePaths: readonly string[];
  readonly dockerSocketPaths: readonly string[];
}

/** What an offending object is; the metric's `object` label holds its name. */
export type ObjectKind = 'container' | 'image' | 'file' | 'daemon' | 'listener' | 'registry';

export interface Offender {
  readonly object: string;
  readonly kind: ObjectKind;
}

export interface Judgement {
  readonly judged: boolean;
  readonly offenders: readonly Offender[];
}

export const NOT_JUDGED: Judgement = { judged: false, offenders: [] };
