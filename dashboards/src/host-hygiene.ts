// Host hygiene: what runs inside the containers, how old the operating systems of their
// images are, whether the firewall filters published ports, what the container logs say, and
// the host's own protections (AppArmor, SELinux, seccomp, cgroups). Each row's panels live in
// dashboards/src/rows/, next to the collector they show.
import type * as cog from '@grafana/grafana-foundation-sdk/cog';
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import { bundledDashboard } from './panels';
import { firewallPanels } from './rows/firewall';
import { hostPanels } from './rows/host';
import { imageOsPanels } from './rows/imageos';
import { logsPanels } from './rows/logs';
import { processesPanels } from './rows/processes';

export const HOST_HYGIENE_UID = 'docker-audit-host-hygiene';

/** Each row: its title and its panels, in the order the dashboard shows them. */
export const HOST_HYGIENE_ROWS: ReadonlyArray<readonly [string, () => ReadonlyArray<cog.Builder<dashboard.Panel>>]> = [
  ['Processes in containers (docker top)', processesPanels],
  ['Image operating systems and their end of life', imageOsPanels],
  ['Firewall: published ports and DOCKER-USER', firewallPanels],
  ['Container logs', logsPanels],
  ['Host protections: AppArmor, SELinux, seccomp, cgroups', hostPanels],
];

export function hostHygieneDashboard(): dashboard.DashboardBuilder {
  const d = bundledDashboard({
    title: 'Docker audit / Host hygiene',
    uid: HOST_HYGIENE_UID,
    description: 'Processes in containers, image OS end of life, firewall, container logs and host protections, from docker-audit-exporter',
  });
  for (const [title, panels] of HOST_HYGIENE_ROWS) {
    d.withRow(new dashboard.RowBuilder(title));
    for (const p of panels()) d.withPanel(p);
  }
  return d;
}
