// The host firewall as iptables-save prints it, and what it says about Docker's chains.
// Pure: text in, typed values out; src/readers/iptables.ts runs the binary.
//
// The iptables-save format (iptables-save(8), the same for the legacy and nf_tables
// backends): `# comment` lines, then per table `*filter`, one `:CHAIN POLICY [packets:bytes]`
// line per chain (policy `-` for a user-defined chain), one `-A CHAIN match... -j TARGET` line
// per rule in order, and `COMMIT`. Nothing here ever throws on a line it does not understand:
// the line is kept as a problem and the rest is read.
import { WILDCARD_HOSTS, type ContainerPosture, type PublishedPort } from './posture';
import type { ContainerInspect } from '../readers/engine-types';

export interface IptablesChain {
  readonly name: string;
  /** ACCEPT or DROP for a built-in chain; undefined for a user-defined one (`-`). */
  readonly policy: string | undefined;
  /** Each rule as written after `-A CHAIN `, in order. */
  readonly rules: string[];
}

export interface IptablesTable {
  readonly name: string;
  readonly chains: Map<string, IptablesChain>;
}

export interface IptablesSave {
  readonly tables: Map<string, IptablesTable>;
  /** Lines not understood, at most MAX_PROBLEMS of them (`problemCount` counts them all). */
  readonly problems: string[];
  readonly problemCount: number;
}

/** Problems kept for the log: a garbage input of a million lines must not become a million strings. */
export const MAX_PROBLEMS = 20;

export function parseIptablesSave(text: string): IptablesSave {
  const tables = new Map<string, IptablesTable>();
  const problems: string[] = [];
  let problemCount = 0;
  const problem = (n: number, line: string, why: string) => {
    problemCount++;
    if (problems.length < MAX_PROBLEMS) problems.push(`line ${n}: ${why}${line === '' ? '' : `: ${line.length > 200 ? `${line.slice(0, 200)}...` : line}`}`);
  };
  let table: IptablesTable | undefined;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    const n = i + 1;
    if (line === '' || line.startsWith('#')) continue;
    if (line.startsWith('*')) {
      if (table) problem(n, line, `table ${table.name} not committed before the next`);
      const name = line.slice(1).trim();
      if (name === '') {
        problem(n, line, 'table without a name');
        table = undefined;
        continue;
      }
      // The same table twice (two dumps concatenated): the rules add up, as they would load.
      table = tables.get(name) ?? { name, chains: new Map() };
      tables.set(name, table);
      continue;
    }
    if (line === 'COMMIT') {
      if (!table) problem(n, line, 'COMMIT outside a table');
      table = undefined;
      continue;
    }
    if (!table) {
      problem(n, line, 'outside a table');
      continue;
    }
    if (line.startsWith(':')) {
      const m = /^:(\S+)\s+(\S+)(?:\s+\[\d+:\d+\])?$/.exec(line);
      if (!m) {
        problem(n, line, 'not a chain line');
        continue;
      }
      const existing = table.chains.get(m[1]);
      const policy = m[2] === '-' ? undefined : m[2];
      table.chains.set(m[1], { name: m[1], policy, rules: existing?.rules ?? [] });
      continue;
    }
    const rule = /^-A\s+(\S+)(?:\s+(.*))?$/.exec(line);
    if (!rule) {
      problem(n, line, 'not a rule (-A CHAIN ...)');
      continue;
    }
    let chain = table.chains.get(rule[1]);
    if (!chain) {
      // iptables-restore would refuse it; the rule still says something about the chain.
      problem(n, line, `rule for the undeclared chain ${rule[1]}`);
      chain = { name: rule[1], policy: undefined, rules: [] };
      table.chains.set(rule[1], chain);
    }
    chain.rules.push((rule[2] ?? '').trim());
  }
  if (table) problem(lines.length, '', `table ${table.name} not committed by the end of the input`);
  return { tables, problems, problemCount };
}

export const FIREWALL_BACKENDS = ['iptables-legacy', 'iptables-nft'] as const;
export type FirewallBackend = (typeof FIREWALL_BACKENDS)[number];

/**
 * The backend from `iptables-save --version`: "iptables-save v1.8.9 (nf_tables)" or
 * "... (legacy)". Before 1.8 there was no nf_tables backend and no suffix ("v1.6.1"): legacy.
 * Undefined when the text says neither.
 */
