// Daemon, images and resources: how the engine is configured and exposed, what images the
// hosts hold and where they come from, and what is left lying around.
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import type * as table from '@grafana/grafana-foundation-sdk/table';
import { METRICS, type MetricFamily } from '../../src/metrics/catalog';
import {
  bundledDashboard,
  COLORS,
  colouredColumn,
  flagMapping,
  NEUTRAL,
  statPanel,
  steps,
  tablePanel,
  timeseriesPanel,
  type Query,
  ZERO_IS_GOOD,
  ZERO_IS_TIDY,
} from './panels';
import { eq, sel, withImageName } from './promql';

export const DAEMON_IMAGES_UID = 'docker-audit-daemon-images';

/**
 * Per-image series carry only the image's short id: its names change on every retag, so they
 * are on docker_audit_image_info alone and each per-image query joins them on.
 */
const IMAGE_KEY = 'instance, id';
const perImage = (expr: string): Query => ({ expr: withImageName(`max by (${IMAGE_KEY}) (${expr})`) });

const YES_IS_BAD = flagMapping({ 0: ['no', COLORS.good], 1: ['yes', COLORS.bad] });
const YES_IS_GOOD = flagMapping({ 0: ['no', COLORS.bad], 1: ['yes', COLORS.good] });

function imagesTable(): table.PanelBuilder {
  const columns: Array<{ title: string; query: Query; overrides: dashboard.DynamicConfigValue[] }> = [
    {
      title: 'age',
      query: perImage(`time() - ${sel(METRICS.imageCreated)}`),
      // Old images miss months of fixes: a quarter is worth a look, a year is a finding.
      overrides: colouredColumn([], [{ id: 'unit', value: 's' }, { id: 'thresholds', value: steps([null, COLORS.good], [90 * 86400, COLORS.warn], [365 * 86400, COLORS.bad]).build() }]),
    },
    { title: 'size', query: perImage(sel(METRICS.imageSize)), overrides: [{ id: 'unit', value: 'bytes' }] },
    {
      title: 'provenance',
      query: perImage(sel(METRICS.imageRepoDigestPresent)),
      overrides: colouredColumn(flagMapping({ 0: ['local build/import', COLORS.warn], 1: ['registry', COLORS.good] })),
    },
    { title: 'runs as root', query: perImage(sel(METRICS.imageRunsAsRoot)), overrides: colouredColumn(YES_IS_BAD) },
    { title: 'healthcheck', query: perImage(sel(METRICS.imageHealthcheckDefined)), overrides: colouredColumn(YES_IS_GOOD) },
    {
      title: 'in use',
      query: perImage(sel(METRICS.imageInUse)),
      overrides: colouredColumn(flagMapping({ 0: ['unused', COLORS.warn], 1: ['yes', COLORS.good] })),
    },
  ];
  const t = tablePanel(
    'Image inventory',
    columns.map((c) => c.query),
    {
      description:
        'Every image: its age (since it was built), size, provenance (a registry digest means it came from or went to a registry; none means it was built or loaded locally), default user, healthcheck, and whether any container uses it.',
      labels: ['instance', 'image', 'id'],
      values: columns.map((c) => c.title),
      height: 10,
      sortBy: 'age',
    },
  );
  for (const c of columns) t.overrideByName(c.title, c.overrides);
  return t;
}

