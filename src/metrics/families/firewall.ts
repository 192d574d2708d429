// Collector "firewall": whether traffic to published container ports is filtered before
// Docker's own rules, from `iptables-save -t filter` (docs/firewall.md).
// Families are added to the catalog (src/metrics/catalog.ts) through this object.
import { family, type MetricFamily } from '../family';
import { CONTAINER_LABELS } from './containers';

export const FIREWALL_METRICS = {
  firewallBackend: family('firewall', 'gauge', 'docker_audit_firewall_backend', 'The iptables backend of --collector.firewall.iptables-save-path, from its --version: 1 for the one in use (iptables-legacy or iptables-nft), 0 for the other; both 0 when the version says neither.', ['backend']),
  firewallForwardPolicy: family('firewall', 'gauge', 'docker_audit_firewall_forward_policy', 'The policy of the filter table\'s FORWARD chain (IPv4): 1 for the policy in force (ACCEPT or DROP), 0 for the other.', ['policy']),
  firewallDockerUserChainPresent: family('firewall', 'gauge', 'docker_audit_firewall_docker_user_chain_present', 'Whether the DOCKER-USER chain exists in the IPv4 filter table; dockerd creates it unless it runs with iptables=false (or the exporter is not in the host\'s network namespace).', []),
  firewallDockerUserRules: family('firewall', 'gauge', 'docker_audit_firewall_docker_user_rules', 'Rules in the IPv4 DOCKER-USER chain other than dockerd\'s default `-j RETURN`; absent when the chain does not exist. Counted, not judged: any rule counts.', []),
  firewallChainRules: family('firewall', 'gauge', 'docker_audit_firewall_chain_rules', 'Rules in each of Docker\'s IPv4 filter chains that exists (DOCKER, DOCKER-USER, DOCKER-ISOLATION-STAGE-1, DOCKER-ISOLATION-STAGE-2), every rule counted (DOCKER-USER\'s RETURN included).', ['chain']),
  containerPublishedPortUnfiltered: family('firewall', 'gauge', 'docker_audit_container_published_port_unfiltered', 'Present with value 1 for each port a running container has bound on all interfaces (host IP empty, 0.0.0.0 or ::) while the DOCKER-USER chain exists and holds no rule but the default RETURN; labels as docker_audit_container_published_port (the port as configured).', [...CONTAINER_LABELS, 'host_ip', 'host_port', 'container_port', 'protocol']),
} as const satisfies Record<string, MetricFamily>;
