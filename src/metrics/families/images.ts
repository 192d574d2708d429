// Collectors "images" and "resources": images, volumes, networks, disk usage, Trivy counts.
// Families are added to the catalog (src/metrics/catalog.ts) through this object.
import { family, type MetricFamily } from '../family';

const IMAGE = ['image', 'id'] as const;
const imageGauge = (name: string, help: string) => family('images', 'gauge', name, help, IMAGE);

/** Trivy's severities, lowest first: every one is present in docker_audit_image_vulnerabilities, 0 included. */
export const TRIVY_SEVERITIES = ['UNKNOWN', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL'] as const;
export type TrivySeverity = (typeof TRIVY_SEVERITIES)[number];

/** The `type` values of docker_audit_reclaimable_bytes: the lines of `docker system df`. */
export const DISK_USAGE_TYPES = ['images', 'containers', 'volumes', 'build_cache'] as const;
export type DiskUsageType = (typeof DISK_USAGE_TYPES)[number];

export const IMAGES_METRICS = {
  images: family('images', 'gauge', 'docker_audit_images', 'Number of images, as `docker images` lists them; dangling="true" for those without a tag.', ['dangling']),
  imageCreated: imageGauge('docker_audit_image_created_timestamp_seconds', 'Unix time at which the image was created (built or committed).'),
  imageSize: imageGauge('docker_audit_image_size_bytes', 'Size of the image in bytes, layers shared with other images included.'),
  imageRunsAsRoot: imageGauge('docker_audit_image_runs_as_root', 'Whether the image\'s default user is root (USER empty, 0, root, 0:* or root:*).'),
  imageHealthcheckDefined: imageGauge('docker_audit_image_healthcheck_defined', 'Whether the image defines a HEALTHCHECK (other than NONE).'),
  imageRepoDigestPresent: imageGauge('docker_audit_image_repo_digest_present', 'Whether the image has a registry digest (pulled from or pushed to a registry) rather than being only built or loaded locally.'),
  imageInUse: imageGauge('docker_audit_image_in_use', 'Whether any container, running or not, was created from the image.'),
  imageVulnerabilities: family('images', 'gauge', 'docker_audit_image_vulnerabilities', 'Vulnerabilities found by Trivy in the image, by severity, from the newest report for it in --trivy.reports-dir.', ['image', 'severity']),
  trivyReportCreated: family('images', 'gauge', 'docker_audit_trivy_report_created_timestamp_seconds', 'Unix time at which the Trivy report counted for the image was made (its CreatedAt, else the file\'s modification time).', ['image']),
  trivyReports: family('images', 'gauge', 'docker_audit_trivy_reports', 'Trivy report files in --trivy.reports-dir, by status: ok, or unreadable (not JSON, or not a Trivy SchemaVersion 2 report; the log names the file).', ['status']),

  volumes: family('resources', 'gauge', 'docker_audit_volumes', 'Number of volumes; in_use="true" for those mounted by a container, running or not.', ['in_use']),
  volumeInUse: family('resources', 'gauge', 'docker_audit_volume_in_use', 'Whether a container, running or not, mounts the volume.', ['volume', 'driver']),
  networks: family('resources', 'gauge', 'docker_audit_networks', 'Number of networks other than the built-in bridge, host and none; in_use="true" for those a container is attached to.', ['in_use']),
  networkInUse: family('resources', 'gauge', 'docker_audit_network_in_use', 'Whether a container, running or not, is attached to the network (built-in bridge, host and none excluded).', ['network', 'id', 'driver']),
  reclaimableBytes: family('resources', 'gauge', 'docker_audit_reclaimable_bytes', 'Bytes that pruning would free, as the RECLAIMABLE column of `docker system df`, from the last /system/df read.', ['type']),
  systemDfLastSuccess: family('resources', 'gauge', 'docker_audit_system_df_last_success_timestamp_seconds', 'Unix time of the last successful /system/df read (read every --collector.resources.df-interval); 0 if none succeeded yet.', []),
} as const satisfies Record<string, MetricFamily>;
