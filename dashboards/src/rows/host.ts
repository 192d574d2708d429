// Row "Host" (of the daemon dashboard, beside "Daemon"): the host kernel's protections for
// containers, one table row per instance, and the host readings that could not be trusted.
import type * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import type * as table from '@grafana/grafana-foundation-sdk/table';
import { METRICS } from '../../../src/metrics/catalog';
import { COLORS, colouredColumn, flagMapping, steps, tablePanel, type Query } from '../panels';
import { eq, re, sel } from '../promql';

const ON_GOOD = flagMapping({ 0: ['off', COLORS.bad], 1: ['on', COLORS.good] });

/** One row per host: kernel, cgroup version and layout, the LSMs, seccomp, user namespaces, lockdown. */
function hostProtectionsTable(): table.PanelBuilder {
  const perInstance = (expr: string): Query => ({ expr: `max by (instance) (${expr})` });
  const columns: Array<{ title: string; query: Query; overrides: dashboard.DynamicConfigValue[] }> = [
    // The release is a label: its column comes from this query's labels, the value (1) is hidden.
    { title: 'kernel_info', query: { expr: `max by (instance, release) (${sel(METRICS.hostKernelInfo)})` }, overrides: [{ id: 'custom.hidden', value: true }] },
    { title: 'cgroup version', query: perInstance(sel(METRICS.hostCgroupVersion)), overrides: colouredColumn([], [{ id: 'thresholds', value: steps([null, COLORS.neutral], [2, COLORS.good]).build() }]) },
    { title: 'hybrid cgroups', query: perInstance(sel(METRICS.hostCgroupLayout, { layout: eq('hybrid') })), overrides: colouredColumn(flagMapping({ 0: ['no', COLORS.neutral], 1: ['yes', COLORS.warn] })) },
    { title: 'AppArmor', query: perInstance(sel(METRICS.hostLsmEnabled, { lsm: eq('apparmor') })), overrides: colouredColumn(flagMapping({ 0: ['off', COLORS.neutral], 1: ['on', COLORS.good] })) },
    { title: 'docker-default loaded', query: perInstance(sel(METRICS.hostApparmorDockerDefaultLoaded)), overrides: colouredColumn(flagMapping({ 0: ['no', COLORS.warn], 1: ['yes', COLORS.good] })) },
    { title: 'SELinux', query: perInstance(sel(METRICS.hostLsmEnabled, { lsm: eq('selinux') })), overrides: colouredColumn(flagMapping({ 0: ['off', COLORS.neutral], 1: ['on', COLORS.good] })) },
    { title: 'SELinux enforcing', query: perInstance(sel(METRICS.hostSelinuxMode, { mode: eq('enforcing') })), overrides: colouredColumn(flagMapping({ 0: ['no', COLORS.neutral], 1: ['yes', COLORS.good] })) },
    { title: 'seccomp', query: perInstance(sel(METRICS.hostSeccompAvailable)), overrides: colouredColumn(ON_GOOD) },
    { title: 'max user namespaces', query: perInstance(sel(METRICS.hostUserNamespacesMax)), overrides: colouredColumn([], [{ id: 'thresholds', value: steps([null, COLORS.warn], [1, COLORS.neutral]).build() }]) },
    { title: 'lockdown', query: perInstance(sel(METRICS.hostKernelLockdown, { mode: re('integrity|confidentiality') })), overrides: colouredColumn(flagMapping({ 0: ['none', COLORS.neutral], 1: ['on', COLORS.good] })) },
    { title: 'failed readings', query: { expr: `sum by (instance) (${sel(METRICS.hostReadingStatus, { status: re('unreadable|malformed') })})` }, overrides: colouredColumn([], [{ id: 'thresholds', value: steps([null, COLORS.good], [1, COLORS.bad]).build() }]) },
  ];
  const t = tablePanel(
    'Host protections',
    columns.map((c) => c.query),
    {
      description:
        'What each host\'s kernel gives containers (docs/host.md): the kernel release, the cgroup version (hybrid layouts count as 1), AppArmor and whether its docker-default profile is loaded (blank when not readable: it needs root), SELinux and its mode, seccomp filter mode, the user namespace limit (0: userns-remap and rootless cannot work) and kernel lockdown (blank: not known). A blank cell is a reading that could not be made; "failed readings" counts them.',
      labels: ['instance', 'release'],
      values: columns.map((c) => c.title),
      height: 6,
    },
  );
  for (const c of columns) t.overrideByName(c.title, c.overrides);
  return t;
}

/** The host readings that were unreadable or malformed, by reading: why a cell above is blank. */
function hostReadingProblemsTable(): table.PanelBuilder {
  return tablePanel('Host readings that failed', [{ expr: `max by (instance, reading, status) (${sel(METRICS.hostReadingStatus, { status: re('unreadable|malformed') })}) == 1` }], {
    description: 'Host files that could not be read (permission denied, not a regular file, a timeout) or held a value the kernel does not write. The exporter\'s log names each file and the error.',
    labels: ['instance', 'reading', 'status'],
    values: [],
    height: 5,
  });
}

export function hostPanels(): Array<table.PanelBuilder> {
  return [hostProtectionsTable(), hostReadingProblemsTable()];
}
