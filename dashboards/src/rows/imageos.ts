// Row "Image operating systems" of the daemon-and-images dashboard (or a dashboard of its
// own): each image's OS from its os-release, its end of life, the containers on an OS past
// it, how the reads went, and the age of the end-of-life table. Families: src/metrics/families/imageos.ts.
import type * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import type * as bargauge from '@grafana/grafana-foundation-sdk/bargauge';
import type * as stat from '@grafana/grafana-foundation-sdk/stat';
import type * as table from '@grafana/grafana-foundation-sdk/table';
import { METRICS } from '../../../src/metrics/catalog';
import { barsPanel, COLORS, colouredColumn, flagMapping, statPanel, steps, tablePanel, ZERO_IS_GOOD, ZERO_IS_TIDY, type Query } from '../panels';
import { eq, sel, withImageName } from '../promql';

const DAY = 86400;
const IMAGE_KEY = 'instance, id';
/** A per-image expression with the image's name and OS labels joined on: every column of the table has the same labels, so Grafana's merge makes one row per image. */
const withOs = (expr: string): string =>
  withImageName(`(max by (${IMAGE_KEY}) (${expr})) * on (instance, id) group_left (os_id, version_id, pretty_name) ${sel(METRICS.imageOsInfo)}`);
/** The image series' `id` as the containers' `image_id`, to join them. */
const asImageId = (expr: string): string => `label_replace(${expr}, "image_id", "$1", "id", "(.*)")`;
/** The containers (docker_audit_container_info, any state) whose image's OS is past its end of life. */
export const CONTAINERS_ON_EOL_OS = `${sel(METRICS.containerInfo)} * on (instance, image_id) group_left () ${asImageId(`${sel(METRICS.imageOsEol)} == 1`)}`;

function imageOsTable(): table.PanelBuilder {
  const columns: Array<{ title: string; query: Query; overrides: dashboard.DynamicConfigValue[] }> = [
    {
      title: 'end of life',
      query: { expr: withOs(sel(METRICS.imageOsEolTimestamp)) },
      overrides: [{ id: 'unit', value: 'dateTimeAsIso' }],
    },
    {
      // The date, coloured: past (red), within 180 days (orange), later (green).
      title: 'end of life in',
      query: { expr: withOs(`${sel(METRICS.imageOsEolTimestamp)} - time()`) },
      overrides: colouredColumn([], [{ id: 'unit', value: 's' }, { id: 'thresholds', value: steps([null, COLORS.bad], [0, COLORS.warn], [180 * DAY, COLORS.good]).build() }]),
    },
    { title: 'past end of life', query: { expr: withOs(sel(METRICS.imageOsEol)) }, overrides: colouredColumn(flagMapping({ 0: ['no', COLORS.good], 1: ['yes', COLORS.bad] })) },
    {
      title: 'in the table',
      query: { expr: withOs(sel(METRICS.imageOsEolUnknown)) },
      overrides: colouredColumn(flagMapping({ 0: ['yes', COLORS.good], 1: ['unknown', COLORS.warn] })),
    },
  ];
  const t = tablePanel(
    'Image operating systems',
    columns.map((c) => c.query),
    {
      description:
        'The OS of every image whose os-release was read (from one of its containers), and its end of life from the end-of-life table (bundled, or --images.eol-file). "end of life in" is negative once past. "unknown": the table lists neither this OS nor this version of it, so no date is guessed.',
      labels: ['instance', 'image', 'id', 'pretty_name', 'os_id', 'version_id'],
      values: columns.map((c) => c.title),
      height: 10,
      sortBy: 'end of life in',
    },
  );
  for (const c of columns) t.overrideByName(c.title, c.overrides);
  return t;
}

export function imageOsPanels(): Array<table.PanelBuilder | stat.PanelBuilder | bargauge.PanelBuilder> {
  return [
    statPanel('Containers on an OS past end of life', [{ expr: `count(${CONTAINERS_ON_EOL_OS}) or vector(0)` }], {
      description: 'Containers, in any state, created from an image whose OS release is past its end of life (DockerAuditImageOsEndOfLife). A created or stopped one is a `docker start` away.',
      width: 6,
    }),
    statPanel('Images on an OS past end of life', [{ expr: `count(${sel(METRICS.imageOsEol)} == 1) or vector(0)` }], {
      description: 'Images whose OS release is past its end of life, in use or not.',
      width: 6,
      thresholds: ZERO_IS_TIDY(),
    }),
    statPanel('OS not in the table', [{ expr: `sum(${sel(METRICS.imageOsEolUnknown)}) or vector(0)` }], {
      description: 'Images whose os-release was read but whose OS (ID) or version the end-of-life table does not list: they have no end-of-life series. Add them with --images.eol-file.',
      width: 6,
      thresholds: ZERO_IS_TIDY(),
    }),
    statPanel('End-of-life table age', [{ expr: `time() - max(${sel(METRICS.imageOsEolTableUpdated)})` }], {
      description: 'Time since the end-of-life table in force (bundled, or --images.eol-file) was last checked against its sources (its `updated` date). A stale table misses new releases and changed dates: upgrade the exporter, or update your file.',
      unit: 's',
      width: 6,
      thresholds: steps([null, COLORS.good], [180 * DAY, COLORS.warn], [365 * DAY, COLORS.bad]),
      noValue: 'no data',
    }),
    imageOsTable(),
    barsPanel('Images by os-release status', [{ expr: `count by (status) (${sel(METRICS.imageOsReleaseStatus)} == 1)`, legend: '{{status}}' }], {
      description: 'How reading each image\'s os-release went: read; no_container (no container of the image exists, and none is created to look); not_found (no /etc/os-release nor /usr/lib/os-release in it); failed (tried again each collection).',
      width: 12,
      thresholds: steps([null, COLORS.neutral]),
    }),
    statPanel('os-release read failures (1h)', [{ expr: `sum(increase(${sel(METRICS.imageOsReleaseReadFailures)}[1h]))` }], {
      description: 'Reads of an image\'s os-release that failed in the last hour; the exporter\'s log names the image and the reason. The failed status above says which images have no answer now.',
      width: 6,
      thresholds: ZERO_IS_GOOD(),
    }),
    statPanel('Images with a failed read', [{ expr: `count(${sel(METRICS.imageOsReleaseStatus, { status: eq('failed') })} == 1) or vector(0)` }], {
      description: 'Images whose last os-release read failed.',
      width: 6,
      thresholds: ZERO_IS_GOOD(),
    }),
  ];
}
