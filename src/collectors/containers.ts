// Collector "containers": the posture of every container, created, running or stopped,
// from the shared container facts (src/facts/containers.ts): one series per container and
// property, with labels that never change for the container's life, its state on
// docker_audit_container_state and its metadata on docker_audit_container_info. When the
// facts say nothing changed since the last collection, the last samples are served again.
// With --collector.containers.detail=findings, a container without a finding
// (model/posture.ts, containerFindings) has only its state and info series; the counts are
// the same in both modes, over every container.
import { logWhenNew } from '../base/log';
import { forEachSliced } from '../base/time-slice';
import { CONTAINERS_METRICS as M } from '../metrics/families/containers';
import { flag, sample, type Sample } from '../metrics/sample';
import { CONTAINER_STATES, effectiveNoNewPrivileges, hasContainerFinding, type ContainerDetail, type ContainerPosture } from '../model/posture';
import type { Collector, CollectorDeps, CollectorOptions } from './collector';

/** Per-state counts, with every known state present (0 included) so series do not flap. */
export function stateCounts(postures: readonly ContainerPosture[], predicate: (p: ContainerPosture) => boolean): Map<string, number> {
  const counts = new Map<string, number>(CONTAINER_STATES.map((s) => [s, 0]));
  for (const p of postures) if (predicate(p)) counts.set(p.state, (counts.get(p.state) ?? 0) + 1);
  return counts;
}

const COUNT_FAMILIES = [
  [M.containers, () => true],
  [M.containersPrivileged, (p: ContainerPosture) => p.privileged],
  [M.containersRunningAsRoot, (p: ContainerPosture) => p.runningAsRoot],
  [M.containersWithoutMemoryLimit, (p: ContainerPosture) => p.memoryLimitBytes === 0],
  [M.containersWithoutCpuLimit, (p: ContainerPosture) => p.cpuLimitCores === 0],
] as const;

/**
 * One container's samples. Pure. `daemonNoNewPrivileges` is the daemon's default, which a
 * container without its own option gets. With `detail` "findings", a container without a
 * finding gets its info and state series only.
 */
export function postureSamples(p: ContainerPosture, daemonNoNewPrivileges: boolean, detail: ContainerDetail = 'all'): Sample[] {
  const base = { name: p.name, id: p.shortId, image: p.image };
  const out: Sample[] = [
    sample(M.containerInfo, { ...base, image_id: p.imageId, compose_project: p.composeProject, compose_service: p.composeService }, 1),
    sample(M.containerState, { name: p.name, id: p.shortId, state: p.state }, 1),
  ];
  if (detail === 'findings' && !hasContainerFinding(p, daemonNoNewPrivileges)) return out;
  out.push(
    sample(M.containerPrivileged, base, flag(p.privileged)),
    sample(M.containerRunningAsRoot, base, flag(p.runningAsRoot)),
    sample(M.containerRestarts, base, p.restartCount),
    sample(M.containerMemoryLimit, base, p.memoryLimitBytes),
    sample(M.containerCpuLimit, base, p.cpuLimitCores),
    sample(M.containerPidsLimit, base, p.pidsLimit),
  );
  for (const namespace of p.hostNamespaces) out.push(sample(M.containerHostNamespace, { ...base, namespace }, 1));
  for (const m of p.sensitiveMounts) out.push(sample(M.containerSensitiveMount, { ...base, source: m.source, destination: m.destination, read_only: String(m.readOnly) }, 1));
  out.push(sample(M.containerDockerSocketMounted, base, flag(p.dockerSocketMounted)));
  for (const capability of p.capabilitiesAdded) out.push(sample(M.containerCapabilityAdded, { ...base, capability }, 1));
  out.push(
    sample(M.containerSeccompUnconfined, base, flag(p.seccompUnconfined)),
    sample(M.containerApparmorUnconfined, base, flag(p.apparmorUnconfined)),
    sample(M.containerNoNewPrivileges, base, flag(effectiveNoNewPrivileges(p, daemonNoNewPrivileges))),
    sample(M.containerReadOnlyRootfs, base, flag(p.readOnlyRootfs)),
  );
  for (const port of p.publishedPorts) {
    out.push(sample(M.containerPublishedPort, { ...base, host_ip: port.hostIp, host_port: port.hostPort, container_port: port.containerPort, protocol: port.protocol }, 1));
  }
  out.push(sample(M.containerHealthcheckConfigured, base, flag(p.healthcheckConfigured)));
  if (p.healthStatus) out.push(sample(M.containerHealthStatus, { ...base, status: p.healthStatus }, 1));
  out.push(sample(M.containerOomKilled, base, flag(p.oomKilled)), sample(M.containerExitCode, base, p.exitCode));
  if (p.startedAtSeconds !== undefined) out.push(sample(M.containerStarted, base, p.startedAtSeconds));
  return out;
}

