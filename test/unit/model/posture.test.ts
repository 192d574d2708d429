import { DOCKER_SOCKET_PATHS, SENSITIVE_PATHS } from '../../../src/base/paths';
import { postureSamples } from '../../../src/collectors/containers';
import { normaliseCapability } from '../../../src/model/capabilities';
import {
  CONTAINER_FINDINGS,
  containerFindings,
  containerPosture,
  cpuLimitCores,
  hasContainerFinding,
  isSameOrUnder,
  normaliseHostPath,
  parseDockerTime,
  pidsLimit,
  userIsRoot,
} from '../../../src/model/posture';
import type { ContainerInspect } from '../../../src/readers/engine-types';
import { ALL_FAMILIES } from '../../../src/metrics/catalog';
import { RECORDED_CONTAINERS, recordedInspect, series, valueOf, type RecordedContainer } from '../../helpers/fixtures';

const options = { sensitivePaths: SENSITIVE_PATHS, dockerSocketPaths: DOCKER_SOCKET_PATHS };
/** A recorded container's posture (`summary`) and the samples the containers collector makes of it. */
const judge = (inspect: ContainerInspect, opts = options) => {
  const summary = containerPosture(inspect, opts);
  return { summary, samples: postureSamples(summary, false) };
};
const posture = (name: RecordedContainer, patch?: (c: ContainerInspect) => void) => {
  const inspect = recordedInspect(name);
  patch?.(inspect);
  return judge(inspect);
};

