// Row "Firewall" (for a host-network dashboard beside daemon-images.ts's daemon row): whether
// traffic to published container ports passes an admin's DOCKER-USER rule before Docker's
// own, from the firewall collector (docs/firewall.md). The integrator places these panels.
import type * as cog from '@grafana/grafana-foundation-sdk/cog';
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import { METRICS } from '../../../src/metrics/catalog';
import { COLORS, colouredColumn, flagMapping, statPanel, tablePanel, timeseriesPanel } from '../panels';
import { CONTAINER, CONTAINER_KEY, eq, sel } from '../promql';

/** The panels of the row, in order. */
export function firewallPanels(): Array<cog.Builder<dashboard.Panel>> {
  return [
    statPanel('Unfiltered published ports', [{ expr: `count(${sel(METRICS.containerPublishedPortUnfiltered)}) or vector(0)` }], {
      description:
        'Ports running containers publish on all interfaces (0.0.0.0 or ::) while DOCKER-USER holds no rule of the admin\'s: reachable from any network the host is on, whatever the host firewall\'s INPUT chain says, because Docker\'s forwarding rules come first.',
      width: 6,
      height: 5,
    }),
    tablePanel(
      'Firewall per host',
      [
        { expr: `max by (instance) (${sel(METRICS.firewallDockerUserChainPresent)})` },
        { expr: `max by (instance) (${sel(METRICS.firewallDockerUserRules)})` },
        { expr: `max by (instance) (${sel(METRICS.firewallForwardPolicy, { policy: eq('DROP') })})` },
        { expr: `max by (instance, backend) (${sel(METRICS.firewallBackend)} == 1)` },
      ],
      {
        description:
          'Per host: whether DOCKER-USER exists (no: dockerd with iptables=false, or the exporter not in the host\'s network namespace), how many rules the admin put in it (dockerd\'s default RETURN not counted), whether FORWARD drops by default, and the iptables backend read.',
        labels: ['instance', 'backend'],
        values: ['DOCKER-USER exists', 'DOCKER-USER rules', 'FORWARD policy', 'backend in use'],
        width: 18,
        height: 5,
      },
    )
      .overrideByName('DOCKER-USER exists', colouredColumn(flagMapping({ 0: ['no', COLORS.warn], 1: ['yes', COLORS.good] })))
      .overrideByName('DOCKER-USER rules', colouredColumn([{ type: dashboard.MappingType.ValueToText, options: { '0': { text: 'none', color: COLORS.bad, index: 0 } } }]))
      .overrideByName('FORWARD policy', colouredColumn(flagMapping({ 0: ['ACCEPT', COLORS.warn], 1: ['DROP', COLORS.good] }))),
    tablePanel('Unfiltered published ports, by container', [{ expr: `max by (${CONTAINER_KEY}, host_ip, host_port, container_port, protocol) (${sel(METRICS.containerPublishedPortUnfiltered, CONTAINER)})` }], {
      description:
        'Each port a running container has bound on all interfaces with no DOCKER-USER rule in front, named as configured (host_port empty: a port Docker picked at start; `docker port NAME` shows it). Publish it on 127.0.0.1 or a specific address, or filter it in DOCKER-USER.',
      labels: ['instance', 'name', 'image', 'host_ip', 'host_port', 'container_port', 'protocol'],
      values: [],
      height: 8,
    }),
    timeseriesPanel('Rules in Docker\'s chains', [{ expr: `max by (instance, chain) (${sel(METRICS.firewallChainRules)})`, legend: '{{instance}} {{chain}}' }], {
      description:
        'Rules in each of Docker\'s filter chains over time (every rule, DOCKER-USER\'s RETURN included). DOCKER grows with published ports; a drop of DOCKER-USER to 1 is the admin\'s rules gone (a firewall reload that flushed them, say).',
      height: 8,
    }),
  ];
}
