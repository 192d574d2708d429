// One posture model, two readers: every recorded inspect goes through the containers
// collector's samples and through the CIS container checks, and the two must agree on every
// container: privileged 1 <=> offender of 5.5, seccomp_unconfined 1 <=> offender of 5.22,
// docker_socket_mounted 1 <=> offender of 5.32, and so on for every container check that
// has a metric. A rule written twice and drifting apart fails here.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CIS_CHECK_BY_ID, CIS_CHECKS } from '../../../src/cis/checks';
import { evaluateChecks } from '../../../src/cis/evaluate';
import { containerSamples } from '../../../src/collectors/containers';
import type { Sample } from '../../../src/metrics/sample';
import { DOCKER_DEFAULT_CAPABILITIES } from '../../../src/model/capabilities';
import { containerPosture, type ContainerPosture } from '../../../src/model/posture';
import type { ContainerInspect } from '../../../src/readers/engine-types';
import { ENGINE_FIXTURES, RECORDED_CONTAINERS, recordedInspect } from '../../helpers/fixtures';
import { POSTURE_OPTIONS, daemonFacts } from './facts';

const load = (file: string) => JSON.parse(fs.readFileSync(path.join(ENGINE_FIXTURES, file), 'utf8')) as ContainerInspect[];

/** Every container inspect recorded from the real engine, and variants of them that reach the rules' other branches. */
function inspects(): ContainerInspect[] {
  const recorded = [...RECORDED_CONTAINERS.map((n) => recordedInspect(n)), ...load('recorded-exec-containers.json'), ...load('recorded-resource-users.inspect.json')];
  const variant = (base: ContainerInspect, name: string, patch: (c: ContainerInspect) => void): ContainerInspect => {
    const c = structuredClone(base);
    c.Id = `${name}`.padEnd(64, '0');
    c.Name = `/variant-${name}`;
    patch(c);
    return c;
  };
  const [caps, hardened, ports] = [recordedInspect('caps'), recordedInspect('hardened'), recordedInspect('ports')];
  return [
    ...recorded,
    variant(ports, 'aaa1', (c) => (c.HostConfig!.PortBindings = { '80/tcp': [{ HostIp: '', HostPort: '80' }], '443/tcp': [{ HostIp: '::', HostPort: '' }] })),
    variant(ports, 'aaa2', (c) => ((c.HostConfig!.PublishAllPorts = true), (c.Config!.ExposedPorts = { '22/tcp': {} }))),
    variant(caps, 'aaa3', (c) => (c.HostConfig!.CapAdd = ['chown', 'CAP_NET_RAW'])),
    variant(hardened, 'aaa4', (c) => (c.HostConfig!.SecurityOpt = ['no-new-privileges=false', 'apparmor=unconfined'])),
    variant(hardened, 'aaa5', (c) => ((c.HostConfig!.SecurityOpt = []), (c.HostConfig!.UsernsMode = 'host'), (c.HostConfig!.UTSMode = 'host'))),
    variant(caps, 'aaa6', (c) => ((c.AppArmorProfile = 'unconfined'), (c.Mounts = [{ Type: 'bind', Source: '/run', Destination: '/r', RW: true }]))),
  ];
}

const WILDCARD = new Set(['0.0.0.0', '::', '']);

