// The catalog of CIS Docker Benchmark v1.6 checks: one entry per recommendation of
// sections 1.1 to 6, numbered as docker-bench-security's tests/ number them. A check with
// an evaluator is judged on every collection; one without (`evaluate: null`) needs a human
// or facts the Engine API, daemon.json, dockerd's flags and file stats do not give, and
// never appears in the metrics (docker_audit_cis_check_info lists it all the same).
//
// This is the one place each check's facts are written: its id, title, section, level,
// evaluator, the host path whose audit rule it asks for (1.1.x) and the owner or mode it
// asks of a daemon file (3.x). The audit-rules facts read the paths from here
// (CIS_AUDITED_PATHS), the daemon collector judges file owners with the rules from here
// (fileOwnerRule), and the README's table, the alerts and the dashboards are checked
// against it, CIS ids and titles included.
import * as P from '../base/paths';
import type { AuditedPath } from '../facts/options';
import type { DaemonFileRole, FileOwner } from '../model/daemon-files';
import type { EngineKind } from '../model/engine-kind';
import { effectiveNoNewPrivileges } from '../model/posture';
import type { HostPathSpec } from '../readers/host-paths';
import * as E from './evaluators';
import type { Evaluator } from './evaluators';
import type { ObjectKind } from './facts';

export interface CisCheck {
  /** The recommendation's number, e.g. "5.10". */
  readonly id: string;
  readonly title: string;
  /** The CIS profile: 1 (basic hardening) or 2 (defence in depth, may cost functionality). */
  readonly level: 1 | 2;
  /** The top-level section: "1" Host configuration ... "6" Docker security operations. */
  readonly section: string;
  /** How the benchmark itself labels it. */
  readonly benchmark: 'Automated' | 'Manual';
  /** What the offending objects are; waivers (container labels) apply to container checks only. */
  readonly scope: ObjectKind | 'host';
  /** Null: not automated here (absent from the metrics). */
  readonly evaluate: Evaluator | null;
  readonly remediation: string;
  /** Where this exporter judges differently from docker-bench-security, and why. */
  readonly differs?: string;
  /** 1.1.x: the host path whose audit rule the check asks for. */
  readonly audit?: Omit<AuditedPath, 'check'>;
  /** 3.x: the daemon file the check is about, and the owner or the loosest mode it asks for. */
  readonly file?: { readonly role: DaemonFileRole; readonly owner: FileOwner } | { readonly role: DaemonFileRole; readonly maxMode: number };
}

export const CIS_SECTIONS: Readonly<Record<string, string>> = {
  '1': 'Host configuration',
  '2': 'Docker daemon configuration',
  '3': 'Docker daemon configuration files',
  '4': 'Container images and build file',
  '5': 'Container runtime',
  '6': 'Docker security operations',
};

const AUDIT_DIFFERS = 'Matches the watched path exactly (or a watched parent directory), not as a substring of any rule line, and requires the rule to watch writes and attribute changes.';

/** One check of section 1.1: an audit rule for one host path, titled as the benchmark names the path. */
const auditRule = (id: string, name: string, kind: 'file' | 'directory', where: HostPathSpec): CisCheck => {
  const shown = where.how === 'binary' ? `/usr/bin/${name}` : name;
  return {
    id,
    title: id === '1.1.3' ? 'Ensure auditing is configured for the Docker daemon' : `Ensure auditing is configured for Docker files and directories - ${shown}`,
    level: 1,
    section: '1',
    benchmark: 'Automated',
    scope: 'file',
    evaluate: E.auditRuleFor(id),
    remediation: `Add an audit rule watching ${shown} for writes and attribute changes (-w ${shown} -p wa -k docker) and load it; judged only where the path exists.`,
    differs: AUDIT_DIFFERS,
    audit: { name, kind, where },
  };
};
const fixed = (id: string, p: string, kind: 'file' | 'directory') => auditRule(id, p, kind, { how: 'path', path: p });
const binary = (id: string, name: string) => auditRule(id, name, 'file', { how: 'binary', name });
const unit = (id: string, name: string) => auditRule(id, name, 'file', { how: 'systemd-unit', name });

/** One check of section 3: the owner, or the loosest mode, of the daemon files of one role. */
const owner = (id: string, title: string, role: DaemonFileRole, want: FileOwner, remediation: string, differs?: string): CisCheck => ({
  id, title, level: 1, section: '3', benchmark: 'Automated', scope: 'file', evaluate: E.ownedAs(role, want), remediation, differs, file: { role, owner: want },
});
const mode = (id: string, title: string, role: DaemonFileRole, maxMode: number, remediation: string, differs: string = PERM_DIFFERS): CisCheck => ({
  id, title, level: 1, section: '3', benchmark: 'Automated', scope: 'file', evaluate: E.modeAtMost(role, maxMode), remediation, differs, file: { role, maxMode },
});