/** One row per host, one column per daemon setting, red where the setting weakens the host. */
function daemonSettingsTable(): table.PanelBuilder {
  const good = flagMapping({ 0: ['off', COLORS.bad], 1: ['on', COLORS.good] });
  const bad = flagMapping({ 0: ['off', COLORS.good], 1: ['on', COLORS.bad] });
  const tidy = flagMapping({ 0: ['off', COLORS.good], 1: ['on', COLORS.warn] });
  const countBad = [{ id: 'thresholds', value: ZERO_IS_GOOD().build() }];
  const columns: Array<{ title: string; family: MetricFamily; overrides: dashboard.DynamicConfigValue[] }> = [
    { title: 'userns-remap', family: METRICS.daemonUsernsRemap, overrides: colouredColumn(good) },
    { title: 'live-restore', family: METRICS.daemonLiveRestore, overrides: colouredColumn(flagMapping({ 0: ['off', COLORS.warn], 1: ['on', COLORS.good] })) },
    { title: 'icc', family: METRICS.daemonIcc, overrides: colouredColumn(bad) },
    { title: 'userland-proxy', family: METRICS.daemonUserlandProxy, overrides: colouredColumn(tidy) },
    { title: 'no-new-privileges', family: METRICS.daemonNoNewPrivileges, overrides: colouredColumn(good) },
    { title: 'experimental', family: METRICS.daemonExperimental, overrides: colouredColumn(tidy) },
    { title: 'seccomp', family: METRICS.daemonSeccomp, overrides: colouredColumn(good) },
    { title: 'AppArmor', family: METRICS.daemonApparmor, overrides: colouredColumn(flagMapping({ 0: ['off', COLORS.warn], 1: ['on', COLORS.good] })) },
    { title: 'SELinux', family: METRICS.daemonSelinux, overrides: colouredColumn(flagMapping({ 0: ['off', COLORS.neutral], 1: ['on', COLORS.good] })) },
    { title: 'rootless', family: METRICS.daemonRootless, overrides: colouredColumn(flagMapping({ 0: ['no', COLORS.neutral], 1: ['yes', COLORS.good] })) },
    { title: 'log rotation', family: METRICS.daemonLogRotation, overrides: colouredColumn(good) },
    { title: 'authz plugins', family: METRICS.daemonAuthorizationPlugins, overrides: colouredColumn([], [{ id: 'thresholds', value: steps([null, COLORS.warn], [1, COLORS.good]).build() }]) },
    { title: 'insecure registries', family: METRICS.daemonInsecureRegistries, overrides: colouredColumn([], countBad) },
    { title: 'daemon.json valid', family: METRICS.daemonConfigValid, overrides: colouredColumn(flagMapping({ 0: ['no', COLORS.bad], 1: ['yes', COLORS.good] })) },
    { title: 'unknown keys', family: METRICS.daemonConfigUnknownKeys, overrides: colouredColumn([], countBad) },
  ];
  const t = tablePanel(
    'Daemon settings',
    columns.map((c) => ({ expr: `max by (instance) (${sel(c.family)})` })),
    {
      description:
        'The effective settings of each daemon, from /info, dockerd\'s flags and daemon.json. Red weakens the host (CIS section 2); orange deserves a look. A blank cell is a setting no source could tell.',
      labels: ['instance'],
      values: columns.map((c) => c.title),
      height: 5,
    },
  );
  for (const c of columns) t.overrideByName(c.title, c.overrides);
  return t;
}

/** The mode as its octal digits, 420 -> 644, which Grafana cannot format by itself. */
const octalMode = (expr: string): string => `floor(${expr} / 64) % 8 * 100 + floor(${expr} / 8) % 8 * 10 + ${expr} % 8`;

