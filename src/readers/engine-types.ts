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
  /** private, rprivate, shared, rshared, slave, rslave; empty for volumes. */
  Propagation?: string;
}

export interface EndpointSettings {
  NetworkID?: string;
  EndpointID?: string;
  Aliases?: string[] | null;
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
  /** The json-file log as a host path (under the data root); "" for drivers that keep no such file. */
  LogPath?: string;
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
    /** "80/tcp": {} for each port the image or --expose declares. */
    ExposedPorts?: Record<string, unknown> | null;
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
    /** -P: every exposed port is published on a port Docker picks at start. */
    PublishAllPorts?: boolean;
    RestartPolicy?: { Name?: string; MaximumRetryCount?: number };
    CpuShares?: number;
    CgroupParent?: string;
    Devices?: { PathOnHost?: string; PathInContainer?: string; CgroupPermissions?: string }[] | null;
    /** The log driver and its options, the daemon's default log-opts merged in at create time. */
    LogConfig?: { Type?: string; Config?: Record<string, string> | null };
  };
  Mounts?: MountPoint[] | null;
  NetworkSettings?: {
    Ports?: Record<string, PortBinding[] | null> | null;
    /** The networks the container is attached to, by network name. */
    Networks?: Record<string, EndpointSettings | null> | null;
  };
}

export interface EngineInfo {
  ID?: string;
  Name?: string;
  ServerVersion?: string;
  DockerRootDir?: string;
  ExperimentalBuild?: boolean;
  LiveRestoreEnabled?: boolean;
  /** E.g. ["name=seccomp,profile=default", "name=apparmor", "name=userns", "name=rootless", "name=selinux"]. */
  OSType?: string;
  OperatingSystem?: string;
  KernelVersion?: string;
  Driver?: string;
  LoggingDriver?: string;
  CgroupDriver?: string;
  CgroupVersion?: string;
  SecurityOptions?: string[] | null;
  Plugins?: { Authorization?: string[] | null; Log?: string[] | null; Network?: string[] | null; Volume?: string[] | null } | null;
  RegistryConfig?: {
    InsecureRegistryCIDRs?: string[] | null;
    IndexConfigs?: Record<string, { Name?: string; Secure?: boolean; Official?: boolean; Mirrors?: string[] | null }> | null;
  } | null;
  Containers?: number;
  Images?: number;
  Warnings?: string[] | null;
}

/** GET /version. Podman's compatible API answers it too, with a component named "Podman Engine". */
export interface EngineVersion {
  Version?: string;
  ApiVersion?: string;
  MinAPIVersion?: string;
  Os?: string;
  Arch?: string;
  KernelVersion?: string;
  Platform?: { Name?: string } | null;
  /** dockerd: "Engine", "containerd", "runc", "docker-init"; Podman: "Podman Engine", "Conmon", "OCI Runtime (runc)". */
  Components?: { Name?: string; Version?: string; Details?: Record<string, unknown> | null }[] | null;
}

/** Podman's own GET /libpod/info (Podman 4.x), the part the exporter reads: Podman's effective defaults. */
export interface LibpodInfo {
  host?: {
    security?: {
      /** The capabilities every container gets: "CAP_CHOWN,CAP_DAC_OVERRIDE,..." (containers.conf default_capabilities). */
      capabilities?: string;
      seccompEnabled?: boolean;
      seccompProfilePath?: string;
      apparmorEnabled?: boolean;
      selinuxEnabled?: boolean;
      rootless?: boolean;
    } | null;
    /** The default log driver: k8s-file, journald, none, passthrough. */
    logDriver?: string;
    cgroupManager?: string;
    ociRuntime?: { name?: string } | null;
    /** Where Podman's API socket is, as Podman sees it. */
    remoteSocket?: { path?: string; exists?: boolean } | null;
  } | null;
}

export interface ImageSummary {
  Id: string;
  ParentId?: string;
  RepoTags?: string[] | null;
  RepoDigests?: string[] | null;
  /** Unix seconds. */
  Created?: number;
  Size?: number;
  /** -1 unless the daemon computed it (only /system/df does). */
  Containers?: number;
  Labels?: Record<string, string> | null;
  /** The same as Size on API < 1.44 (removed there); `docker system df` reads it. */
  VirtualSize?: number;
  /** Bytes in layers other images share; -1 unless the daemon computed it (only /system/df does). */
  SharedSize?: number;
}

export interface ImageInspect {
  Id: string;
  RepoTags?: string[] | null;
  RepoDigests?: string[] | null;
  Parent?: string;
  /** RFC 3339 with nanoseconds. */
  Created?: string;
  Size?: number;
  Author?: string;
  Config?: {
    User?: string;
    Env?: string[] | null;
    Healthcheck?: { Test?: string[] | null } | null;
    Labels?: Record<string, string> | null;
    ExposedPorts?: Record<string, unknown> | null;
    Entrypoint?: string[] | null;
    Cmd?: string[] | null;
  } | null;
  Os?: string;
  Architecture?: string;
}

export interface ImageHistoryEntry {
  Id?: string;
  Created?: number;
  CreatedBy?: string;
  Tags?: string[] | null;
  Size?: number;
  Comment?: string;
}

export interface Volume {
  Name: string;
  Driver?: string;
  Mountpoint?: string;
  Labels?: Record<string, string> | null;
  Scope?: string;
  CreatedAt?: string;
}

export interface VolumeList {
  Volumes?: Volume[] | null;
  Warnings?: string[] | null;
}

export interface NetworkSummary {
  Name: string;
  Id: string;
  Driver?: string;
  Scope?: string;
  Internal?: boolean;
  Options?: Record<string, string> | null;
  Labels?: Record<string, string> | null;
  /** Not filled in by GET /networks: only by GET /networks/{id}. */
  Containers?: Record<string, unknown> | null;
}

export interface SystemDf {
  LayersSize?: number;
  Images?: (ImageSummary & { SharedSize?: number })[] | null;
  Containers?: (ContainerSummary & { SizeRw?: number; SizeRootFs?: number })[] | null;
  Volumes?: (Volume & { UsageData?: { Size?: number; RefCount?: number } | null })[] | null;
  BuildCache?: { ID?: string; Size?: number; InUse?: boolean; Shared?: boolean; Type?: string }[] | null;
}

export interface ExecInspect {
  ID: string;
  ContainerID?: string;
  Running?: boolean;
  ExitCode?: number | null;
  Pid?: number;
  ProcessConfig?: { user?: string; privileged?: boolean; entrypoint?: string; arguments?: string[] };
  /** Where the exec's own settings are kept (the container's User applies when empty). */
  OpenStdin?: boolean;
}

/**
 * GET /containers/{id}/top: what `docker top` prints. On Linux the engine runs `ps -ef`
 * (or the ps_args given) on the host and keeps the lines of the container's processes:
 * Titles are ps's column heads (UID PID PPID C STIME TTY TIME CMD), each process one row
 * of strings in that order. Windows engines send other titles (Name, PID, CPU, …).
 */
export interface ContainerTop {
  Titles?: string[] | null;
  Processes?: string[][] | null;
}