export function iptablesBackend(versionText: string): FirewallBackend | undefined {
  if (/\(nf_tables\)/.test(versionText)) return 'iptables-nft';
  if (/\(legacy\)/.test(versionText)) return 'iptables-legacy';
  const version = /\bip6?tables[\w-]* v(\d+)\.(\d+)/.exec(versionText);
  if (version && (Number(version[1]) < 1 || (Number(version[1]) === 1 && Number(version[2]) < 8))) return 'iptables-legacy';
  return undefined;
}

/** The chains dockerd (20.10) creates in the filter table; a fixed set, so the per-chain series are bounded. */
export const DOCKER_CHAINS = ['DOCKER', 'DOCKER-USER', 'DOCKER-ISOLATION-STAGE-1', 'DOCKER-ISOLATION-STAGE-2'] as const;
export const FORWARD_POLICIES = ['ACCEPT', 'DROP'] as const;

export interface DockerFirewall {
  /** The FORWARD chain's policy; undefined when the filter table or the chain is missing. */
  readonly forwardPolicy: string | undefined;
  /** Whether DOCKER-USER exists: dockerd creates it unless it runs with iptables=false. */
  readonly dockerUserChainPresent: boolean;
  /** DOCKER-USER rules other than a bare `-j RETURN` (dockerd's default rule, which filters nothing). */
  readonly dockerUserRules: number;
  /** The rules of each of Docker's chains that exists, as written (a DOCKER-USER RETURN included). */
  readonly chainRules: readonly { readonly chain: (typeof DOCKER_CHAINS)[number]; readonly rules: number }[];
}

/** A rule that only returns: dockerd adds `-A DOCKER-USER -j RETURN` and it lets everything through. */
const isBareReturn = (rule: string): boolean => rule.trim() === '-j RETURN';

export function dockerFirewall(save: IptablesSave): DockerFirewall {
  const chains = save.tables.get('filter')?.chains ?? new Map<string, IptablesChain>();
  const dockerUser = chains.get('DOCKER-USER');
  return {
    forwardPolicy: chains.get('FORWARD')?.policy,
    dockerUserChainPresent: dockerUser !== undefined,
    dockerUserRules: dockerUser ? dockerUser.rules.filter((r) => !isBareReturn(r)).length : 0,
    chainRules: DOCKER_CHAINS.flatMap((chain) => {
      const c = chains.get(chain);
      return c ? [{ chain, rules: c.rules.length }] : [];
    }),
  };
}

export interface UnfilteredPort {
  readonly posture: ContainerPosture;
  /** The port as docker_audit_container_published_port labels it (as configured). */
  readonly port: PublishedPort;
}

/**
 * The ports that reach a running container from any address with nothing of the admin's
 * in front of Docker's own rules: published on all interfaces (host IP empty, 0.0.0.0 or
 * ::), by a running (or paused) container that actually bound it (a non-empty entry for
 * "port/protocol" in NetworkSettings.Ports; a container on the host network binds none
 * whatever it asked for), while DOCKER-USER exists and holds no rule but the default RETURN.
 *
 * Each port is named as configured (the labels of docker_audit_container_published_port,
 * host_port "" for one Docker picks) so the two series join, and a restart that picks
 * another ephemeral port does not make a new series. Without a DOCKER-USER chain (dockerd
 * with iptables=false) Docker writes no forwarding rules at all and the ports go through
 * docker-proxy and the INPUT chain, which this does not judge: nothing is reported.
 */
export function unfilteredPublishedPorts(
  containers: readonly { readonly posture: ContainerPosture; readonly inspect: ContainerInspect }[],
  firewall: Pick<DockerFirewall, 'dockerUserChainPresent' | 'dockerUserRules'>,
): UnfilteredPort[] {
  if (!firewall.dockerUserChainPresent || firewall.dockerUserRules > 0) return [];
  const out: UnfilteredPort[] = [];
  for (const { posture, inspect } of containers) {
    if (!posture.running) continue;
    const bound = inspect.NetworkSettings?.Ports ?? {};
    for (const port of posture.publishedPorts) {
      if (!WILDCARD_HOSTS.has(port.hostIp)) continue;
      if ((bound[`${port.containerPort}/${port.protocol}`] ?? []).length === 0) continue;
      out.push({ posture, port });
    }
  }
  return out;
}
