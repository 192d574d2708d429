// The container checks on Podman: real containers of the `podman system service` that
// scripts/provision-podman.sh starts, created, running and exited, each with one property
// of the matrix (root, host namespaces, a sensitive bind mount and Podman's own socket,
// memory/CPU/PIDs limits, read-only root, no-new-privileges, a port published on loopback),
// read by the exporter pointed at Podman: the exact container series, and which of this
// file's containers each CIS container check fails (docker_audit_cis_check_failure).
//
// Where Podman 4.3 differs from dockerd, the test pins what it does, with the proof beside it
// (docs/podman.md, "Known differences"): it reports --ipc host as IpcMode "shareable", and it
// gives every container a PIDs limit of 2048 unless told --pids-limit -1.
import * as fs from 'node:fs';
import { runExporter } from '../helpers/exporter-process';
import { parseExposition, seriesLines, type ParsedSeries } from '../helpers/exposition';
import { freePort } from '../helpers/free-port';
import { PODMAN_HOST, PODMAN_IMAGE, PODMAN_SOCKET, podman, removePodmanContainers } from '../helpers/podman-cli';

const P = `dae-pc-${process.pid}-`;
const NAMES = ['root', 'hostns', 'mounts', 'sockvar', 'hardened', 'ports', 'exited', 'created'] as const;
type Name = (typeof NAMES)[number];
const ids = {} as Record<Name, string>;
let hostPort = '';

/** The labels every per-container series carries. */
const labels = (name: Name) => `name=${P}${name},id=${ids[name]},image=${PODMAN_IMAGE}`;

const OTHER_COLLECTORS = ['daemon', 'images', 'imageos', 'resources', 'processes', 'events', 'auditrules', 'auditlog', 'logs', 'host', 'firewall'];
let series: ParsedSeries[] = [];

beforeAll(async () => {
  removePodmanContainers(P);
  hostPort = String(await freePort());
  const run = (name: Name, ...args: string[]) => (ids[name] = podman('run', '-d', '--name', P + name, ...args, PODMAN_IMAGE, 'sleep', '3600').slice(0, 12));
  run('root', '--network', 'none');
  run('hostns', '--network', 'host', '--pid', 'host', '--ipc', 'host');
  // /etc read-write, and the engine's own socket by the name the exporter was given.
  run('mounts', '--network', 'none', '-v', '/etc:/host-etc', '-v', `${PODMAN_SOCKET}:/podman.sock`);
  // The same socket by its other name: Podman reports the source as spelled.
  run('sockvar', '--network', 'none', '-v', `/var${PODMAN_SOCKET}:/podman.sock:ro`);
  run(
    'hardened',
    ...['--network', 'none', '--user', '1000:1000', '--read-only', '--security-opt', 'no-new-privileges'],
    ...['--memory', '64m', '--cpus', '0.5', '--pids-limit', '64'],
  );
  // Rootful Podman publishes through CNI here; loopback only.
  run('ports', '-p', `127.0.0.1:${hostPort}:80`);
  ids.exited = podman('create', '--name', `${P}exited`, '--network', 'none', '--pids-limit', '-1', PODMAN_IMAGE, 'sh', '-c', 'exit 7').slice(0, 12);
  podman('start', `${P}exited`);
  // `podman wait` returns once it exited, and prints its exit code.
  const code = podman('wait', `${P}exited`);
  if (code !== '7') throw new Error(`${P}exited exited ${code}, not 7`);
  ids.created = podman('create', '--name', `${P}created`, '--network', 'none', '--memory', '32m', PODMAN_IMAGE, 'sleep', '3600').slice(0, 12);
  const run1 = await runExporter(['--once', ...OTHER_COLLECTORS.map((c) => `--no-collector.${c}`)], 60_000, { env: { DOCKER_HOST: PODMAN_HOST } });
  if (run1.code !== 0) throw new Error(`--once against Podman exited ${run1.code}: ${run1.stderr}`);
  series = parseExposition(run1.stdout);
}, 180_000);

afterAll(() => removePodmanContainers(P), 60_000);

const mine = () => series.filter((s) => s.labels.name?.startsWith(P));
/** This file's containers' series of a family whose value is not 0. */
const nonZero = (family: string) => seriesLines(mine(), family).filter((l) => !l.endsWith(' 0'));
/** This file's containers failing a CIS check, sorted. */
const failing = (check: string): string[] =>
  series
    .filter((s) => s.name === 'docker_audit_cis_check_failure' && s.labels.check === check && s.labels.object.startsWith(P) && s.value === 1)
    .map((s) => s.labels.object.slice(P.length))
    .sort();
const except = (...names: Name[]): string[] => NAMES.filter((n) => !names.includes(n)).sort();

