// Where things live on a Docker host, as dockerd, containerd, systemd and auditd put them
// by default. The one definition: flags take their defaults from here, the CIS catalog
// names these paths, and the readers look in these places. Every one of them can be moved
// with a flag (--host.root-path, --daemon.config-path, --audit.log-path, ...), so tests
// point them at fixture trees.

/** The Docker socket as dockerd creates it and the docker CLI looks for it. */
export const DOCKER_SOCKET = '/var/run/docker.sock';

/** The same socket by both of its names: /var/run is a link to /run on every systemd host. */
export const DOCKER_SOCKET_PATHS: readonly string[] = [DOCKER_SOCKET, '/run/docker.sock'];

/** The engine the exporter talks to unless DOCKER_HOST or --docker.host says otherwise. */
export const DEFAULT_DOCKER_HOST = `unix://${DOCKER_SOCKET}`;

/** dockerd's --exec-root default: its own containerd puts its socket below it. */
export const DOCKER_EXEC_ROOT = '/var/run/docker';

/** dockerd's --data-root default. */
export const DOCKER_DATA_ROOT = '/var/lib/docker';

/** dockerd's configuration folder and file (--config-file default). */
export const DOCKER_CONFIG_DIR = '/etc/docker';
export const DAEMON_JSON = '/etc/docker/daemon.json';

/** Per-registry CA and client certificates: certs.d/<registry>/<file>. */
export const REGISTRY_CERTS_DIR = '/etc/docker/certs.d';

/** The environment files the distribution's init scripts read (Debian's and Red Hat's). */
export const DOCKER_DEFAULTS_FILE = '/etc/default/docker';
export const DOCKER_SYSCONFIG_FILE = '/etc/sysconfig/docker';

/** The system containerd: its state folder, socket and configuration. */
export const CONTAINERD_DIR = '/run/containerd';
export const CONTAINERD_SOCKET = '/run/containerd/containerd.sock';
export const CONTAINERD_CONFIG = '/etc/containerd/config.toml';

/**
 * Podman's containers.conf, in the order podman reads them, a later key replacing an earlier
 * one (containers.conf(5)): the distribution's, the administrator's, then its drop-in folder.
 */
export const PODMAN_CONFIG_PATHS: readonly string[] = ['/usr/share/containers/containers.conf', '/etc/containers/containers.conf', '/etc/containers/containers.conf.d'];

/** Where binaries are looked for, in this order: the first folder holding the name wins. */
export const BINARY_DIRS: readonly string[] = ['/usr/bin', '/usr/sbin', '/usr/local/bin', '/bin', '/sbin'];

/**
 * Where systemd looks for system unit files, in its order of precedence (systemd.unit(5);
 * /lib/systemd/system for hosts without a merged /usr).
 */
export const SYSTEMD_UNIT_DIRS: readonly string[] = ['/etc/systemd/system', '/run/systemd/system', '/usr/local/lib/systemd/system', '/lib/systemd/system', '/usr/lib/systemd/system'];

/** auditd's log, and the rules files augenrules loads. */
export const AUDIT_LOG = '/var/log/audit/audit.log';
export const AUDIT_RULES_PATHS: readonly string[] = ['/etc/audit/audit.rules', '/etc/audit/rules.d'];

/** The host's root and procfs as the exporter sees them when it runs on the host itself. */
export const HOST_ROOT = '/';
export const HOST_PROC = '/proc';
/** The host's sysfs: AppArmor, SELinux, cgroup and lockdown state (--host.sys-path). */
export const HOST_SYS = '/sys';

/**
 * Host paths whose bind mount into a container weakens the host (CIS Docker Benchmark 5.6,
 * plus the sockets and data folders that hand over the daemon itself). Subpaths count too,
 * except below "/", which matches only a mount of the root itself.
 */
export const SENSITIVE_PATHS: readonly string[] = ['/', '/boot', '/dev', '/etc', '/lib', '/proc', '/sys', '/usr', ...DOCKER_SOCKET_PATHS, DOCKER_DATA_ROOT, CONTAINERD_DIR];