/** Podman's engine-wide defaults, in place of the daemon settings (a Podman host has no dockerd). */
function podmanDefaultsTable(): table.PanelBuilder {
  const onIsGood = flagMapping({ 0: ['off', COLORS.bad], 1: ['on', COLORS.good] });
  const columns: Array<{ title: string; expr: string; overrides: dashboard.DynamicConfigValue[] }> = [
    { title: 'seccomp', expr: `max by (instance) (${sel(METRICS.podmanSeccomp)})`, overrides: colouredColumn(onIsGood) },
    { title: 'AppArmor', expr: `max by (instance) (${sel(METRICS.podmanApparmor)})`, overrides: colouredColumn(flagMapping({ 0: ['off', COLORS.warn], 1: ['on', COLORS.good] })) },
    { title: 'SELinux', expr: `max by (instance) (${sel(METRICS.podmanSelinux)})`, overrides: colouredColumn(flagMapping({ 0: ['off', COLORS.neutral], 1: ['on', COLORS.good] })) },
    { title: 'userns', expr: `max by (instance) (${sel(METRICS.podmanUserns)})`, overrides: colouredColumn(flagMapping({ 0: ['host', COLORS.warn], 1: ['own', COLORS.good] })) },
    { title: 'log rotation', expr: `max by (instance) (${sel(METRICS.podmanLogRotation)})`, overrides: colouredColumn(onIsGood) },
    { title: 'log size max', expr: `max by (instance) (${sel(METRICS.podmanLogSizeMax)})`, overrides: [{ id: 'unit', value: 'bytes' }] },
    { title: 'default capabilities', expr: `count by (instance) (${sel(METRICS.podmanDefaultCapability)})`, overrides: [] },
    { title: 'socket mode', expr: `max by (instance) (${octalMode(sel(METRICS.podmanSocketMode))})`, overrides: [] },
    { title: 'socket owner ok', expr: `max by (instance) (${sel(METRICS.podmanSocketOwnerOk)})`, overrides: colouredColumn(flagMapping({ 0: ['no', COLORS.bad], 1: ['yes', COLORS.good] })) },
    { title: '/libpod/info read', expr: `max by (instance) (${sel(METRICS.podmanInfoAvailable)})`, overrides: colouredColumn(flagMapping({ 0: ['no', COLORS.warn], 1: ['yes', COLORS.good] })) },
  ];
  const t = tablePanel(
    'Podman defaults',
    columns.map((c) => ({ expr: c.expr })),
    {
      description:
        'What a Podman engine gives every container, in place of dockerd\'s settings: from /libpod/info and containers.conf. Red weakens the host; a blank cell is a setting no source could tell. Empty on dockerd hosts.',
      labels: ['instance'],
      values: columns.map((c) => c.title),
      height: 5,
    },
  );
  for (const c of columns) t.overrideByName(c.title, c.overrides);
  return t;
}

