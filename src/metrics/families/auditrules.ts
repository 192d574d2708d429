// Collector "auditrules": audit-rule coverage of the CIS 1.1.x paths and kernel audit status.
// Families are added to the catalog (src/metrics/catalog.ts) through this object.
import { family, type MetricFamily } from '../family';

export const AUDITRULES_METRICS = {
  auditRulesSource: family('auditrules', 'gauge', 'docker_audit_rules_source', 'Where the audit rules were read from: 1 for the source used (auditctl: the live rules from auditctl -l; files: --audit.rules-paths; none: neither could be read), 0 for the others.', ['source']),
  auditRulePresent: family('auditrules', 'gauge', 'docker_audit_rule_present', 'Whether an audit rule watches this CIS 1.1.x path (exactly, or a directory above it recursively); only paths that exist on the host.', ['check', 'path']),
  auditRulePermissionsOk: family('auditrules', 'gauge', 'docker_audit_rule_permissions_ok', 'Whether the audit rules watching this CIS 1.1.x path audit writes and attribute changes (w and a).', ['check', 'path']),
  auditKernelEnabled: family('auditrules', 'gauge', 'docker_audit_kernel_audit_enabled', 'Kernel audit status from auditctl -s: 0 disabled, 1 enabled, 2 enabled and locked until reboot.', []),
  auditKernelLost: family('auditrules', 'gauge', 'docker_audit_kernel_audit_lost', 'Audit records the kernel dropped, from auditctl -s; the kernel\'s counter, which auditctl --reset-lost sets back to 0.', []),
  auditKernelBacklog: family('auditrules', 'gauge', 'docker_audit_kernel_audit_backlog', 'Audit records waiting in the kernel for auditd, from auditctl -s.', []),
  auditKernelBacklogLimit: family('auditrules', 'gauge', 'docker_audit_kernel_audit_backlog_limit', 'Most audit records the kernel queues for auditd (auditctl -b), from auditctl -s.', []),
} as const satisfies Record<string, MetricFamily>;