describe('the container checks on Podman', () => {
  it('reads every container in its state, with the collectors succeeding', () => {
    expect(seriesLines(series, 'docker_audit_collector_success')).toEqual(['cis', 'containers', 'engine'].map((c) => `docker_audit_collector_success{collector=${c}} 1`));
    expect(seriesLines(mine(), 'docker_audit_container_state')).toEqual(
      NAMES.map((n) => `docker_audit_container_state{name=${P}${n},id=${ids[n]},state=${n === 'exited' ? 'exited' : n === 'created' ? 'created' : 'running'}} 1`).sort(),
    );
    expect(seriesLines(mine(), 'docker_audit_container_exit_code', { name: `${P}exited` })).toEqual([`docker_audit_container_exit_code{${labels('exited')}} 7`]);
  });

  it('running as root: every container but the one with --user 1000:1000, and CIS 4.1 fails them', () => {
    expect(seriesLines(mine(), 'docker_audit_container_running_as_root').filter((l) => l.endsWith(' 0'))).toEqual([`docker_audit_container_running_as_root{${labels('hardened')}} 0`]);
    expect(failing('4.1')).toEqual(except('hardened'));
  });

  it('host namespaces: network and pid, CIS 5.10 and 5.16; --ipc host is not seen, as Podman 4.3 reports IpcMode "shareable"', () => {
    expect(nonZero('docker_audit_container_host_namespace')).toEqual([
      `docker_audit_container_host_namespace{${labels('hostns')},namespace=network} 1`,
      `docker_audit_container_host_namespace{${labels('hostns')},namespace=pid} 1`,
    ]);
    expect(failing('5.10')).toEqual(['hostns']);
    expect(failing('5.16')).toEqual(['hostns']);
    // The container does share the host's IPC namespace (the same namespace inode as this test's),
    // but the inspect says otherwise, so 5.17 passes it. When Podman reports it, this fails:
    // then the ipc series and 5.17 are to be expected here, and docs/podman.md to be updated.
    const pid = podman('inspect', '--format', '{{.State.Pid}}', `${P}hostns`);
    expect(fs.readlinkSync(`/proc/${pid}/ns/ipc`)).toBe(fs.readlinkSync('/proc/self/ns/ipc'));
    expect(podman('inspect', '--format', '{{.HostConfig.IpcMode}}', `${P}hostns`)).toBe('shareable');
    expect(failing('5.17')).toEqual([]);
  });

  it('a read-write /etc is a sensitive mount (CIS 5.6); the Podman socket, by either name, is the Docker socket (CIS 5.32)', () => {
    expect(nonZero('docker_audit_container_sensitive_mount')).toEqual([
      `docker_audit_container_sensitive_mount{${labels('mounts')},source=/etc,destination=/host-etc,read_only=false} 1`,
    ]);
    expect(failing('5.6')).toEqual(['mounts']);
    expect(nonZero('docker_audit_container_docker_socket_mounted')).toEqual([
      `docker_audit_container_docker_socket_mounted{${labels('mounts')}} 1`,
      `docker_audit_container_docker_socket_mounted{${labels('sockvar')}} 1`,
    ]);
    expect(failing('5.32')).toEqual(['mounts', 'sockvar']);
  });

  it('memory, CPU and PIDs limits (CIS 5.11, 5.12, 5.29), with Podman\'s default PIDs limit of 2048', () => {
    expect(nonZero('docker_audit_container_memory_limit_bytes')).toEqual([
      `docker_audit_container_memory_limit_bytes{${labels('created')}} 33554432`,
      `docker_audit_container_memory_limit_bytes{${labels('hardened')}} 67108864`,
    ]);
    expect(failing('5.11')).toEqual(except('hardened', 'created'));
    expect(nonZero('docker_audit_container_cpu_limit_cores')).toEqual([`docker_audit_container_cpu_limit_cores{${labels('hardened')}} 0.5`]);
    expect(failing('5.12')).toEqual(except('hardened'));
    // Podman's containers.conf default (pids_limit = 2048) applies to every container not given
    // one; --pids-limit -1 is the only way to none, which 5.29 fails.
    expect(seriesLines(mine(), 'docker_audit_container_pids_limit')).toEqual(
      NAMES.map((n) => `docker_audit_container_pids_limit{${labels(n)}} ${n === 'hardened' ? 64 : n === 'exited' ? 0 : 2048}`).sort(),
    );
    expect(failing('5.29')).toEqual(['exited']);
  });

  it('read-only root filesystem (CIS 5.13) and no-new-privileges', () => {
    expect(nonZero('docker_audit_container_read_only_rootfs')).toEqual([`docker_audit_container_read_only_rootfs{${labels('hardened')}} 1`]);
    expect(failing('5.13')).toEqual(except('hardened'));
    // CIS 5.26 reads the daemon's default as well, which Podman has not got: absent for now (docs/podman.md).
    expect(nonZero('docker_audit_container_no_new_privileges')).toEqual([`docker_audit_container_no_new_privileges{${labels('hardened')}} 1`]);
  });

  it('a port published on loopback: its series, and neither CIS 5.8 (privileged port) nor 5.14 (all interfaces) fails', () => {
    expect(nonZero('docker_audit_container_published_port')).toEqual([
      `docker_audit_container_published_port{${labels('ports')},host_ip=127.0.0.1,host_port=${hostPort},container_port=80,protocol=tcp} 1`,
    ]);
    expect(failing('5.8')).toEqual([]);
    expect(failing('5.14')).toEqual([]);
  });

  it('no container of this file is privileged (CIS 5.5), nor has seccomp off (CIS 5.22)', () => {
    expect(nonZero('docker_audit_container_privileged')).toEqual([]);
    expect(failing('5.5')).toEqual([]);
    expect(nonZero('docker_audit_container_seccomp_unconfined')).toEqual([]);
    expect(failing('5.22')).toEqual([]);
  });
});
