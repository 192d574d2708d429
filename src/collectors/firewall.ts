// Collector "firewall": whether traffic to published container ports is filtered before
// Docker's own rules (docs/firewall.md). Each collection runs `iptables-save -t filter` and
// `iptables-save --version` (no shell, a deadline, an output bound: src/readers/iptables.ts),
// parses them (src/model/iptables.ts) and joins the result with the running containers'
// published ports from the shared container facts.
//
// Off by default: reading the rules needs CAP_NET_ADMIN in the host's network namespace,
// which the exporter's plain container install does not have. When the rules cannot be read
// the collector fails with the command and the reason; it never reports a guess.
import { logWhenNew } from '../base/log';
import { FIREWALL_METRICS as M } from '../metrics/families/firewall';
import { flag, sample, type Sample } from '../metrics/sample';
import { FIREWALL_BACKENDS, FORWARD_POLICIES, dockerFirewall, iptablesBackend, parseIptablesSave, unfilteredPublishedPorts, type DockerFirewall, type FirewallBackend, type UnfilteredPort } from '../model/iptables';
import { runIptablesTool } from '../readers/iptables';
import type { Collector, CollectorDeps, CollectorOptions } from './collector';

/** The samples of one reading of the rules (the unfiltered ports already judged). Pure. */
export function firewallSamples(backend: FirewallBackend | undefined, firewall: DockerFirewall | undefined, unfiltered: readonly UnfilteredPort[]): Sample[] {
  const out = FIREWALL_BACKENDS.map((b) => sample(M.firewallBackend, { backend: b }, flag(backend === b)));
  if (!firewall) return out;
  for (const policy of FORWARD_POLICIES) out.push(sample(M.firewallForwardPolicy, { policy }, flag(firewall.forwardPolicy === policy)));
  out.push(sample(M.firewallDockerUserChainPresent, {}, flag(firewall.dockerUserChainPresent)));
  if (firewall.dockerUserChainPresent) out.push(sample(M.firewallDockerUserRules, {}, firewall.dockerUserRules));
  for (const c of firewall.chainRules) out.push(sample(M.firewallChainRules, { chain: c.chain }, c.rules));
  for (const { posture: p, port } of unfiltered) {
    out.push(
      sample(M.containerPublishedPortUnfiltered, { name: p.name, id: p.shortId, image: p.image, host_ip: port.hostIp, host_port: port.hostPort, container_port: port.containerPort, protocol: port.protocol }, 1),
    );
  }
  return out;
}

/** The lines of stderr that are iptables' own warnings ("# Warning: iptables-legacy tables present, ..."). */
const warningsOf = (stderr: string): string[] =>
  stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => /warning/i.test(l))
    .slice(0, 5);

export function createFirewallCollector({ facts, options }: Pick<CollectorDeps, 'facts'> & { options: Pick<CollectorOptions, 'firewall'> }): Collector {
  const binary = options.firewall.iptablesSavePath;
  const logNew = logWhenNew();
  return {
    name: 'firewall',
    async collect(ctx) {
      const [version, save, containers] = await Promise.allSettled([
        runIptablesTool(binary, ['--version'], ctx.signal),
        runIptablesTool(binary, ['-t', 'filter'], ctx.signal),
        facts.containers.get(ctx),
      ]);
      const messages = new Map<string, () => void>();
      const backend = version.status === 'fulfilled' ? iptablesBackend(version.value.stdout + version.value.stderr) : undefined;
      if (version.status === 'rejected') messages.set(`version ${String(version.reason)}`, () => ctx.logger.warn('the iptables backend is not known', { err: String(version.reason) }));

      if (save.status === 'rejected') {
        logNew(messages);
        firewallSamples(backend, undefined, []).forEach(ctx.emit);
        throw new Error('reading the firewall rules failed', { cause: save.reason });
      }
      const parsed = parseIptablesSave(save.value.stdout);
      if (!parsed.tables.has('filter')) throw new Error(`reading the firewall rules failed: ${binary} -t filter printed no filter table${parsed.problemCount > 0 ? ` (${parsed.problems[0]})` : ''}`);
      const firewall = dockerFirewall(parsed);
      for (const p of parsed.problems) messages.set(`problem ${p}`, () => ctx.logger.warn('iptables-save line not understood; it counts for nothing', { line: p }));
      for (const w of warningsOf(save.value.stderr)) {
        const legacyBeside = backend === 'iptables-nft' && /legacy tables present/i.test(w);
        messages.set(`warning ${w}`, () =>
          ctx.logger.warn(
            legacyBeside ? 'iptables-legacy tables exist beside the nf_tables ones read here; if dockerd writes its rules there, set --collector.firewall.iptables-save-path=iptables-legacy-save' : 'iptables-save warned',
            { warning: w },
          ),
        );
      }
      logNew(messages);

      if (containers.status === 'rejected') {
        firewallSamples(backend, firewall, []).forEach(ctx.emit);
        throw new Error('reading the containers whose published ports the firewall is judged for failed', { cause: containers.reason });
      }
      const { postures, inspects } = containers.value;
      const unfiltered = unfilteredPublishedPorts(postures.map((posture, i) => ({ posture, inspect: inspects[i] })), firewall);
      firewallSamples(backend, firewall, unfiltered).forEach(ctx.emit);
      ctx.logger.debug('firewall collected', { backend, dockerUserRules: firewall.dockerUserRules, unfiltered: unfiltered.length });
    },
  };
}