/** What each container check says in terms of the containers collector's samples of one container. */
const FROM_SAMPLES: Record<string, (own: (family: string) => Sample[]) => boolean> = {
  '4.1': (own) => own('docker_audit_container_running_as_root')[0].value === 1,
  '5.2': (own) => own('docker_audit_container_apparmor_unconfined')[0].value === 1,
  '5.4': (own) => own('docker_audit_container_capability_added').length > 0,
  '5.5': (own) => own('docker_audit_container_privileged')[0].value === 1,
  '5.6': (own) => own('docker_audit_container_sensitive_mount').length > 0,
  '5.8': (own) => own('docker_audit_container_published_port').some((s) => /^\d+$/.test(s.labels.host_port) && Number(s.labels.host_port) > 0 && Number(s.labels.host_port) < 1024),
  '5.10': (own) => own('docker_audit_container_host_namespace').some((s) => s.labels.namespace === 'network'),
  '5.11': (own) => own('docker_audit_container_memory_limit_bytes')[0].value === 0,
  '5.13': (own) => own('docker_audit_container_read_only_rootfs')[0].value === 0,
  '5.14': (own) => own('docker_audit_container_published_port').some((s) => WILDCARD.has(s.labels.host_ip)),
  '5.16': (own) => own('docker_audit_container_host_namespace').some((s) => s.labels.namespace === 'pid'),
  '5.17': (own) => own('docker_audit_container_host_namespace').some((s) => s.labels.namespace === 'ipc'),
  '5.21': (own) => own('docker_audit_container_host_namespace').some((s) => s.labels.namespace === 'uts'),
  '5.22': (own) => own('docker_audit_container_seccomp_unconfined')[0].value === 1,
  '5.26': (own) => own('docker_audit_container_no_new_privileges')[0].value === 0,
  '5.27': (own) => own('docker_audit_container_healthcheck_configured')[0].value === 0,
  '5.29': (own) => own('docker_audit_container_pids_limit')[0].value === 0,
  '5.31': (own) => own('docker_audit_container_host_namespace').some((s) => s.labels.namespace === 'userns'),
  '5.32': (own) => own('docker_audit_container_docker_socket_mounted')[0].value === 1,
};

describe.each([false, true])('the containers collector and the CIS container checks (daemon no-new-privileges default %s)', (nnpDefault) => {
  const postures: ContainerPosture[] = inspects().map((i) => containerPosture(i, POSTURE_OPTIONS));
  const samples = containerSamples(postures, nnpDefault);
  // AppArmor and SELinux on, so 5.2 and 5.3 are judged too.
  const { results } = evaluateChecks({
    containers: postures,
    daemon: daemonFacts({ apparmor: true, selinux: true, noNewPrivileges: nnpDefault }),
    engineDefaults: { kind: 'docker', capabilities: DOCKER_DEFAULT_CAPABILITIES, noNewPrivileges: nnpDefault, apparmor: true, selinux: true },
  });

  it.each(Object.keys(FROM_SAMPLES))('agree on every container about CIS %s', (check) => {
    const result = results.find((r) => r.check.id === check)!;
    expect(result).toBeDefined();
    const offenders = new Set(result.offenders.map((o) => o.object));
    const disagreements: string[] = [];
    for (const p of postures) {
      const own = (family: string) => samples.filter((s) => s.family.name === family && s.labels.id === p.shortId);
      const metric = FROM_SAMPLES[check](own);
      if (metric !== offenders.has(p.name)) disagreements.push(`${p.name}: metric says ${metric}, check says ${offenders.has(p.name)}`);
    }
    expect(disagreements).toEqual([]);
  });

  it('has both offenders and passing containers for most checks, so the agreement means something', () => {
    const mixed = Object.keys(FROM_SAMPLES).filter((check) => {
      const n = results.find((r) => r.check.id === check)!.offenders.length;
      return n > 0 && n < postures.length;
    });
    expect(mixed.length).toBeGreaterThanOrEqual(Object.keys(FROM_SAMPLES).length - 1);
  });
});

it('maps every container check that has a metric of its own, and only those have none', () => {
  // The container checks judged from facts the containers collector does not turn into a
  // metric of their own: SELinux labels, CPU shares, restart policy, devices, propagation,
  // the cgroup parent, the default bridge, execs and sprawl.
  const withoutMetric = ['5.3', '5.12', '5.15', '5.18', '5.20', '5.23', '5.24', '5.25', '5.30', '6.2'];
  const containerChecks = CIS_CHECKS.filter((c) => c.scope === 'container' && c.evaluate).map((c) => c.id);
  expect(containerChecks.filter((id) => !(id in FROM_SAMPLES)).sort()).toEqual([...withoutMetric].sort());
  for (const id of Object.keys(FROM_SAMPLES)) expect(CIS_CHECK_BY_ID.get(id)?.scope).toBe('container');
});