describe('containerPosture on inspect JSON recorded from Docker Engine 20.10', () => {
  it('labels every series with name, 12-character id and configured image, and none with the state but the state series', () => {
    for (const name of RECORDED_CONTAINERS) {
      const inspect = recordedInspect(name);
      const { samples } = judge(inspect);
      for (const s of samples) {
        expect(s.labels.name).toBe(`fixture-rec-${name}`);
        expect(s.labels.id).toBe(inspect.Id.slice(0, 12));
        expect(s.labels.id).toMatch(/^[0-9a-f]{12}$/);
        if (s.family.name === 'docker_audit_container_state') expect(s.labels.state).toBe(inspect.State!.Status);
        else {
          expect(s.labels.image).toBe('docker-audit-test/busybox:local');
          expect(s.labels.state).toBeUndefined();
        }
        // Every family it emits is in the catalog, with exactly the catalog's labels.
        const family = ALL_FAMILIES.find((f) => f.name === s.family.name);
        expect(family).toBeDefined();
        expect(Object.keys(s.labels).sort()).toEqual([...family!.labels].sort());
      }
    }
  });

  it('reports the container state Docker reports, for created, restarting and exited ones too', () => {
    expect(posture('privileged').summary.state).toBe('created');
    expect(posture('restartloop').summary.state).toBe('restarting');
    expect(posture('exited').summary.state).toBe('exited');
    expect(posture('caps').summary.state).toBe('running');
  });

  it('emits container_info with image id and compose labels, and nothing from env or other labels', () => {
    const { samples } = posture('compose');
    expect(series(samples, 'docker_audit_container_info')).toEqual([
      `image_id=${recordedInspect('compose').Image!.slice('sha256:'.length, 'sha256:'.length + 12)},compose_project=shop,compose_service=web => 1`,
    ]);
    const text = JSON.stringify(samples.map((s) => s.labels));
    expect(text).not.toContain('hunter2'); // the env var PASSWORD and the label secret.token
    expect(series(posture('caps').samples, 'docker_audit_container_info')[0]).toMatch(/,compose_project=,compose_service= => 1$/);
  });

  it('detects a privileged container that was created but never started', () => {
    const { samples, summary } = posture('privileged');
    expect(valueOf(samples, 'docker_audit_container_privileged')).toBe(1);
    expect(summary.privileged).toBe(true);
    // --privileged also drops seccomp and AppArmor confinement.
    expect(valueOf(samples, 'docker_audit_container_seccomp_unconfined')).toBe(1);
    expect(valueOf(samples, 'docker_audit_container_apparmor_unconfined')).toBe(1);
    expect(valueOf(samples, 'docker_audit_container_started_timestamp_seconds')).toBeUndefined();
    expect(valueOf(posture('caps').samples, 'docker_audit_container_privileged')).toBe(0);
  });

  it('reads root from Config.User: empty, root and 0:0 are root; 1000:1000 is not', () => {
    expect(valueOf(posture('caps').samples, 'docker_audit_container_running_as_root')).toBe(1); // ""
    expect(valueOf(posture('unhealthy').samples, 'docker_audit_container_running_as_root')).toBe(1); // "root"
    expect(valueOf(posture('ports').samples, 'docker_audit_container_running_as_root')).toBe(1); // "0:0"
    expect(valueOf(posture('hardened').samples, 'docker_audit_container_running_as_root')).toBe(0); // "1000:1000"
  });

  it('reports limits: memory bytes, NanoCpus, CpuQuota without NanoCpus, and PIDs', () => {
    const hardened = posture('hardened');
    expect(valueOf(hardened.samples, 'docker_audit_container_memory_limit_bytes')).toBe(64 * 1024 * 1024);
    expect(valueOf(hardened.samples, 'docker_audit_container_cpu_limit_cores')).toBe(0.5);
    expect(valueOf(hardened.samples, 'docker_audit_container_pids_limit')).toBe(100);
    expect(hardened.summary).toMatchObject({ memoryLimitBytes: 64 * 1024 * 1024, cpuLimitCores: 0.5 });
    const ports = posture('ports'); // --cpu-quota 50000 --cpu-period 100000 --pids-limit -1
    expect(valueOf(ports.samples, 'docker_audit_container_cpu_limit_cores')).toBe(0.5);
    expect(valueOf(ports.samples, 'docker_audit_container_pids_limit')).toBe(0);
    expect(valueOf(ports.samples, 'docker_audit_container_memory_limit_bytes')).toBe(0);
    expect(ports.summary).toMatchObject({ memoryLimitBytes: 0, cpuLimitCores: 0.5 });
    const caps = posture('caps');
    expect(valueOf(caps.samples, 'docker_audit_container_cpu_limit_cores')).toBe(0);
    expect(caps.summary.cpuLimitCores).toBe(0);
  });

  it('treats Docker\'s PidsLimit 0, -1 and null all as unlimited', () => {
    expect(pidsLimit({ PidsLimit: -1 })).toBe(0);
    expect(pidsLimit({ PidsLimit: 0 })).toBe(0);
    expect(pidsLimit({ PidsLimit: null })).toBe(0);
    expect(pidsLimit({})).toBe(0);
    expect(pidsLimit({ PidsLimit: 42 })).toBe(42);
    expect(valueOf(posture('hardened', (c) => (c.HostConfig!.PidsLimit = -1)).samples, 'docker_audit_container_pids_limit')).toBe(0);
  });

  it('computes CPU cores from quota with the kernel\'s default period when none is set', () => {
    expect(cpuLimitCores({ CpuQuota: 200000, CpuPeriod: 0 })).toBe(2);
    expect(cpuLimitCores({ CpuQuota: -1, CpuPeriod: 100000 })).toBe(0);
    expect(cpuLimitCores({ NanoCpus: 1_500_000_000, CpuQuota: 50000 })).toBe(1.5);
  });

  it('reports each namespace shared with the host, and none otherwise', () => {
    expect(series(posture('hostns').samples, 'docker_audit_container_host_namespace')).toEqual([
      // Engine 20.10 on cgroup v1 puts every container in the host cgroup namespace.
      'namespace=cgroup => 1',
      'namespace=ipc => 1',
      'namespace=network => 1',
      'namespace=pid => 1',
      'namespace=uts => 1',
    ]);
    expect(series(posture('caps').samples, 'docker_audit_container_host_namespace')).toEqual(['namespace=cgroup => 1']);
    const userns = posture('caps', (c) => {
      c.HostConfig!.UsernsMode = 'host';
      c.HostConfig!.CgroupnsMode = 'private';
      c.HostConfig!.NetworkMode = 'container:abc'; // shares another container's, not the host's
    });
    expect(series(userns.samples, 'docker_audit_container_host_namespace')).toEqual(['namespace=userns => 1']);
  });

  it('reports sensitive bind mounts with their mode, subpaths included, and the Docker socket', () => {
    const { samples } = posture('mounts');
    expect(series(samples, 'docker_audit_container_sensitive_mount')).toEqual([
      'source=/etc,destination=/host-etc,read_only=true => 1',
      'source=/etc/ssl,destination=/ssl,read_only=false => 1',
      'source=/var/run/docker.sock,destination=/var/run/docker.sock,read_only=false => 1',
    ]);
    expect(valueOf(samples, 'docker_audit_container_docker_socket_mounted')).toBe(1);
    expect(valueOf(posture('caps').samples, 'docker_audit_container_docker_socket_mounted')).toBe(0);
  });

  it('counts a mount of a directory holding the socket as a socket mount, but not a sibling path', () => {
    const withMount = (source: string) =>
      posture('caps', (c) => {
        c.Mounts = [{ Type: 'bind', Source: source, Destination: '/x', RW: true }];
      }).samples;
    expect(valueOf(withMount('/var/run'), 'docker_audit_container_docker_socket_mounted')).toBe(1);
    expect(valueOf(withMount('/run/'), 'docker_audit_container_docker_socket_mounted')).toBe(1);
    expect(valueOf(withMount('/'), 'docker_audit_container_docker_socket_mounted')).toBe(1);
    expect(series(withMount('/'), 'docker_audit_container_sensitive_mount')).toEqual(['source=/,destination=/x,read_only=false => 1']);
    expect(valueOf(withMount('/var/run/docker.sock.bak'), 'docker_audit_container_docker_socket_mounted')).toBe(0);
    expect(series(withMount('/etcetera'), 'docker_audit_container_sensitive_mount')).toEqual([]);
    expect(series(withMount('/home/user'), 'docker_audit_container_sensitive_mount')).toEqual([]);
    expect(series(withMount('/etc/../etc/passwd'), 'docker_audit_container_sensitive_mount')).toEqual([
      'source=/etc/passwd,destination=/x,read_only=false => 1',
    ]);
    // A Windows engine's paths and empty sources are never Linux host paths.
    expect(series(withMount('C:\\Windows\\System32'), 'docker_audit_container_sensitive_mount')).toEqual([]);
    expect(series(withMount(''), 'docker_audit_container_sensitive_mount')).toEqual([]);
  });

  it('ignores named volumes, whose sources live under /var/lib/docker', () => {
    const { samples } = posture('caps', (c) => {
      c.Mounts = [{ Type: 'volume', Name: 'data', Source: '/var/lib/docker/volumes/data/_data', Destination: '/data', RW: true }];
    });
    expect(series(samples, 'docker_audit_container_sensitive_mount')).toEqual([]);
  });

  it('honours a configured sensitive-path list instead of the default', () => {
    const inspect = recordedInspect('mounts');
    const { samples } = judge(inspect, { sensitivePaths: ['/tmp'], dockerSocketPaths: DOCKER_SOCKET_PATHS });
    expect(series(samples, 'docker_audit_container_sensitive_mount')).toEqual(['source=/tmp,destination=/scratch,read_only=false => 1']);
  });

  it('normalises added capabilities and reports seccomp/AppArmor opt-outs', () => {
    const { samples } = posture('caps');
    expect(series(samples, 'docker_audit_container_capability_added')).toEqual(['capability=NET_ADMIN => 1', 'capability=SYS_TIME => 1']);
    expect(valueOf(samples, 'docker_audit_container_seccomp_unconfined')).toBe(1);
    expect(valueOf(samples, 'docker_audit_container_apparmor_unconfined')).toBe(1);
    expect(normaliseCapability(' cap_sys_admin ')).toBe('SYS_ADMIN');
    expect(normaliseCapability('ALL')).toBe('ALL');
    const legacy = posture('hardened', (c) => (c.HostConfig!.SecurityOpt = ['seccomp:unconfined']));
    expect(valueOf(legacy.samples, 'docker_audit_container_seccomp_unconfined')).toBe(1);
  });

  it('reports no-new-privileges and a read-only rootfs only where set', () => {
    const hardened = posture('hardened');
    expect(valueOf(hardened.samples, 'docker_audit_container_no_new_privileges')).toBe(1);
    expect(valueOf(hardened.samples, 'docker_audit_container_read_only_rootfs')).toBe(1);
    expect(valueOf(hardened.samples, 'docker_audit_container_seccomp_unconfined')).toBe(0);
    const caps = posture('caps');
    expect(valueOf(caps.samples, 'docker_audit_container_no_new_privileges')).toBe(0);
    expect(valueOf(caps.samples, 'docker_audit_container_read_only_rootfs')).toBe(0);
    const explicit = posture('caps', (c) => (c.HostConfig!.SecurityOpt = ['no-new-privileges:true']));
    expect(valueOf(explicit.samples, 'docker_audit_container_no_new_privileges')).toBe(1);
    const off = posture('caps', (c) => (c.HostConfig!.SecurityOpt = ['no-new-privileges=false']));
    expect(valueOf(off.samples, 'docker_audit_container_no_new_privileges')).toBe(0);
  });

  it('reports published ports as configured at create time, with protocol, and "" for the wildcard address', () => {
    const configured = [
      'host_ip=0.0.0.0,host_port=18081,container_port=81,protocol=udp => 1',
      'host_ip=127.0.0.1,host_port=18080,container_port=80,protocol=tcp => 1',
    ];
    expect(series(posture('ports').samples, 'docker_audit_container_published_port')).toEqual(configured);
    expect(series(posture('caps').samples, 'docker_audit_container_published_port')).toEqual([]);
    // The same series whether it runs (live bindings, with the IPv6 twin) or not: the labels never change with its state.
    const stopped = posture('ports', (c) => (c.NetworkSettings!.Ports = {}));
    expect(series(stopped.samples, 'docker_audit_container_published_port')).toEqual(configured);
  });

  it('reports -P ports as published on a port Docker picks, on every interface', () => {
    const all = posture('caps', (c) => {
      c.HostConfig!.PublishAllPorts = true;
      c.Config!.ExposedPorts = { '80/tcp': {}, '53/udp': {} };
      c.HostConfig!.PortBindings = { '80/tcp': [{ HostIp: '', HostPort: '8080' }] };
    });
    expect(series(all.samples, 'docker_audit_container_published_port')).toEqual([
      'host_ip=0.0.0.0,host_port=,container_port=53,protocol=udp => 1',
      'host_ip=0.0.0.0,host_port=8080,container_port=80,protocol=tcp => 1',
    ]);
    expect(all.summary).toMatchObject({ publishesOnAllInterfaces: true, publishesPrivilegedPort: false });
  });

  it('reports healthcheck configuration and current health status', () => {
    const hardened = posture('hardened');
    expect(valueOf(hardened.samples, 'docker_audit_container_healthcheck_configured')).toBe(1);
    expect(series(hardened.samples, 'docker_audit_container_health_status')).toEqual(['status=healthy => 1']);
    expect(series(posture('unhealthy').samples, 'docker_audit_container_health_status')).toEqual(['status=unhealthy => 1']);
    const caps = posture('caps');
    expect(valueOf(caps.samples, 'docker_audit_container_healthcheck_configured')).toBe(0);
    expect(series(caps.samples, 'docker_audit_container_health_status')).toEqual([]);
    const disabled = posture('hardened', (c) => (c.Config!.Healthcheck = { Test: ['NONE'] }));
    expect(valueOf(disabled.samples, 'docker_audit_container_healthcheck_configured')).toBe(0);
    expect(series(disabled.samples, 'docker_audit_container_health_status')).toEqual([]);
  });

  it('reports OOM kills, exit codes and restart counts', () => {
    const oom = posture('oom');
    expect(valueOf(oom.samples, 'docker_audit_container_oom_killed')).toBe(1);
    expect(valueOf(oom.samples, 'docker_audit_container_exit_code')).toBe(137);
    expect(valueOf(posture('exited').samples, 'docker_audit_container_exit_code')).toBe(7);
    expect(valueOf(posture('exited').samples, 'docker_audit_container_oom_killed')).toBe(0);
    const loop = posture('restartloop');
    expect(valueOf(loop.samples, 'docker_audit_container_restarts_total')).toBe(recordedInspect('restartloop').RestartCount);
    expect(valueOf(loop.samples, 'docker_audit_container_restarts_total')).toBeGreaterThan(0);
    expect(valueOf(loop.samples, 'docker_audit_container_exit_code')).toBe(3);
  });

  it('reports the start time in seconds, with Docker\'s nanoseconds cut to milliseconds', () => {
    const started = valueOf(posture('hardened').samples, 'docker_audit_container_started_timestamp_seconds')!;
    expect(started).toBeCloseTo(Date.parse(recordedInspect('hardened').State!.StartedAt!.replace(/(\.\d{3})\d+/, '$1')) / 1000, 3);
    expect(parseDockerTime('2026-11-23T16:22:53.357488421Z')).toBe(1795450973.357);
    expect(parseDockerTime('0001-01-01T00:00:00Z')).toBeUndefined();
    expect(parseDockerTime('')).toBeUndefined();
    expect(parseDockerTime('not a time')).toBeUndefined();
  });

  it('survives a container whose optional sections are all missing', () => {
    const { samples, summary } = judge({ Id: 'abcdef0123456789' });
    expect(summary).toMatchObject({ state: 'unknown', privileged: false, runningAsRoot: true, memoryLimitBytes: 0, cpuLimitCores: 0, name: '', image: '', imageId: '' });
    expect(samples.every((s) => s.family.labels.every((l) => typeof s.labels[l] === 'string'))).toBe(true);
    expect(samples[0].labels).toMatchObject({ name: '', id: 'abcdef012345', image: '' });
  });
});

