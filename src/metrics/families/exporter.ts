// The exporter itself and the engine it talks to.
// Families are added to the catalog (src/metrics/catalog.ts) through this object.
import { family, type MetricFamily } from '../family';

export const EXPORTER_METRICS = {
  // One series per collector, as node_exporter's node_scrape_collector_*.
  collectorSuccess: family('exporter', 'gauge', 'docker_audit_collector_success', 'Whether the collector succeeded in the last collection (1) or failed (0).', ['collector']),
  collectorDuration: family('exporter', 'gauge', 'docker_audit_collector_duration_seconds', 'How long the collector took in the last collection, in seconds.', ['collector']),
  collectorLastSuccess: family('exporter', 'gauge', 'docker_audit_collector_last_success_timestamp_seconds', 'Unix time of the collector\'s last successful run; 0 if it never succeeded.', ['collector']),
  samplesDropped: family('exporter', 'counter', 'docker_audit_samples_dropped_total', 'Samples a collector emitted twice with the same labels (a duplicate, kept once and logged with its family and labels); the collector counts as failed in that collection.', ['collector']),
  collectionsSkipped: family('exporter', 'counter', 'docker_audit_collections_skipped_total', 'Scheduled collections skipped because the previous one was still running.', []),
  collectionInterval: family('exporter', 'gauge', 'docker_audit_collection_interval_seconds', 'The longest time between two collections of --collection.schedule, in seconds; /-/ready answers 503 once the last completed collection is 3 of these old.', []),
  lastCollection: family('exporter', 'gauge', 'docker_audit_last_collection_timestamp_seconds', 'Unix time at which the last completed collection finished.', []),

  // Engine.
  engineUp: family('engine', 'gauge', 'docker_audit_engine_up', 'Whether the Docker Engine answered /_ping in the last collection (1) or not (0).', []),
  engineInfo: family(
    'engine',
    'gauge',
    'docker_audit_engine_info',
    'The engine\'s kind (engine: docker or podman, from /version), whether it runs rootless (rootless: true or false, from /info), version and configuration; always 1.',
    ['engine', 'rootless', 'version', 'api_version', 'os', 'kernel_version', 'storage_driver', 'logging_driver', 'cgroup_driver', 'cgroup_version'],
  ),
} as const satisfies Record<string, MetricFamily>;
