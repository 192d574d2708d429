// Collector "imageos": each image's operating system, from its os-release, and whether that
// OS is past its end of life (docs/imageos.md). Per-image series carry the short image id
// alone, as the images collector's do; join on id for names:
//   docker_audit_image_os_eol * on(id) group_left(image) docker_audit_image_info
import { family, type MetricFamily } from '../family';

export { OS_RELEASE_STATUSES, type OsReleaseStatus } from '../../model/os-release';

/** The `source` values of docker_audit_image_os_eol_table_updated_timestamp_seconds. */
export const EOL_TABLE_SOURCES = ['bundled', 'file'] as const;
export type EolTableSource = (typeof EOL_TABLE_SOURCES)[number];

export const IMAGEOS_METRICS = {
  imageOsInfo: family('imageos', 'gauge', 'docker_audit_image_os_info', 'The operating system of the image, from its /etc/os-release (or /usr/lib/os-release) as read from one of its containers; always 1. os_id is ID ("linux" when unset), version_id VERSION_ID ("" when unset), pretty_name PRETTY_NAME ("Linux" when unset). Only for images whose status is read.', ['id', 'os_id', 'version_id', 'pretty_name']),
  imageOsReleaseStatus: family('imageos', 'gauge', 'docker_audit_image_os_release_status', 'Whether the image\'s os-release was read, one series per status, 1 for the one that holds: read; no_container (no container of the image exists to read it from: none is created to look); not_found (the image has neither /etc/os-release nor /usr/lib/os-release); failed (the read failed, and is tried again next collection).', ['id', 'status']),
  imageOsReleaseReadFailures: family('imageos', 'counter', 'docker_audit_image_os_release_read_failures_total', 'Reads of an image\'s os-release that failed (engine error, timeout, or an archive that is not a tar this exporter reads); the log says which image and why.', []),
  imageOsEol: family('imageos', 'gauge', 'docker_audit_image_os_eol', 'Whether the image\'s OS release is past its end of life in the end-of-life table (the bundled one, or --images.eol-file). Only for images whose OS release the table lists.', ['id']),
  imageOsEolTimestamp: family('imageos', 'gauge', 'docker_audit_image_os_eol_timestamp_seconds', 'Unix time (00:00 UTC of the date) at which the image\'s OS release reaches its end of life, from the end-of-life table. Only for images whose OS release the table lists.', ['id']),
  imageOsEolUnknown: family('imageos', 'gauge', 'docker_audit_image_os_eol_unknown', 'For an image whose os-release was read: 1 when the end-of-life table lists neither its OS (ID) nor that version of it, so it has no docker_audit_image_os_eol; 0 when it does.', ['id']),
  imageOsEolTableUpdated: family('imageos', 'gauge', 'docker_audit_image_os_eol_table_updated_timestamp_seconds', 'Unix time of the end-of-life table\'s `updated` date: when its dates were last checked. source is bundled (the table built into this exporter) or file (--images.eol-file).', ['source']),
} as const satisfies Record<string, MetricFamily>;
