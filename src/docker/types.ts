// The parts of the Docker Engine API responses the exporter reads. Field names are the
// Engine API's own; every field is optional because older engines, Windows engines and
// containers in odd states leave some out.

export interface ContainerSummary {
  Id: string;
  Names?: string[];
  Image?: string;
  ImageID?: string;
  State?: string;
  /** Human text such as "Up 5 minutes (healthy)" or "Exited (1) 2 hours ago". */
  Status?: string;
  Created?: number;
  Labels?: Record<string, string> | null;
}

export interface PortBinding {
  HostIp?: string;
  HostPort?: string;
}

export interface MountPoint {
  Type?: string;
  Name?: string;
  Source?: string;
  Destination?: string;
  RW?: boolean;
  Mode?: string;
}

export interface HealthState {
  Status?: string;
  FailingStreak?: number;
}

export interface ContainerInspect {
  Id: string;
  Name?: string;
  Image?: string;
  Created?: string;
  RestartCount?: number;
  AppArmorProfile?: string;
  State?: {
    Status?: string;
    Running?: boolean;
    Paused?: boolean;
    Restarting?: boolean;
    OOMKilled?: boolean;
    Dead?: boolean;
    Pid?: number;
    ExitCode?: number;
    StartedAt?: string;
    FinishedAt?: string;
    Health?: HealthState | null;
  };
  Config?: {
    User?: string;
    Image?: string;
    Labels?: Record<string, string> | null;
    Healthcheck?: { Test?: string[] | null } | null;
  };
  HostConfig?: {
    Privileged?: boolean;
    NetworkMode?: string;
    PidMode?: string;
    IpcMode?: string;
    UTSMode?: string;
    UsernsMode?: string;
    CgroupnsMode?: string;
    CapAdd?: string[] | null;
    CapDrop?: string[] | null;
    SecurityOpt?: string[] | null;
    ReadonlyRootfs?: boolean;
    Memory?: number;
    NanoCpus?: number;
    CpuQuota?: number;
    CpuPeriod?: number;
    PidsLimit?: number | null;
    PortBindings?: Record<string, PortBinding[] | null> | null;
    RestartPolicy?: { Name?: string; MaximumRetryCount?: number };
  };
  Mounts?: MountPoint[] | null;
  NetworkSettings?: {
    Ports?: Record<string, PortBinding[] | null> | null;
  };
}

export interface EngineInfo {
  ServerVersion?: string;
  OSType?: string;
  OperatingSystem?: string;
  KernelVersion?: string;
  Driver?: string;
  LoggingDriver?: string;
  CgroupDriver?: string;
  CgroupVersion?: string;
  SecurityOptions?: string[] | null;
}
