// Collector "daemon": the daemon's effective settings, listeners, TCP probe and file modes.
// Families are added to the catalog (src/metrics/catalog.ts) through this object.
import { family, type FamilyOptions, type MetricFamily } from '../family';

/** dockerd's posture: a Podman engine has no daemon, and the daemon collector serves none of these for it. */
const DOCKERD_ONLY: FamilyOptions = { engines: ['docker'] };

const gauge = (name: string, help: string) => family('daemon', 'gauge', name, help, [], DOCKERD_ONLY);

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
} as const satisfies Record<string, MetricFamily>;