/** The per-state counts, over every container. Pure. */
export function countSamples(postures: readonly ContainerPosture[]): Sample[] {
  const samples: Sample[] = [];
  for (const [family, predicate] of COUNT_FAMILIES) {
    for (const [state, count] of stateCounts(postures, predicate)) samples.push(sample(family, { state }, count));
  }
  return samples;
}

/** Every container's samples and the per-state counts (over every container, whatever `detail`). Pure. */
export function containerSamples(postures: readonly ContainerPosture[], daemonNoNewPrivileges: boolean, detail: ContainerDetail = 'all'): Sample[] {
  const samples: Sample[] = [];
  for (const p of postures) for (const s of postureSamples(p, daemonNoNewPrivileges, detail)) samples.push(s);
  for (const s of countSamples(postures)) samples.push(s);
  return samples;
}

/** `options.containersDetail` is --collector.containers.detail; "all" when not given. */
export function createContainersCollector({ facts, options }: Pick<CollectorDeps, 'facts'> & { options?: Pick<CollectorOptions, 'containersDetail'> }): Collector {
  const detail = options?.containersDetail ?? 'all';
  let last: { samples: Sample[]; daemonNoNewPrivileges: boolean } | undefined;
  const byPosture = new WeakMap<ContainerPosture, { daemonNoNewPrivileges: boolean; samples: Sample[] }>();
  const logNew = logWhenNew();
  return {
    name: 'containers',
    async collect(ctx) {
      const [containers, defaults] = await Promise.allSettled([facts.containers.get(ctx), facts.engineDefaults.get(ctx)]);
      if (containers.status === 'rejected') {
        last = undefined;
        throw containers.reason;
      }
      // The engine's own default (dockerd's --no-new-privileges; Podman has none): a Podman
      // container is not judged by the dockerd beside it. Unknown counts as off, as dockerd's default.
      const daemonNoNewPrivileges = defaults.status === 'fulfilled' && defaults.value.noNewPrivileges === true;
      const current = containers.value;
      // Said once, when it starts (or its count changes), not on every collection.
      const problems = new Map<string, () => void>();
      if (current.duplicates > 0) problems.set(`duplicates ${current.duplicates}`, () => ctx.logger.warn('the engine listed containers more than once; each is reported once', { duplicates: current.duplicates }));
      if (!current.unchanged) logNew(problems);
      if (current.unchanged && last && last.daemonNoNewPrivileges === daemonNoNewPrivileges) {
        await forEachSliced(last.samples, ctx.emit);
        ctx.logger.debug('containers unchanged since the last list; reused the samples');
        return;
      }
      // containerSamples, a container at a time, handing the event loop back between them
      // (2,000 containers are 40,000 samples).
      const samples: Sample[] = [];
      const keep = (s: Sample) => {
        samples.push(s);
        ctx.emit(s);
      };
      await forEachSliced(current.postures, (p) => {
        // A posture object lives as long as the container's cached inspect: an event on one
        // container (which makes the whole list be read again) builds that container's samples only.
        let known = byPosture.get(p);
        if (known?.daemonNoNewPrivileges !== daemonNoNewPrivileges) byPosture.set(p, (known = { daemonNoNewPrivileges, samples: postureSamples(p, daemonNoNewPrivileges, detail) }));
        known.samples.forEach(keep);
      });
      countSamples(current.postures).forEach(keep);
      last = { samples, daemonNoNewPrivileges };
      ctx.logger.debug('containers collected', { listed: current.listed, inspected: current.inspected, cached: current.listed - current.inspected });
    },
  };
}