describe('posture helpers', () => {
  it.each([
    ['', true],
    ['0', true],
    ['root', true],
    ['0:0', true],
    ['root:wheel', true],
    [':1000', true],
    ['1000', false],
    ['1000:0', false],
    ['nobody', false],
    ['rootless', false],
  ])('userIsRoot(%j) is %s', (user, root) => {
    expect(userIsRoot(user)).toBe(root);
  });

  it('matches paths by segment, with / matching only itself', () => {
    expect(isSameOrUnder('/etc/ssl', '/etc')).toBe(true);
    expect(isSameOrUnder('/etc', '/etc')).toBe(true);
    expect(isSameOrUnder('/etcetera', '/etc')).toBe(false);
    expect(isSameOrUnder('/home', '/')).toBe(false);
    expect(isSameOrUnder('/', '/')).toBe(true);
    expect(normaliseHostPath('/etc/')).toBe('/etc');
    expect(normaliseHostPath('/var//run/./docker.sock')).toBe('/var/run/docker.sock');
  });
});

describe('containerFindings: what --collector.containers.detail=findings keeps', () => {
  const findings = (name: RecordedContainer, patch?: (c: ContainerInspect) => void, nnp = false) => containerFindings(posture(name, patch).summary, nnp);

  it('finds nothing on the recorded hardened container (cgroup v1 host: its host cgroup namespace is not a finding)', () => {
    const { summary } = posture('hardened');
    expect(summary.hostNamespaces).toEqual(['cgroup']);
    expect(containerFindings(summary, false)).toEqual([]);
    expect(hasContainerFinding(summary, false)).toBe(false);
  });

  it('names what is wrong with each recorded container, in catalog order', () => {
    expect(findings('privileged')).toEqual(expect.arrayContaining(['privileged', 'running_as_root', 'seccomp_unconfined', 'apparmor_unconfined']));
    expect(findings('caps')).toEqual(expect.arrayContaining(['capability_added', 'seccomp_unconfined', 'apparmor_unconfined']));
    expect(findings('hostns')).toContain('host_namespace');
    expect(findings('mounts')).toEqual(expect.arrayContaining(['sensitive_mount', 'docker_socket_mounted']));
    expect(findings('ports')).toContain('published_on_all_interfaces'); // 81/udp on ""
    for (const name of RECORDED_CONTAINERS) {
      const f = findings(name);
      expect(f).toEqual(CONTAINER_FINDINGS.filter((x) => f.includes(x)));
      if (name !== 'hardened') expect(f).toContain('running_as_root');
    }
  });

  it('finds each thing a hardened container can get wrong, alone', () => {
    const one = (patch: (c: ContainerInspect) => void, nnp = false) => findings('hardened', patch, nnp);
    expect(one((c) => (c.HostConfig!.Privileged = true))).toEqual(['privileged', 'seccomp_unconfined', 'apparmor_unconfined']);
    expect(one((c) => (c.Config!.User = 'root'))).toEqual(['running_as_root']);
    expect(one((c) => (c.HostConfig!.Memory = 0))).toEqual(['no_memory_limit']);
    expect(one((c) => ((c.HostConfig!.NanoCpus = 0), (c.HostConfig!.CpuShares = 512)))).toEqual(['no_cpu_limit']); // stricter than CIS 5.12, as docker_audit_containers_without_cpu_limit
    expect(one((c) => (c.HostConfig!.PidsLimit = -1))).toEqual(['no_pids_limit']);
    expect(one((c) => (c.HostConfig!.PidMode = 'host'))).toEqual(['host_namespace']);
    expect(one((c) => (c.HostConfig!.CapAdd = ['SYS_ADMIN']))).toEqual(['capability_added']);
    expect(one((c) => (c.HostConfig!.CapAdd = ['NET_BIND_SERVICE']))).toEqual([]); // in Docker's default set: adding it changes nothing
    expect(one((c) => (c.Mounts = [{ Type: 'bind', Source: '/etc', Destination: '/host-etc', RW: false }]))).toEqual(['sensitive_mount']);
    expect(one((c) => (c.Mounts = [{ Type: 'bind', Source: '/home/app/data', Destination: '/var/run', RW: true }]))).toEqual([]);
    expect(one((c) => (c.HostConfig!.SecurityOpt = ['no-new-privileges', 'seccomp=unconfined']))).toEqual(['seccomp_unconfined']);
    expect(one((c) => (c.HostConfig!.SecurityOpt = ['no-new-privileges', 'apparmor=unconfined']))).toEqual(['apparmor_unconfined']);
    expect(one((c) => (c.HostConfig!.SecurityOpt = []))).toEqual(['new_privileges_allowed']);
    expect(one((c) => (c.HostConfig!.SecurityOpt = []), true)).toEqual([]); // the daemon's default applies
    expect(one((c) => (c.HostConfig!.SecurityOpt = ['no-new-privileges=false']), true)).toEqual(['new_privileges_allowed']);
    expect(one((c) => (c.HostConfig!.ReadonlyRootfs = false))).toEqual(['writable_rootfs']);
    expect(one((c) => (c.HostConfig!.PortBindings = { '8080/tcp': [{ HostIp: '', HostPort: '8080' }] }))).toEqual(['published_on_all_interfaces']);
    expect(one((c) => (c.HostConfig!.PortBindings = { '80/tcp': [{ HostIp: '127.0.0.1', HostPort: '80' }] }))).toEqual(['published_privileged_port']);
    expect(one((c) => (c.HostConfig!.PortBindings = { '80/tcp': [{ HostIp: '127.0.0.1', HostPort: '8080' }] }))).toEqual([]);
    expect(one((c) => (c.Config!.Healthcheck = { Test: ['NONE'] }))).toEqual(['no_healthcheck']);
  });

  it('leaves a clean container nothing bad to show: each of its series in full detail is at its good value', () => {
    const bad: Record<string, (s: { value: number; labels: Record<string, string> }) => boolean> = {
      docker_audit_container_privileged: (s) => s.value === 1,
      docker_audit_container_running_as_root: (s) => s.value === 1,
      docker_audit_container_memory_limit_bytes: (s) => s.value === 0,
      docker_audit_container_cpu_limit_cores: (s) => s.value === 0,
      docker_audit_container_pids_limit: (s) => s.value === 0,
      docker_audit_container_host_namespace: (s) => s.labels.namespace !== 'cgroup',
      docker_audit_container_sensitive_mount: () => true,
      docker_audit_container_docker_socket_mounted: (s) => s.value === 1,
      docker_audit_container_capability_added: (s) => !['NET_BIND_SERVICE', 'CHOWN'].includes(s.labels.capability),
      docker_audit_container_seccomp_unconfined: (s) => s.value === 1,
      docker_audit_container_apparmor_unconfined: (s) => s.value === 1,
      docker_audit_container_no_new_privileges: (s) => s.value === 0,
      docker_audit_container_read_only_rootfs: (s) => s.value === 0,
      docker_audit_container_published_port: (s) => s.labels.host_ip === '0.0.0.0' || (s.labels.host_port !== '' && Number(s.labels.host_port) < 1024),
      docker_audit_container_healthcheck_configured: (s) => s.value === 0,
    };
    const variants: ((c: ContainerInspect) => void)[] = [
      () => {},
      (c) => (c.HostConfig!.CapAdd = ['net_bind_service', 'CAP_CHOWN']),
      (c) => (c.HostConfig!.PortBindings = { '80/tcp': [{ HostIp: '10.0.0.5', HostPort: '8080' }], '53/udp': [{ HostIp: '127.0.0.1', HostPort: '' }] }),
      (c) => (c.Mounts = [{ Type: 'volume', Source: '/var/lib/docker/volumes/x/_data', Destination: '/data', RW: true }]),
    ];
    for (const patch of variants) {
      const { summary, samples } = posture('hardened', patch);
      expect(hasContainerFinding(summary, false)).toBe(false);
      for (const s of samples) expect([s.family.name, s.labels, bad[s.family.name]?.(s) ?? false]).toEqual([s.family.name, s.labels, false]);
    }
  });
});