export function daemonImagesDashboard(): dashboard.DashboardBuilder {
  return bundledDashboard({ title: 'Docker audit / Daemon, images and resources', uid: DAEMON_IMAGES_UID, description: 'Docker daemon settings and exposure, images and their provenance, dangling and orphaned resources' })

    .withRow(new dashboard.RowBuilder('Daemon'))
    .withPanel(
      tablePanel('Engine', [{ expr: sel(METRICS.engineInfo) }], {
        description: 'Docker Engine version and configuration of each host, from /version and /info.',
        labels: ['instance', 'version', 'api_version', 'os', 'kernel_version', 'storage_driver', 'logging_driver', 'cgroup_driver', 'cgroup_version'],
        values: [],
        height: 5,
      }),
    )

    .withPanel(
      statPanel('Unauthenticated TCP API', [{ expr: `sum(${sel(METRICS.daemonInsecureTcpExposed)})` }], {
        description:
          'Addresses where a plain-HTTP GET /_ping got an answer from the Docker API: anyone who reaches them is root on the host. Probed on every TCP listener and --daemon.probe-address.',
        width: 6,
        height: 5,
      }),
    )
    .withPanel(
      tablePanel(
        'API listeners',
        [{ expr: `max by (instance, address, tls) (${sel(METRICS.daemonListener)})` }],
        {
          description: 'Every address dockerd serves its API on (-H / hosts). tls is "true" only for TCP with --tlsverify.',
          labels: ['instance', 'address', 'tls'],
          values: [],
          width: 9,
          height: 5,
        },
      ).overrideByName('tls', colouredColumn([{ type: dashboard.MappingType.ValueToText, options: { true: { text: 'true', color: COLORS.good, index: 0 } } }])),
    )
    .withPanel(
      tablePanel('TCP probes', [{ expr: `max by (instance, address) (${sel(METRICS.daemonInsecureTcpExposed)})` }], {
        description: 'The answer of each probed address: "open" means an unauthenticated Docker API answered.',
        labels: ['instance', 'address'],
        values: ['unauthenticated API'],
        width: 9,
        height: 5,
      }).overrideByName('unauthenticated API', colouredColumn(flagMapping({ 0: ['closed', COLORS.good], 1: ['open', COLORS.bad] }))),
    )
    .withPanel(daemonSettingsTable())
    .withPanel(
      tablePanel(
        'Daemon files (CIS 3.x)',
        [
          { expr: `max by (instance, path) (${octalMode(sel(METRICS.daemonFileMode))})` },
          { expr: `max by (instance, path) (${sel(METRICS.daemonFileOwnerOk)})` },
        ],
        {
          description: 'Permission bits (octal) and ownership of the daemon files CIS section 3 lists, for the files that exist.',
          labels: ['instance', 'path'],
          values: ['mode', 'owner ok'],
          width: 12,
          height: 9,
        },
      ).overrideByName('owner ok', colouredColumn(flagMapping({ 0: ['no', COLORS.bad], 1: ['yes', COLORS.good] }))),
    )
    .withPanel(
      tablePanel('Where each setting comes from', [{ expr: `max by (instance, setting, source) (${sel(METRICS.daemonSettingSource)})` }], {
        description: 'The source that decided each setting: /info, a dockerd flag, daemon.json, or the default.',
        labels: ['instance', 'setting', 'source'],
        values: [],
        width: 6,
        height: 9,
      }),
    )
    .withPanel(
      tablePanel('Setting sources read', [{ expr: `max by (instance, source) (${sel(METRICS.daemonSourceAvailable)})` }], {
        description: 'Whether /info, daemon.json and dockerd\'s command line could be read; a missing daemon.json is normal.',
        labels: ['instance', 'source'],
        values: ['available'],
        width: 6,
        height: 9,
      }).overrideByName('available', colouredColumn(flagMapping({ 0: ['no', COLORS.warn], 1: ['yes', COLORS.good] }))),
    )

    .withRow(new dashboard.RowBuilder('Podman'))
    .withPanel(podmanDefaultsTable())
    .withPanel(
      tablePanel('Podman engine', [{ expr: `max by (instance, log_driver, runtime, cgroup_manager) (${sel(METRICS.podmanEngineInfo)})` }], {
        description: 'The default log driver, OCI runtime and cgroup manager of each Podman engine.',
        labels: ['instance', 'log_driver', 'runtime', 'cgroup_manager'],
        values: [],
        width: 8,
        height: 7,
      }),
    )
    .withPanel(
      tablePanel('Podman default capabilities', [{ expr: `max by (instance, capability) (${sel(METRICS.podmanDefaultCapability)})` }], {
        description: 'The capabilities every container of each Podman engine gets (containers.conf default_capabilities). Narrower than Docker\'s: AUDIT_WRITE, MKNOD and NET_RAW are not in Podman\'s default set, so adding one of them is reported as an added capability.',
        labels: ['instance', 'capability'],
        values: [],
        width: 8,
        height: 7,
      }),
    )
    .withPanel(
      tablePanel('containers.conf files', [{ expr: `max by (instance, path) (${sel(METRICS.podmanConfigFileValid)})` }], {
        description: 'Every containers.conf read, and whether it parses; Podman refuses to run with an invalid one.',
        labels: ['instance', 'path'],
        values: ['valid'],
        width: 8,
        height: 7,
      }).overrideByName('valid', colouredColumn(flagMapping({ 0: ['no', COLORS.bad], 1: ['yes', COLORS.good] }))),
    )

    .withRow(new dashboard.RowBuilder('Images'))
    .withPanel(
      statPanel('Images', [{ expr: `sum(${sel(METRICS.images)})` }], { description: 'Images on the selected hosts.', thresholds: NEUTRAL() }),
    )
    .withPanel(
      statPanel('Dangling images', [{ expr: `sum(${sel(METRICS.images, { dangling: eq('true') })})` }], {
        description: 'Untagged images (`<none>:<none>`): leftovers of rebuilds, candidates for `docker image prune`.',
        thresholds: ZERO_IS_TIDY(),
      }),
    )
    .withPanel(
      statPanel('Unused images', [{ expr: `sum(1 - ${sel(METRICS.imageInUse)})` }], {
        description: 'Images no container (running or not) was created from.',
        thresholds: ZERO_IS_TIDY(),
      }),
    )
    .withPanel(
      statPanel('Images without registry digest', [{ expr: `sum(1 - ${sel(METRICS.imageRepoDigestPresent)})` }], {
        description: 'Images built or loaded locally: their provenance cannot be checked against a registry.',
        thresholds: ZERO_IS_TIDY(),
      }),
    )
    .withPanel(
      statPanel('Images running as root', [{ expr: `sum(${sel(METRICS.imageRunsAsRoot)})` }], {
        description: 'Images whose default user is root.',
      }),
    )
    .withPanel(
      statPanel('Critical vulnerabilities', [{ expr: `sum(${sel(METRICS.imageVulnerabilities, { severity: eq('CRITICAL') })})` }], {
        description: 'CRITICAL vulnerabilities Trivy found, over every image with a report in --trivy.reports-dir.',
        noValue: 'no reports',
      }),
    )
    .withPanel(imagesTable())
    .withPanel(
      timeseriesPanel(
        'Vulnerabilities by severity',
        [{ expr: `sum by (severity) (${sel(METRICS.imageVulnerabilities)})`, legend: '{{severity}}' }],
        { description: 'Vulnerabilities found by Trivy in the images, from the newest report of each.', stacked: true, width: 8 },
      ),
    )
    .withPanel(
      tablePanel(
        'Trivy reports',
        [
          perImage(sel(METRICS.imageVulnerabilities, { severity: eq('HIGH') })),
          perImage(sel(METRICS.imageVulnerabilities, { severity: eq('CRITICAL') })),
          perImage(`time() - ${sel(METRICS.trivyReportCreated)}`),
        ],
        {
          description: 'HIGH and CRITICAL counts per image and the age of the report they come from.',
          labels: ['instance', 'image', 'id'],
          values: ['HIGH', 'CRITICAL', 'report age'],
          width: 10,
          sortBy: 'CRITICAL',
        },
      ).overrideByName('report age', [{ id: 'unit', value: 's' }]),
    )
    .withPanel(
      statPanel('Trivy reports not counted', [{ expr: `sum by (status) (${sel(METRICS.trivyReports, { status: '!="ok"' })})`, legend: '{{status}}' }], {
        description:
          'Files in --trivy.reports-dir that count for no image: unreadable (not a Trivy JSON report), or unmatched (naming no image id, or an image not on this host). The exporter log names them.',
        noValue: 'no reports',
        width: 6,
        height: 8,
      }),
    )

    .withRow(new dashboard.RowBuilder('Dangling and orphaned resources'))
    .withPanel(
      statPanel('Unused volumes', [{ expr: `sum(${sel(METRICS.volumes, { in_use: eq('false') })})` }], {
        description: 'Volumes no container (running or not) mounts.',
        thresholds: ZERO_IS_TIDY(),
      }),
    )
    .withPanel(
      statPanel('Unused networks', [{ expr: `sum(${sel(METRICS.networks, { in_use: eq('false') })})` }], {
        description: 'User-defined networks no container is attached to.',
        thresholds: ZERO_IS_TIDY(),
      }),
    )
    .withPanel(
      statPanel('Disk usage read', [{ expr: `max(time() - ${sel(METRICS.systemDfLastSuccess)})` }], {
        description: 'Time since the last successful /system/df read (it runs on its own, slower schedule).',
        unit: 's',
        thresholds: steps([null, COLORS.good], [1800, COLORS.warn], [7200, COLORS.bad]),
      }),
    )
    .withPanel(
      timeseriesPanel(
        'Reclaimable space',
        [{ expr: `sum by (type) (${sel(METRICS.reclaimableBytes)})`, legend: '{{type}}' }],
        { description: 'Bytes `docker system prune` would free, per kind (RECLAIMABLE of `docker system df`).', unit: 'bytes', stacked: true },
      ),
    )
    .withPanel(
      tablePanel('Orphaned volumes', [{ expr: `${sel(METRICS.volumeInUse)} == 0` }], {
        description: 'Volumes no container mounts.',
        labels: ['instance', 'volume', 'driver'],
        values: [],
        width: 12,
      }),
    )
    .withPanel(
      tablePanel('Orphaned networks', [{ expr: `${sel(METRICS.networkInUse)} == 0` }], {
        description: 'User-defined networks no container is attached to.',
        labels: ['instance', 'network', 'id', 'driver'],
        values: [],
        width: 12,
      }),
    )
    .withPanel(
      timeseriesPanel(
        'Volumes and networks',
        [
          { expr: `sum by (in_use) (${sel(METRICS.volumes)})`, legend: 'volumes in use={{in_use}}' },
          { expr: `sum by (in_use) (${sel(METRICS.networks)})`, legend: 'networks in use={{in_use}}' },
        ],
        { description: 'Volumes and user-defined networks, in use or not.', width: 24, height: 6 },
      ),
    );
}