const manual = (id: string, section: string, level: 1 | 2, title: string, remediation: string, benchmark: 'Automated' | 'Manual' = 'Manual', differs?: string): CisCheck => ({
  id,
  title,
  level,
  section,
  benchmark,
  scope: 'host',
  evaluate: null,
  remediation,
  differs,
});

/** The daemon settings come from the dockerd that serves this engine; docker-bench-security may read another one. */
const DOCKERD_DIFFERS =
  'Reads the flags of the dockerd that serves the exporter\'s engine (the one whose -H sockets match), with daemon.json and /info; docker-bench-security reads the newest process whose command line contains "dockerd" (pgrep -f -n), which is another daemon when several run.';

const PERM_DIFFERS = 'Compares permission bits (no bit outside the allowed mode), not the octal number as a decimal: 0560 fails "644 or more restrictive" here and passes in docker-bench-security.';

export const CIS_CHECKS: readonly CisCheck[] = [
  // 1 Host configuration: only the audit rules (1.1.3-1.1.18) are judged.
  manual('1.1.1', '1', 1, 'Ensure a separate partition for containers has been created', 'Mount /var/lib/docker (the DockerRootDir) on its own partition or logical volume.', 'Automated'),
  manual('1.1.2', '1', 1, 'Ensure only trusted users are allowed to control Docker daemon', 'Keep only trusted users in the docker group (gpasswd -d USER docker).', 'Automated'),
  binary('1.1.3', 'dockerd'),
  fixed('1.1.4', P.CONTAINERD_DIR, 'directory'),
  fixed('1.1.5', P.DOCKER_DATA_ROOT, 'directory'),
  fixed('1.1.6', P.DOCKER_CONFIG_DIR, 'directory'),
  unit('1.1.7', 'docker.service'),
  // containerd's own socket, or the one of the containerd that dockerd starts itself
  // (Docker 20.10 without a system containerd, as on this project's CI host).
  auditRule('1.1.8', 'containerd.sock', 'file', { how: 'first-existing', paths: [P.CONTAINERD_SOCKET, '/run/docker/containerd/containerd.sock'] }),
  unit('1.1.9', 'docker.socket'),
  fixed('1.1.10', P.DOCKER_DEFAULTS_FILE, 'file'),
  fixed('1.1.11', P.DAEMON_JSON, 'file'),
  fixed('1.1.12', P.CONTAINERD_CONFIG, 'file'),
  fixed('1.1.13', P.DOCKER_SYSCONFIG_FILE, 'file'),
  binary('1.1.14', 'containerd'),
  binary('1.1.15', 'containerd-shim'),
  binary('1.1.16', 'containerd-shim-runc-v1'),
  binary('1.1.17', 'containerd-shim-runc-v2'),
  binary('1.1.18', 'runc'),
  manual('1.2.1', '1', 1, 'Ensure the container host has been Hardened', 'Harden the host OS (for example with its own CIS benchmark).'),
  manual('1.2.2', '1', 1, 'Ensure that the version of Docker is up to date', 'Keep Docker Engine on a supported, patched release (docker_audit_engine_info shows the version).'),

  // 2 Docker daemon configuration.
  { id: '2.1', title: 'Run the Docker daemon as a non-root user, if possible', level: 1, section: '2', benchmark: 'Manual', scope: 'daemon', evaluate: E.daemonRunsAsRoot, remediation: 'Run dockerd rootless (dockerd-rootless-setuptool.sh install, see docs/rootless.md); docker_audit_daemon_rootless shows whether it is on.', differs: 'Automated here: passes when the engine is rootless (/info SecurityOptions name=rootless) or its dockerd runs as a uid other than 0; docker-bench-security leaves it to a human.' },
  { id: '2.2', title: 'Ensure network traffic is restricted between containers on the default bridge', level: 1, section: '2', benchmark: 'Automated', scope: 'daemon', evaluate: E.daemonSetting((s) => s.icc), remediation: 'Set "icc": false in daemon.json (or dockerd --icc=false) and connect containers that must talk through user-defined networks.', differs: DOCKERD_DIFFERS },
  { id: '2.3', title: "Ensure the logging level is set to 'info'", level: 1, section: '2', benchmark: 'Automated', scope: 'daemon', evaluate: E.daemonSetting((s) => s.logLevel !== 'info'), remediation: 'Set "log-level": "info" in daemon.json or remove the setting (info is the default).', differs: DOCKERD_DIFFERS },
  { id: '2.4', title: 'Ensure Docker is allowed to make changes to iptables', level: 1, section: '2', benchmark: 'Automated', scope: 'daemon', evaluate: E.daemonSetting((s) => !s.iptables), remediation: 'Do not run dockerd with --iptables=false or "iptables": false.', differs: DOCKERD_DIFFERS },
  { id: '2.5', title: 'Ensure insecure registries are not used', level: 1, section: '2', benchmark: 'Automated', scope: 'registry', evaluate: E.insecureRegistries, remediation: 'Remove --insecure-registry flags and "insecure-registries" entries; give each registry a trusted TLS certificate.', differs: 'Each insecure registry is an offender; the built-in 127.0.0.0/8, which every daemon lists, is not one.' },
  { id: '2.6', title: 'Ensure aufs storage driver is not used', level: 1, section: '2', benchmark: 'Automated', scope: 'daemon', evaluate: E.daemonSetting((s) => s.storageDriver === 'aufs'), remediation: 'Use overlay2 (the default) instead of aufs.', differs: DOCKERD_DIFFERS },
  { id: '2.7', title: 'Ensure TLS authentication for Docker daemon is configured', level: 1, section: '2', benchmark: 'Automated', scope: 'listener', evaluate: E.tcpWithoutTls, remediation: 'Serve TCP only with --tlsverify, --tlscacert, --tlscert and --tlskey; better, do not listen on TCP at all.', differs: 'Passes when dockerd has no TCP listener (docker-bench-security only notes it). Every TCP listener without verified TLS is an offender, and so is every address where the active probe found an unauthenticated API, even one no configuration shows.' },
  manual('2.8', '2', 1, 'Ensure the default ulimit is configured appropriately', 'Set "default-ulimits" in daemon.json to what your workloads need.', 'Manual', 'Whether a ulimit is appropriate is a judgement; docker-bench-security passes any configured value.'),
  { id: '2.9', title: 'Enable user namespace support', level: 2, section: '2', benchmark: 'Automated', scope: 'daemon', evaluate: E.daemonSetting((s) => !s.usernsRemap), remediation: 'Create /etc/subuid and /etc/subgid ranges and set "userns-remap": "default" in daemon.json.', differs: DOCKERD_DIFFERS },
  { id: '2.10', title: 'Ensure the default cgroup usage has been confirmed', level: 1, section: '2', benchmark: 'Automated', scope: 'daemon', evaluate: E.daemonSetting((s) => !!s.cgroupParent), remediation: 'Leave --cgroup-parent / "cgroup-parent" at its default unless you need it.', differs: DOCKERD_DIFFERS },
  { id: '2.11', title: 'Ensure base device size is not changed until needed', level: 1, section: '2', benchmark: 'Automated', scope: 'daemon', evaluate: E.baseDeviceSizeChanged, remediation: 'Do not set the dm.basesize storage option until needed.', differs: DOCKERD_DIFFERS },
  { id: '2.12', title: 'Ensure that authorization for Docker client commands is enabled', level: 2, section: '2', benchmark: 'Automated', scope: 'daemon', evaluate: E.daemonSetting((s) => s.authorizationPlugins.length === 0), remediation: 'Install an authorization plugin and list it in "authorization-plugins".', differs: DOCKERD_DIFFERS },
  { id: '2.13', title: 'Ensure centralized and remote logging is configured', level: 2, section: '2', benchmark: 'Automated', scope: 'daemon', evaluate: E.localLogging, remediation: 'Use a log driver that ships logs off the host (syslog, journald with forwarding, fluentd, gelf, ...).', differs: 'The local and none drivers fail too, not only json-file.' },
  { id: '2.14', title: 'Ensure containers are restricted from acquiring new privileges', level: 1, section: '2', benchmark: 'Automated', scope: 'daemon', evaluate: E.daemonSetting((s) => !s.noNewPrivileges), remediation: 'Set "no-new-privileges": true in daemon.json.', differs: DOCKERD_DIFFERS },
  { id: '2.15', title: 'Ensure live restore is enabled', level: 1, section: '2', benchmark: 'Automated', scope: 'daemon', evaluate: E.liveRestoreOff, remediation: 'Set "live-restore": true in daemon.json (it passes in swarm mode, where it is incompatible).', differs: DOCKERD_DIFFERS },
  { id: '2.16', title: 'Ensure Userland Proxy is Disabled', level: 1, section: '2', benchmark: 'Automated', scope: 'daemon', evaluate: E.daemonSetting((s) => s.userlandProxy), remediation: 'Set "userland-proxy": false in daemon.json.', differs: DOCKERD_DIFFERS },
  manual('2.17', '2', 1, 'Ensure that a daemon-wide custom seccomp profile is applied if appropriate', 'Keep seccomp on (docker_audit_daemon_seccomp_enabled); apply a custom profile with "seccomp-profile" where your policy asks for one.'),
  { id: '2.18', title: 'Ensure that experimental features are not implemented in production', level: 1, section: '2', benchmark: 'Automated', scope: 'daemon', evaluate: E.daemonSetting((s) => s.experimental), remediation: 'Do not run dockerd with --experimental in production.', differs: 'Judged on every engine version (docker-bench-security only on 19.03 and older).' },

  // 3 Docker daemon configuration files: judged for the files that exist.
  owner('3.1', 'Ensure that the docker.service file ownership is set to root:root', 'docker.service', 'root:root', 'chown root:root "$(systemctl show -p FragmentPath --value docker.service)"'),
  mode('3.2', 'Ensure that docker.service file permissions are appropriately set', 'docker.service', 0o644, 'chmod 644 "$(systemctl show -p FragmentPath --value docker.service)"'),
  owner('3.3', 'Ensure that docker.socket file ownership is set to root:root', 'docker.socket', 'root:root', 'chown root:root "$(systemctl show -p FragmentPath --value docker.socket)"'),
  mode('3.4', 'Ensure that docker.socket file permissions are set to 644 or more restrictive', 'docker.socket', 0o644, 'chmod 644 "$(systemctl show -p FragmentPath --value docker.socket)"'),
  owner('3.5', 'Ensure that the /etc/docker directory ownership is set to root:root', '/etc/docker', 'root:root', 'chown root:root /etc/docker'),
  mode('3.6', 'Ensure that /etc/docker directory permissions are set to 755 or more restrictively', '/etc/docker', 0o755, 'chmod 755 /etc/docker'),
  owner('3.7', 'Ensure that registry certificate file ownership is set to root:root', 'registry-certs', 'root:root', 'chown root:root /etc/docker/certs.d/*/*', 'Checks the group too (root:root, as the title says); docker-bench-security checks only the owner.'),
  mode('3.8', 'Ensure that registry certificate file permissions are set to 444 or more restrictively', 'registry-certs', 0o444, 'chmod 444 /etc/docker/certs.d/*/*'),
  owner('3.9', 'Ensure that TLS CA certificate file ownership is set to root:root', 'tlscacert', 'root:root', 'chown root:root <tlscacert>'),
  mode('3.10', 'Ensure that TLS CA certificate file permissions are set to 444 or more restrictively', 'tlscacert', 0o444, 'chmod 444 <tlscacert>'),
  owner('3.11', 'Ensure that Docker server certificate file ownership is set to root:root', 'tlscert', 'root:root', 'chown root:root <tlscert>'),
  mode('3.12', 'Ensure that the Docker server certificate file permissions are set to 444 or more restrictively', 'tlscert', 0o444, 'chmod 444 <tlscert>'),
  owner('3.13', 'Ensure that the Docker server certificate key file ownership is set to root:root', 'tlskey', 'root:root', 'chown root:root <tlskey>'),
  mode('3.14', 'Ensure that the Docker server certificate key file permissions are set to 400', 'tlskey', 0o400, 'chmod 400 <tlskey>', 'A mode stricter than 400 (e.g. 0000) passes; docker-bench-security wants exactly 400.'),
  owner('3.15', 'Ensure that the Docker socket file ownership is set to root:docker', 'docker.sock', 'root:docker', 'chown root:docker /var/run/docker.sock', 'Owner root with group root passes too: it lets fewer users in than root:docker.'),
  mode('3.16', 'Ensure that the Docker socket file permissions are set to 660 or more restrictively', 'docker.sock', 0o660, 'chmod 660 /var/run/docker.sock'),
  owner('3.17', 'Ensure that the daemon.json file ownership is set to root:root', 'daemon.json', 'root:root', 'chown root:root /etc/docker/daemon.json'),
  mode('3.18', 'Ensure that daemon.json file permissions are set to 644 or more restrictive', 'daemon.json', 0o644, 'chmod 644 /etc/docker/daemon.json'),
  owner('3.19', 'Ensure that the /etc/default/docker file ownership is set to root:root', '/etc/default/docker', 'root:root', 'chown root:root /etc/default/docker'),
  mode('3.20', 'Ensure that the /etc/default/docker file permissions are set to 644 or more restrictively', '/etc/default/docker', 0o644, 'chmod 644 /etc/default/docker'),
  mode('3.21', 'Ensure that the /etc/sysconfig/docker file permissions are set to 644 or more restrictively', '/etc/sysconfig/docker', 0o644, 'chmod 644 /etc/sysconfig/docker'),
  owner('3.22', 'Ensure that the /etc/sysconfig/docker file ownership is set to root:root', '/etc/sysconfig/docker', 'root:root', 'chown root:root /etc/sysconfig/docker'),
  owner('3.23', 'Ensure that the Containerd socket file ownership is set to root:root', 'containerd.sock', 'root:root', 'chown root:root /run/containerd/containerd.sock'),
  mode('3.24', 'Ensure that the Containerd socket file permissions are set to 660 or more restrictively', 'containerd.sock', 0o660, 'chmod 660 /run/containerd/containerd.sock'),

  // 4 Container images and build file.
  { id: '4.1', title: 'Ensure that a user for the container has been created', level: 1, section: '4', benchmark: 'Automated', scope: 'container', evaluate: E.eachContainer((c) => c.runningAsRoot), remediation: 'Add a USER instruction to the Dockerfile (or run with --user) with a non-root user.', differs: 'Every container, not only running ones; "0:0" and "root:root" count as root too.' },
  manual('4.2', '4', 1, 'Ensure that containers use only trusted base images', 'Use images from trusted sources, pinned by digest (docker_audit_image_repo_digest_present shows provenance).'),
  manual('4.3', '4', 1, 'Ensure that unnecessary packages are not installed in the container', 'Build from minimal base images.'),
  manual('4.4', '4', 1, 'Ensure images are scanned and rebuilt to include security patches', 'Scan images (docker_audit_image_vulnerabilities from Trivy reports) and rebuild them regularly.'),
  manual('4.5', '4', 2, 'Ensure Content trust for Docker is Enabled', 'Set DOCKER_CONTENT_TRUST=1 for the clients that pull images.', 'Automated', 'A client environment variable: nothing the daemon can show.'),
  { id: '4.6', title: 'Ensure that HEALTHCHECK instructions have been added to container images', level: 1, section: '4', benchmark: 'Automated', scope: 'image', evaluate: E.imageWithoutHealthcheck, remediation: 'Add a HEALTHCHECK instruction to the Dockerfile.', differs: 'HEALTHCHECK NONE counts as missing.' },
  { id: '4.7', title: 'Ensure update instructions are not used alone in the Dockerfile', level: 1, section: '4', benchmark: 'Manual', scope: 'image', evaluate: E.imageUpdateAlone, remediation: 'Run the package index update and the install in one RUN instruction (apt-get update && apt-get install ...).', differs: 'Flags a layer that updates a package index (apt, apt-get, yum, dnf, apk, zypper) without installing in the same command; docker-bench-security flags any history line containing "update".' },
  manual('4.8', '4', 2, 'Ensure setuid and setgid permissions are removed', 'Remove setuid/setgid bits at build time (find / -perm /6000 -type f -exec chmod a-s {} +).'),
  { id: '4.9', title: 'Ensure that COPY is used instead of ADD in Dockerfiles', level: 1, section: '4', benchmark: 'Manual', scope: 'image', evaluate: E.imageUsesAdd, remediation: 'Use COPY instead of ADD.', differs: 'Matches the ADD instruction, not the letters "ADD" anywhere in a layer command.' },
  manual('4.10', '4', 1, 'Ensure secrets are not stored in Dockerfiles', 'Pass build secrets with BuildKit secret mounts, never in Dockerfile instructions.'),
  manual('4.11', '4', 1, 'Ensure only verified packages are installed', 'Install packages only from signed repositories.'),
  manual('4.12', '4', 1, 'Ensure all signed artifacts are validated', 'Validate artifact signatures before use.'),

  // 5 Container runtime: every container, created, running or stopped.
  { id: '5.1', title: 'Ensure swarm mode is not Enabled, if not needed', level: 1, section: '5', benchmark: 'Automated', scope: 'daemon', evaluate: E.swarmActive, remediation: 'docker swarm leave, if swarm mode was enabled in error.' },
  { id: '5.2', title: 'Ensure that, if applicable, an AppArmor Profile is enabled', level: 1, section: '5', benchmark: 'Automated', scope: 'container', evaluate: E.eachContainer((c) => c.apparmorUnconfined, { engineDefaults: true, applies: (f) => f.engineDefaults!.apparmor === true }), remediation: 'Run containers with the default (docker-default) or a custom AppArmor profile; never apparmor=unconfined or --privileged.', differs: 'Judged only where the daemon has AppArmor on ("if applicable"); a privileged container counts as unconfined. An empty AppArmorProfile (a container created but never started: dockerd fills in docker-default at start) passes; docker-bench-security fails it.' },
  { id: '5.3', title: 'Ensure that, if applicable, SELinux security options are set', level: 2, section: '5', benchmark: 'Automated', scope: 'container', evaluate: E.eachContainer((c) => c.selinuxDisabled, { engineDefaults: true, applies: (f) => f.engineDefaults!.selinux === true }), remediation: 'Run dockerd with --selinux-enabled and do not start containers with label=disable or --privileged.', differs: 'Judged only where the daemon has SELinux on; fails containers that disable labelling (label=disable, privileged), not every container without a security option.' },
  { id: '5.4', title: 'Ensure that Linux kernel capabilities are restricted within containers', level: 1, section: '5', benchmark: 'Automated', scope: 'container', evaluate: E.eachContainer((c) => c.capabilitiesAdded.length > 0), remediation: 'Drop all capabilities (--cap-drop ALL) and add back only those needed; never add ones beyond the engine\'s default set (Docker\'s, or Podman\'s narrower one).' },
  { id: '5.5', title: 'Ensure that privileged containers are not used', level: 1, section: '5', benchmark: 'Automated', scope: 'container', evaluate: E.eachContainer((c) => c.privileged), remediation: 'Do not run containers with --privileged.', differs: 'A created, never-started privileged container fails too: starting it is one command away.' },
  { id: '5.6', title: 'Ensure sensitive host system directories are not mounted on containers', level: 1, section: '5', benchmark: 'Automated', scope: 'container', evaluate: E.eachContainer((c) => c.sensitiveMounts.length > 0), remediation: 'Do not bind-mount sensitive host paths (--collector.containers.sensitive-paths), not even read-only.', differs: 'Read-only mounts count (reading /etc/shadow is enough to hurt), paths below a sensitive one count (/etc/ssl), paths are matched by segment and normalised, and the list is --collector.containers.sensitive-paths (which adds the Docker socket, /var/lib/docker and /run/containerd).' },
  manual('5.7', '5', 1, 'Ensure sshd is not run within containers', 'Uninstall sshd from images; use docker exec.', 'Automated', 'Needs docker exec or /top into every running container; the exporter only reads inspects.'),
  { id: '5.8', title: 'Ensure privileged ports are not mapped within containers', level: 1, section: '5', benchmark: 'Automated', scope: 'container', evaluate: E.eachContainer((c) => c.publishesPrivilegedPort), remediation: 'Publish on host ports 1024 and above.', differs: 'Privileged means below 1024 (docker-bench-security also flags 1024). The ports configured at create time are judged, whether the container runs or not (docker-bench-security reads the ports a running container bound).' },
  manual('5.9', '5', 1, 'Ensure that only needed ports are open on the container', 'Publish only the ports the service needs (docker_audit_container_published_port lists them).', 'Manual', 'Which ports are needed is a judgement; docker-bench-security flags every published port.'),
  { id: '5.10', title: "Ensure that the host's network namespace is not shared", level: 1, section: '5', benchmark: 'Automated', scope: 'container', evaluate: E.eachContainer((c) => c.hostNamespaces.includes('network')), remediation: 'Do not run containers with --network host.' },
  { id: '5.11', title: 'Ensure that the memory usage for containers is limited', level: 1, section: '5', benchmark: 'Automated', scope: 'container', evaluate: E.eachContainer((c) => c.memoryLimitBytes === 0), remediation: 'Run containers with --memory.' },
  { id: '5.12', title: 'Ensure that CPU priority is set appropriately on containers', level: 2, section: '5', benchmark: 'Automated', scope: 'container', evaluate: E.eachContainer((c) => c.cpuLimitCores === 0 && c.cpuShares === 0), remediation: 'Run containers with --cpu-shares or a CPU limit (--cpus).', differs: 'A --cpu-quota limit counts as well as --cpus and --cpu-shares.' },
  { id: '5.13', title: "Ensure that the container's root filesystem is mounted as read only", level: 1, section: '5', benchmark: 'Automated', scope: 'container', evaluate: E.eachContainer((c) => !c.readOnlyRootfs), remediation: 'Run containers with --read-only, with volumes or tmpfs for what must be written.' },
  { id: '5.14', title: 'Ensure that incoming container traffic is bound to a specific host interface', level: 1, section: '5', benchmark: 'Automated', scope: 'container', evaluate: E.eachContainer((c) => c.publishesOnAllInterfaces), remediation: 'Publish ports on a specific address (-p 10.0.0.5:8080:80), not on all interfaces.', differs: 'The IPv6 wildcard (::) counts as well as 0.0.0.0. The ports configured at create time are judged, whether the container runs or not (docker-bench-security reads the ports a running container bound).' },
  { id: '5.15', title: "Ensure that the 'on-failure' container restart policy is set to '5'", level: 1, section: '5', benchmark: 'Automated', scope: 'container', evaluate: E.eachContainer((c) => c.restartPolicyUnbounded), remediation: 'Use --restart on-failure:5 (or fewer retries), or no restart policy.', differs: 'The policies always, unless-stopped and on-failure without a count restart without bound and fail, as the benchmark\'s audit says; docker-bench-security only fails more than 5 retries.' },
  { id: '5.16', title: "Ensure that the host's process namespace is not shared", level: 1, section: '5', benchmark: 'Automated', scope: 'container', evaluate: E.eachContainer((c) => c.hostNamespaces.includes('pid')), remediation: 'Do not run containers with --pid host.' },
  { id: '5.17', title: "Ensure that the host's IPC namespace is not shared", level: 1, section: '5', benchmark: 'Automated', scope: 'container', evaluate: E.eachContainer((c) => c.hostNamespaces.includes('ipc')), remediation: 'Do not run containers with --ipc host.' },
  { id: '5.18', title: 'Ensure that host devices are not directly exposed to containers', level: 1, section: '5', benchmark: 'Manual', scope: 'container', evaluate: E.eachContainer((c) => c.devices > 0), remediation: 'Do not pass host devices (--device); waive the check on containers that truly need one.' },
  manual('5.19', '5', 1, 'Ensure that the default ulimit is overwritten at runtime if needed', 'Override ulimits (--ulimit) only where needed.', 'Manual', 'Whether an override is needed is a judgement; docker-bench-security flags every container without its own ulimits, the opposite of the advice.'),
  { id: '5.20', title: 'Ensure mount propagation mode is not set to shared', level: 1, section: '5', benchmark: 'Automated', scope: 'container', evaluate: E.eachContainer((c) => c.sharedPropagation), remediation: 'Do not mount volumes with shared or rshared propagation.' },
  { id: '5.21', title: "Ensure that the host's UTS namespace is not shared", level: 1, section: '5', benchmark: 'Automated', scope: 'container', evaluate: E.eachContainer((c) => c.hostNamespaces.includes('uts')), remediation: 'Do not run containers with --uts host.' },
  { id: '5.22', title: 'Ensure the default seccomp profile is not Disabled', level: 1, section: '5', benchmark: 'Automated', scope: 'container', evaluate: E.eachContainer((c) => c.seccompUnconfined), remediation: 'Do not run containers with seccomp=unconfined or --privileged.', differs: 'A privileged container counts as unconfined: --privileged turns seccomp off.' },
  { id: '5.23', title: 'Ensure that docker exec commands are not used with the privileged option', level: 1, section: '5', benchmark: 'Automated', scope: 'container', evaluate: E.execFinding('privileged'), remediation: 'Do not use docker exec --privileged.', differs: 'Judged in server mode from the execs seen on the engine\'s event stream since the exporter started (docker-bench-security only prints a note); absent in --once mode, which has no history.' },
  { id: '5.24', title: 'Ensure that docker exec commands are not used with the user=root option', level: 1, section: '5', benchmark: 'Manual', scope: 'container', evaluate: E.execFinding('asRoot'), remediation: 'Do not use docker exec --user root.', differs: 'Judged in server mode from the execs seen on the engine\'s event stream since the exporter started (docker-bench-security only prints a note); absent in --once mode, which has no history.' },
  { id: '5.25', title: 'Ensure that cgroup usage is confirmed', level: 1, section: '5', benchmark: 'Automated', scope: 'container', evaluate: E.eachContainer((c) => c.cgroupParent !== undefined), remediation: 'Do not use --cgroup-parent unless required.' },
  { id: '5.26', title: 'Ensure that the container is restricted from acquiring additional privileges', level: 1, section: '5', benchmark: 'Automated', scope: 'container', evaluate: E.eachContainer((c, f) => !effectiveNoNewPrivileges(c, f.engineDefaults!.noNewPrivileges!), { engineDefaults: true, applies: (f) => f.engineDefaults!.noNewPrivileges !== undefined }), remediation: 'Run containers with --security-opt no-new-privileges, or set "no-new-privileges": true on the daemon.', differs: 'Per container: a container that turns it off (no-new-privileges=false) fails even when the daemon default is on.' },
  { id: '5.27', title: 'Ensure that container health is checked at runtime', level: 1, section: '5', benchmark: 'Automated', scope: 'container', evaluate: E.eachContainer((c) => !c.healthcheckConfigured), remediation: 'Run containers with --health-cmd, or build images with HEALTHCHECK.', differs: 'A healthcheck configured on a container that has not started yet counts (docker-bench-security looks for a health status, which only a running container has).' },
  manual('5.28', '5', 1, 'Ensure that Docker commands always make use of the latest version of their image', 'Pin image versions and pull before running.'),
  { id: '5.29', title: 'Ensure that the PIDs cgroup limit is used', level: 1, section: '5', benchmark: 'Automated', scope: 'container', evaluate: E.eachContainer((c) => c.pidsLimit === 0), remediation: 'Run containers with --pids-limit.' },
  { id: '5.30', title: "Ensure that Docker's default bridge 'docker0' is not used", level: 2, section: '5', benchmark: 'Manual', scope: 'container', evaluate: E.eachContainer((c) => c.onDefaultBridge), remediation: 'Run containers on user-defined networks (docker network create).', differs: 'Read from each container\'s network mode, so stopped containers count.' },
  { id: '5.31', title: "Ensure that the host's user namespaces are not shared", level: 1, section: '5', benchmark: 'Automated', scope: 'container', evaluate: E.eachContainer((c) => c.hostNamespaces.includes('userns')), remediation: 'Do not run containers with --userns host.' },
  { id: '5.32', title: 'Ensure that the Docker socket is not mounted inside any containers', level: 1, section: '5', benchmark: 'Automated', scope: 'container', evaluate: E.eachContainer((c) => c.dockerSocketMounted), remediation: 'Never bind-mount the Docker socket, or a directory holding it, into a container.', differs: 'Matches the socket paths and the directories above them (/var/run, /run, /) by path, not any mount whose text contains "docker.sock".' },

  // 6 Docker security operations.
  { id: '6.1', title: 'Ensure that image sprawl is avoided', level: 1, section: '6', benchmark: 'Manual', scope: 'image', evaluate: E.imageSprawl, remediation: 'Remove images no container uses (docker image prune -a).', differs: 'Same threshold (fewer than half of the images in use); the unused images are the offenders.' },
  { id: '6.2', title: 'Ensure that container sprawl is avoided', level: 1, section: '6', benchmark: 'Manual', scope: 'container', evaluate: E.containerSprawl, remediation: 'Remove containers not in use (docker container prune).', differs: 'Same threshold (more than 25 containers not running); those containers are the offenders.' },
];

