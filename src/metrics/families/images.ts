// Collectors "images" and "resources": images, volumes, networks, disk usage, Trivy counts.
// Families are added to the catalog (src/metrics/catalog.ts) through this object.
import { family, type MetricFamily } from '../family';

// Per-image series carry only `id` (the short image id, as `docker images` shows it and as
// docker_audit_container_info's image_id): an image's tags change on every retag, so they
// live on docker_audit_image_info alone. Join on id for names:
//   docker_audit_image_runs_as_root * on(id) group_left(image) docker_audit_image_info
const imageGauge = (name: string, help: string) => family('images', 'gauge', name, help, ['id']);

/** The `type` values of docker_audit_reclaimable_bytes: the lines of `docker system df`. */
export const DISK_USAGE_TYPES = ['images', 'containers', 'volumes', 'build_cache'] as const;
export type DiskUsageType = (typeof DISK_USAGE_TYPES)[number];

export const IMAGES_METRICS = {
  images: family('images', 'gauge', 'docker_audit_images', 'Number of images, as `docker images` lists them; dangling="true" for those without a tag.', ['dangling']),
  imageInfo: family('images', 'gauge', 'docker_audit_image_info', 'Image metadata; always 1. image is the first tag ("<none>" for a dangling image), tags every tag, comma-separated.', ['id', 'image', 'tags']),
  imageCreated: imageGauge('docker_audit_image_created_timestamp_seconds', 'Unix time at which the image was created (built or committed).'),
  imageSize: imageGauge('docker_audit_image_size_bytes', 'Size of the image in bytes, layers shared with other images included.'),
  imageRunsAsRoot: imageGauge('docker_audit_image_runs_as_root', 'Whether the image\'s default user is root (USER empty, 0, root, 0:* or root:*).'),
  imageHealthcheckDefined: imageGauge('docker_audit_image_healthcheck_defined', 'Whether the image defines a HEALTHCHECK (other than NONE).'),
  imageRepoDigestPresent: imageGauge('docker_audit_image_repo_digest_present', 'Whether the image has a registry digest (pulled from or pushed to a registry) rather than being only built or loaded locally.'),
  imageInUse: imageGauge('docker_audit_image_in_use', 'Whether any container, running or not, was created from the image.'),
  imageVulnerabilities: family('images', 'gauge', 'docker_audit_image_vulnerabilities', 'Vulnerabilities found by Trivy in the image, by severity, from the newest report for it in --trivy.reports-dir.', ['id', 'severity']),
  trivyReportCreated: family('images', 'gauge', 'docker_audit_trivy_report_created_timestamp_seconds', 'Unix time at which the Trivy report counted for the image was made (its CreatedAt, else the file\'s modification time).', ['id']),
  trivyReports: family('images', 'gauge', 'docker_audit_trivy_reports', 'Trivy report files in --trivy.reports-dir, by status: ok; unreadable (not JSON, or not a Trivy SchemaVersion 2 report); unmatched (a report naming no image id, of an image not on this host). The log names each file that is not ok.', ['status']),

  volumes: family('resources', 'gauge', 'docker_audit_volumes', 'Number of volumes; in_use="true" for those mounted by a container, running or not.', ['in_use']),
  volumeInUse: family('resources', 'gauge', 'docker_audit_volume_in_use', 'Whether a container, running or not, mounts the volume.', ['volume', 'driver']),
  networks: family('resources', 'gauge', 'docker_audit_networks', 'Number of networks other than the built-in bridge, host and none; in_use="true" for those a container is attached to.', ['in_use']),
  networkInUse: family('resources', 'gauge', 'docker_audit_network_in_use', 'Whether a container, running or not, is attached to the network (built-in bridge, host and none excluded).', ['network', 'id', 'driver']),
  reclaimableBytes: family('resources', 'gauge', 'docker_audit_reclaimable_bytes', 'Bytes that pruning would free, as the RECLAIMABLE column of `docker system df`, from the last /system/df read.', ['type']),
  systemDfLastSuccess: family('resources', 'gauge', 'docker_audit_system_df_last_success_timestamp_seconds', 'Unix time of the last successful /system/df read (read every --collector.resources.df-interval); 0 if none succeeded yet.', []),
} as const satisfies Record<string, MetricFamily>;
