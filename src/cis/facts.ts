// What the CIS checks are judged from, and what a judgement is. Every input is optional:
// a fact that could not be read leaves its checks unjudged (absent), never "passed".
import type { AuditRulesFacts } from '../facts/audit-rules';
import type { DaemonFacts } from '../facts/daemon';
import type { EngineDefaults } from '../facts/engine-defaults';
import type { ImageFacts } from '../facts/images';
import type { ContainerPosture } from '../model/posture';

/** Execs seen on one container (CIS 5.23, 5.24), from the engine's event stream and exec inspects. */
export interface ExecFindings {
  readonly privileged: number;
  readonly asRoot: number;
}

export interface CisFacts {
  /** Every container's posture (src/model/posture.ts), the same objects the containers collector reads. */
  readonly containers?: readonly ContainerPosture[];
  readonly daemon?: DaemonFacts;
  /** What the engine, dockerd or Podman, gives every container (5.2, 5.3, 5.26 judge against it). */
  readonly engineDefaults?: EngineDefaults;
  readonly images?: readonly ImageFacts[];
  readonly auditRules?: AuditRulesFacts;
  /** By full container id; absent without an event stream (--once). */
  readonly execs?: ReadonlyMap<string, ExecFindings>;
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
  /**
   * Every object the check looked at, the offenders among them, so a report can say which
   * objects passed. Absent: only the offenders are known (a passing check then has no object).
   */
  readonly objects?: readonly Offender[];
}

export const NOT_JUDGED: Judgement = { judged: false, offenders: [] };