/** The checks by id. */
export const CIS_CHECK_BY_ID: ReadonlyMap<string, CisCheck> = new Map(CIS_CHECKS.map((c) => [c.id, c]));

/** The host paths section 1.1 wants audited, in check order: what the audit-rules facts look for. */
export const CIS_AUDITED_PATHS: readonly AuditedPath[] = CIS_CHECKS.flatMap((c) => (c.audit ? [{ check: c.id, ...c.audit }] : []));

/** The owner section 3 asks of the daemon files of a role. */
export function fileOwnerRule(role: DaemonFileRole): FileOwner | undefined {
  for (const c of CIS_CHECKS) if (c.file?.role === role && 'owner' in c.file) return c.file.owner;
  return undefined;
}

/** The loosest mode section 3 allows the daemon files of a role. */
export function fileModeRule(role: DaemonFileRole): number | undefined {
  for (const c of CIS_CHECKS) if (c.file?.role === role && 'maxMode' in c.file) return c.file.maxMode;
  return undefined;
}

/** Why a check does not apply to an engine; a closed set (the `reason` label of docker_audit_cis_checks_not_applicable). */
export const NOT_APPLICABLE_REASONS = ['daemonless_engine', 'rootless_engine'] as const;
export type NotApplicableReason = (typeof NOT_APPLICABLE_REASONS)[number];

/**
 * The files of the system service that a rootless dockerd never reads: it is started by the
 * user's own systemd unit (dockerd-rootless-setuptool.sh writes no socket unit) and not by
 * the distribution's service, whose environment files these are.
 */
const SYSTEM_SERVICE_ONLY: ReadonlySet<DaemonFileRole> = new Set(['docker.socket', '/etc/default/docker', '/etc/sysconfig/docker']);

/**
 * Why the check does not apply to this engine, or undefined when it does. Sections 2 (the
 * daemon's configuration) and 3 (dockerd's files) judge dockerd; Podman has no daemon, so
 * there is nothing of theirs to judge, and judging the host's dockerd instead would describe
 * another engine. A rootless dockerd has its own daemon.json, socket and unit (judged), but
 * none of the system service's socket unit and environment files.
 */
export function notApplicableReason(check: CisCheck, { kind, rootless }: { readonly kind: EngineKind; readonly rootless: boolean }): NotApplicableReason | undefined {
  if (kind === 'podman' && (check.section === '2' || check.section === '3')) return 'daemonless_engine';
  if (kind === 'docker' && rootless && check.file && SYSTEM_SERVICE_ONLY.has(check.file.role)) return 'rootless_engine';
  return undefined;
}
