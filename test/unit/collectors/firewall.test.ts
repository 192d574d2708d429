// The firewall collector with a stand-in iptables-save (a shell script printing what the real
// one printed on this host, test/fixtures/firewall/) and the recorded "ports" container
// (81/udp published on all interfaces, 80/tcp on 127.0.0.1) as the container facts.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createLogger } from '../../../src/base/log';
import { createFirewallCollector, firewallSamples } from '../../../src/collectors/firewall';
import { CollectorRunner, type CollectionResult } from '../../../src/collectors/runner';
import type { ContainerFacts } from '../../../src/facts/containers';
import { PerCollection } from '../../../src/facts/per-collection';
import { containerPosture } from '../../../src/model/posture';
import type { ContainerInspect } from '../../../src/readers/engine-types';
import { recordedInspect, series, valueOf } from '../../helpers/fixtures';
import { testOptions } from '../../helpers/options';
import { POSTURE_OPTIONS } from '../cis/facts';

const FIXTURES = path.join(__dirname, '..', '..', 'fixtures', 'firewall');
const signal = new AbortController().signal;
let dir: string;
beforeAll(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dae-firewall-'))));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

let n = 0;
/** An iptables-save that answers --version with one fixture and -t filter with another. */
function fakeIptablesSave(version: string, rules: string, extra = ''): string {
  const file = path.join(dir, `iptables-save-${n++}`);
  fs.writeFileSync(
    file,
    `#!/bin/sh\ncase "$1" in\n  --version) cat '${FIXTURES}/${version}' ;;\n  -t) ${extra} cat '${FIXTURES}/${rules}' ;;\n  *) exit 2 ;;\nesac\n`,
    { mode: 0o755 },
  );
  return file;
}

const inspects: ContainerInspect[] = [recordedInspect('ports'), recordedInspect('exited'), recordedInspect('hostns')];
const containerFacts = (): ContainerFacts => ({ inspects, postures: inspects.map((i) => containerPosture(i, POSTURE_OPTIONS)), unchanged: false, listed: 3, inspected: 3, duplicates: 0 });
const portsName = containerPosture(inspects[0], POSTURE_OPTIONS).name;
const portsId = containerPosture(inspects[0], POSTURE_OPTIONS).shortId;

async function collect(binary: string, containers: () => Promise<ContainerFacts> = async () => containerFacts(), runs = 1) {
  const lines: string[] = [];
  const logger = createLogger('info', 'logfmt', (l) => lines.push(l));
  const options = testOptions([`--collector.firewall.iptables-save-path=${binary}`]);
  const collector = createFirewallCollector({ facts: { containers: new PerCollection(() => containers()) } as never, options });
  const runner = new CollectorRunner([collector], logger);
  const results: CollectionResult[] = [];
  for (let i = 0; i < runs; i++) results.push(await runner.run(signal));
  await runner.close();
  const own = (r: CollectionResult) => r.samples.filter((s) => s.family.collector === 'firewall');
  return { results, lines, samples: own(results[results.length - 1]), status: results[results.length - 1].statuses[0] };
}

describe('the firewall collector', () => {
  it('on the recorded nf_tables rules: backend, FORWARD DROP, no DOCKER-USER rule, and the one port on all interfaces unfiltered', async () => {
    const { samples, status, lines } = await collect(fakeIptablesSave('nft-version.txt', 'nft-20.10-published.rules', `cat '${FIXTURES}/nft-20.10-published.stderr' >&2;`));
    expect(status.success).toBe(true);
    expect(series(samples, 'docker_audit_firewall_backend')).toEqual(['backend=iptables-legacy => 0', 'backend=iptables-nft => 1']);
    expect(series(samples, 'docker_audit_firewall_forward_policy')).toEqual(['policy=ACCEPT => 0', 'policy=DROP => 1']);
    expect(valueOf(samples, 'docker_audit_firewall_docker_user_chain_present')).toBe(1);
    expect(valueOf(samples, 'docker_audit_firewall_docker_user_rules')).toBe(0);
    expect(series(samples, 'docker_audit_firewall_chain_rules')).toEqual(['chain=DOCKER => 2', 'chain=DOCKER-ISOLATION-STAGE-1 => 2', 'chain=DOCKER-ISOLATION-STAGE-2 => 2', 'chain=DOCKER-USER => 1']);
    expect(series(samples, 'docker_audit_container_published_port_unfiltered', [])).toEqual([
      `name=${portsName},id=${portsId},image=${inspects[0].Config!.Image},host_ip=0.0.0.0,host_port=18081,container_port=81,protocol=udp => 1`,
    ]);
    // The legacy tables beside the nf_tables ones: said once, with what to do.
    expect(lines.filter((l) => l.includes('iptables-legacy tables exist beside'))).toHaveLength(1);
  });

  it('with a DOCKER-USER rule (recorded): counted, and no port unfiltered', async () => {
    const { samples, status } = await collect(fakeIptablesSave('nft-version.txt', 'nft-20.10-docker-user-rule.rules'));
    expect(status.success).toBe(true);
    expect(valueOf(samples, 'docker_audit_firewall_docker_user_rules')).toBe(1);
    expect(series(samples, 'docker_audit_container_published_port_unfiltered')).toEqual([]);
  });

  it('without Docker chains (iptables=false) and on legacy: no DOCKER-USER count, no unfiltered port', async () => {
    const { samples, status } = await collect(fakeIptablesSave('legacy-version.txt', 'hand-no-docker-user.rules'));
    expect(status.success).toBe(true);
    expect(series(samples, 'docker_audit_firewall_backend')).toEqual(['backend=iptables-legacy => 1', 'backend=iptables-nft => 0']);
    expect(valueOf(samples, 'docker_audit_firewall_docker_user_chain_present')).toBe(0);
    expect(valueOf(samples, 'docker_audit_firewall_docker_user_rules')).toBeUndefined();
    expect(series(samples, 'docker_audit_container_published_port_unfiltered')).toEqual([]);
  });

  it('reads malformed rules without failing, and logs each problem once over two collections', async () => {
    const { samples, status, lines, results } = await collect(fakeIptablesSave('nft-version.txt', 'hand-malformed.rules'), undefined, 2);
    expect(results.map((r) => r.statuses[0].success)).toEqual([true, true]);
    expect(status.success).toBe(true);
    expect(valueOf(samples, 'docker_audit_firewall_docker_user_rules')).toBe(1);
    expect(lines.filter((l) => l.includes('iptables-save line not understood'))).toHaveLength(9);
  });

  it('fails, naming the command and the privilege, when iptables-save is refused (recorded non-root stderr); the backend is still served', async () => {
    const refused = path.join(dir, 'refused');
    fs.writeFileSync(refused, `#!/bin/sh\ncase "$1" in --version) cat '${FIXTURES}/nft-version.txt' ;; *) cat '${FIXTURES}/nft-not-root.stderr' >&2; exit 4 ;; esac\n`, { mode: 0o755 });
    const { samples, status } = await collect(refused);
    expect(status.success).toBe(false);
    expect(status.error).toBe(
      `reading the firewall rules failed: running ${refused} -t filter failed: exit code 4: iptables-save v1.8.9 (nf_tables): Could not fetch rule set generation id: Permission denied (you must be root) (iptables-save needs CAP_NET_ADMIN (iptables-nft), or CAP_NET_ADMIN and CAP_NET_RAW (iptables-legacy), in the host's network namespace (network_mode: host in a container))`,
    );
    expect(series(samples, 'docker_audit_firewall_backend')).toEqual(['backend=iptables-legacy => 0', 'backend=iptables-nft => 1']);
    expect(series(samples, 'docker_audit_container_published_port_unfiltered')).toEqual([]);
  });

  it('fails, naming the binary, when it does not exist', async () => {
    const missing = path.join(dir, 'no-such-iptables-save');
    const { status, samples } = await collect(missing);
    expect(status.success).toBe(false);
    expect(status.error).toBe(`reading the firewall rules failed: running ${missing} -t filter failed: no such file (install iptables, or set --collector.firewall.iptables-save-path)`);
    expect(series(samples, 'docker_audit_firewall_backend')).toEqual(['backend=iptables-legacy => 0', 'backend=iptables-nft => 0']);
  });

  it('fails when the output holds no filter table', async () => {
    const { status } = await collect(fakeIptablesSave('nft-version.txt', 'nft-version.txt'));
    expect(status.success).toBe(false);
    expect(status.error).toMatch(/printed no filter table \(line 1: outside a table: iptables-save v1\.8\.9 \(nf_tables\)\)$/);
  });

  it('serves the firewall series and fails when the containers cannot be read', async () => {
    const { status, samples } = await collect(fakeIptablesSave('nft-version.txt', 'nft-20.10-published.rules'), async () => {
      throw new Error('listing the containers failed');
    });
    expect(status.success).toBe(false);
    expect(status.error).toBe('reading the containers whose published ports the firewall is judged for failed: listing the containers failed');
    expect(valueOf(samples, 'docker_audit_firewall_docker_user_rules')).toBe(0);
    expect(series(samples, 'docker_audit_container_published_port_unfiltered')).toEqual([]);
  });
});

describe('firewallSamples', () => {
  it('serves only the backend when the rules were not read', () => {
    expect(firewallSamples(undefined, undefined, []).map((s) => s.family.name)).toEqual(['docker_audit_firewall_backend', 'docker_audit_firewall_backend']);
  });
});
