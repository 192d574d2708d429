// Collector "daemon": the daemon's effective settings, listeners, TCP probe and file modes;
// for a Podman engine, Podman's engine-wide defaults in their place.
// Families are added to the catalog (src/metrics/catalog.ts) through this object.
import { family, type FamilyOptions, type MetricFamily } from '../family';

/** dockerd's posture: a Podman engine has no daemon, and the daemon collector serves none of these for it. */
const DOCKERD_ONLY: FamilyOptions = { engines: ['docker'] };

const gauge = (name: string, help: string) => family('daemon', 'gauge', name, help, [], DOCKERD_ONLY);

/** What Podman has in place of dockerd's posture: its engine-wide defaults (src/model/podman-config.ts). */
const PODMAN_ONLY: FamilyOptions = { engines: ['podman'] };
const podman = (name: string, help: string, labels: readonly string[] = []) => family('daemon', 'gauge', name, help, labels, PODMAN_ONLY);

export const DAEMON_METRICS = {
  daemonSourceAvailable: family('daemon', 'gauge', 'docker_audit_daemon_source_available', 'Whether a source of the daemon\'s settings could be read: info (GET /info), config (daemon.json), cmdline (dockerd\'s command line).', ['source'], DOCKERD_ONLY),
  daemonConfigValid: gauge('docker_audit_daemon_config_valid', 'Whether daemon.json parses as a JSON object (1) or not (0); absent when there is no daemon.json.'),
  daemonConfigUnknownKeys: gauge('docker_audit_daemon_config_unknown_keys', 'Top-level keys of daemon.json that dockerd does not know (dockerd refuses to start with any).'),
  daemonSettingSource: family('daemon', 'gauge', 'docker_audit_daemon_setting_source', 'Present with value 1 for the source that decided each setting: info, flag, config or default.', ['setting', 'source'], DOCKERD_ONLY),

  daemonUsernsRemap: gauge('docker_audit_daemon_userns_remap_enabled', 'Whether dockerd remaps container root to an unprivileged host user (--userns-remap).'),
  daemonLiveRestore: gauge('docker_audit_daemon_live_restore_enabled', 'Whether containers keep running while dockerd is down (--live-restore).'),
  daemonIcc: gauge('docker_audit_daemon_icc_enabled', 'Whether containers on the default bridge may talk to each other (--icc).'),
  daemonUserlandProxy: gauge('docker_audit_daemon_userland_proxy_enabled', 'Whether published ports go through docker-proxy (--userland-proxy).'),
  daemonNoNewPrivileges: gauge('docker_audit_daemon_no_new_privileges_default', 'Whether containers get no-new-privileges by default (--no-new-privileges).'),
  daemonExperimental: gauge('docker_audit_daemon_experimental_enabled', 'Whether experimental features are on (--experimental).'),
  daemonSeccomp: gauge('docker_audit_daemon_seccomp_enabled', 'Whether containers get a seccomp profile by default (not seccomp-profile=unconfined); absent when /info cannot be read and no flag says.'),
  daemonApparmor: gauge('docker_audit_daemon_apparmor_enabled', 'Whether dockerd applies AppArmor profiles; absent when /info cannot be read.'),
  daemonSelinux: gauge('docker_audit_daemon_selinux_enabled', 'Whether dockerd applies SELinux labels (--selinux-enabled).'),
  daemonRootless: gauge('docker_audit_daemon_rootless', 'Whether dockerd runs rootless.'),
  daemonLogRotation: gauge('docker_audit_daemon_log_rotation_configured', 'Whether the default log driver rotates container logs: json-file with max-size, or local.'),
  daemonAuthorizationPlugins: gauge('docker_audit_daemon_authorization_plugins', 'Number of authorization plugins.'),
  daemonInsecureRegistries: gauge('docker_audit_daemon_insecure_registries', 'Number of registries reached without TLS verification, not counting the built-in 127.0.0.0/8.'),

  daemonListener: family('daemon', 'gauge', 'docker_audit_daemon_listener', 'Present with value 1 for each address dockerd serves the API on (-H / hosts); tls is "true" only for TCP with --tlsverify.', ['address', 'tls'], DOCKERD_ONLY),
  daemonInsecureTcpExposed: family('daemon', 'gauge', 'docker_audit_daemon_insecure_tcp_exposed', 'Whether an unauthenticated Docker API answered a plain-HTTP GET /_ping at the address (every TCP listener and --daemon.probe-address).', ['address'], DOCKERD_ONLY),
  daemonFileMode: family('daemon', 'gauge', 'docker_audit_daemon_file_mode', 'Permission bits of a daemon file CIS section 3 lists, as a number (420 is 0644).', ['path'], DOCKERD_ONLY),
  daemonFileOwnerOk: family('daemon', 'gauge', 'docker_audit_daemon_file_owner_ok', 'Whether a daemon file CIS section 3 lists is owned as CIS asks (root:root; docker.sock root:docker or root:root).', ['path'], DOCKERD_ONLY),

  podmanInfoAvailable: podman('docker_audit_podman_libpod_info_available', 'Whether Podman\'s own GET /libpod/info could be read; without it the defaults below come from containers.conf and Podman\'s built-in ones, and AppArmor, SELinux and seccomp are absent unless containers.conf says.'),
  podmanConfigFileValid: podman('docker_audit_podman_config_file_valid', 'Whether a containers.conf found on --podman.config-paths parses (1) or not (0: not TOML, a key of the wrong type, or unreadable; Podman refuses to run with it, and its settings are not taken).', ['path']),
  podmanDefaultCapability: podman('docker_audit_podman_default_capability', 'Present with value 1 for each capability Podman gives every container (containers.conf default_capabilities, as /libpod/info reports it). Container capabilities are judged against this set.', ['capability']),
  podmanSeccomp: podman('docker_audit_podman_seccomp_enabled', 'Whether containers get a seccomp profile by default (seccomp available and seccomp_profile not "unconfined").'),
  podmanApparmor: podman('docker_audit_podman_apparmor_enabled', 'Whether Podman applies AppArmor profiles; absent when /libpod/info cannot be read.'),
  podmanSelinux: podman('docker_audit_podman_selinux_enabled', 'Whether Podman applies SELinux labels; absent when /libpod/info cannot be read.'),
  podmanUserns: podman('docker_audit_podman_userns_enabled', 'Whether containers get their own user namespace by default (containers.conf userns other than "host"), so container root is not host root.'),
  podmanLogSizeMax: podman('docker_audit_podman_log_size_max_bytes', 'The size at which Podman truncates a container\'s log file by default (containers.conf log_size_max); -1 for no limit, Podman\'s default.'),
  podmanLogRotation: podman('docker_audit_podman_log_rotation_configured', 'Whether the default log driver keeps bounded files: k8s-file or json-file with log_size_max above 0 (journald\'s limits are journald\'s own: 0 here, as for dockerd).'),
  podmanEngineInfo: podman('docker_audit_podman_engine_info', 'Podman\'s default log driver, OCI runtime and cgroup manager; value 1.', ['log_driver', 'runtime', 'cgroup_manager']),
  podmanSocketMode: podman('docker_audit_podman_socket_mode', 'Permission bits of Podman\'s API socket, as a number (432 is 0660); anyone who can write to it runs containers as Podman\'s user.', ['path']),
  podmanSocketOwnerOk: podman('docker_audit_podman_socket_owner_ok', 'Whether Podman\'s API socket is owned as it should be: root:root for a rootful Podman, its user (not root) for a rootless one.', ['path']),
} as const satisfies Record<string, MetricFamily>;
