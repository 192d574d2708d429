// The firewall collector on this host's real iptables (nf_tables, Debian's iptables 1.8.9)
// and dockerd 20.10, whose chains exist here. A container of this file publishes one port
// on all interfaces and one on 127.0.0.1; a DOCKER-USER rule of this file (matched by its
// comment) is added and removed. Another engineer's tests may add rules and containers at the
// same time: only this file's rule and container are asserted on, and the DOCKER-USER count
// relative to what it was just before.
import { execFileSync, spawnSync } from 'node:child_process';
import { COLLECTOR_NAMES } from '../../src/collectors';
import { silentLogger } from '../../src/base/log';
import { createFirewallCollector } from '../../src/collectors/firewall';
import { CollectorRunner } from '../../src/collectors/runner';
import { createFacts } from '../../src/facts';
import type { Sample } from '../../src/metrics/sample';
import { EngineClient, resolveConnection } from '../../src/readers/engine';
import { TEST_IMAGE, docker, removeContainers } from '../helpers/docker-cli';
import { EXPORTER_MAIN, runExporter } from '../helpers/exporter-process';
import { parseExposition } from '../helpers/exposition';
import { freePort } from '../helpers/free-port';
import { testOptions } from '../helpers/options';

const P = 'dae13-fw-';
const CONTAINER = `${P}it-${process.pid}`;
const COMMENT = 'dae13-fw';
const RULE = ['DOCKER-USER', '-s', '198.51.100.0/24', '-j', 'DROP', '-m', 'comment', '--comment', COMMENT];
const iptables = (...args: string[]) => execFileSync('iptables', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

/** Deletes every DOCKER-USER rule carrying this file's comment (a crashed run's too). */
function removeOwnRules(): void {
  for (;;) {
    const own = iptables('-S', 'DOCKER-USER').split('\n').find((l) => l.includes(`--comment ${COMMENT}`) && l.startsWith('-A DOCKER-USER '));
    if (!own) return;
    // `-S` prints the rule as `-A ...`; the same words after -D delete exactly that rule.
    iptables('-D', ...own.slice('-A '.length).split(' ').filter(Boolean));
  }
}

/** DOCKER-USER rules other than a bare RETURN, counted by iptables itself. */
const dockerUserRulesNow = () => iptables('-S', 'DOCKER-USER').split('\n').filter((l) => l.startsWith('-A DOCKER-USER ') && l.trim() !== '-A DOCKER-USER -j RETURN').length;

let wildPort = 0;
let loopPort = 0;
let shortId = '';

beforeAll(async () => {
  removeOwnRules();
  removeContainers(P + 'it-');
  wildPort = await freePort();
  loopPort = await freePort();
  docker('run', '-d', '--name', CONTAINER, '-p', `0.0.0.0:${wildPort}:80`, '-p', `127.0.0.1:${loopPort}:81`, TEST_IMAGE, 'sleep', '600');
  shortId = docker('inspect', '--format', '{{.Id}}', CONTAINER).slice(0, 12);
}, 60_000);

afterAll(() => {
  removeOwnRules();
  removeContainers(P + 'it-');
  expect(iptables('-S', 'DOCKER-USER')).not.toContain(COMMENT);
});

describe('the firewall collector on the real iptables', () => {
  const options = testOptions([], { watchEvents: false, inspectMaxAgeMs: 0 });
  const client = new EngineClient(resolveConnection({ host: 'unix:///var/run/docker.sock', tlsVerify: false, certPath: '' }), { timeoutMs: 10_000 });
  const facts = createFacts(client, silentLogger, options);
  const runner = new CollectorRunner([createFirewallCollector({ facts, options })], silentLogger, Date.now, facts);
  afterAll(async () => {
    await runner.close();
    client.close();
  });

  const collect = async () => {
    const result = await runner.run(new AbortController().signal);
    const status = result.statuses.find((s) => s.name === 'firewall')!;
    if (!status.success) throw new Error(`the firewall collector failed: ${status.error}`);
    return result.samples.filter((s) => s.family.collector === 'firewall');
  };
  const one = (samples: Sample[], family: string, labels: Record<string, string> = {}) => {
    const found = samples.filter((s) => s.family.name === family && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
    if (found.length !== 1) throw new Error(`${family}${JSON.stringify(labels)}: ${found.length} series`);
    return found[0].value;
  };
  const ownUnfiltered = (samples: Sample[]) =>
    samples
      .filter((s) => s.family.name === 'docker_audit_container_published_port_unfiltered' && s.labels.id === shortId)
      .map((s) => Object.entries(s.labels).map(([k, v]) => `${k}=${v}`).join(','));
  const expectedUnfiltered = () => [`name=${CONTAINER},id=${shortId},image=${TEST_IMAGE},host_ip=0.0.0.0,host_port=${wildPort},container_port=80,protocol=tcp`];

  it('reads the state the host is in: the nf_tables backend, the FORWARD policy, Docker\'s chains', async () => {
    const samples = await collect();
    const saved = execFileSync('iptables-save', ['-t', 'filter'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const version = execFileSync('iptables-save', ['--version'], { encoding: 'utf8' });
    expect(one(samples, 'docker_audit_firewall_backend', { backend: 'iptables-nft' })).toBe(version.includes('(nf_tables)') ? 1 : 0);
    expect(one(samples, 'docker_audit_firewall_backend', { backend: 'iptables-legacy' })).toBe(version.includes('(legacy)') ? 1 : 0);
    const policy = /^:FORWARD (\S+)/m.exec(saved)![1];
    expect(one(samples, 'docker_audit_firewall_forward_policy', { policy })).toBe(1);
    expect(one(samples, 'docker_audit_firewall_docker_user_chain_present')).toBe(1);
    // Our container's port rule is in the DOCKER chain, so that chain has at least one rule.
    expect(one(samples, 'docker_audit_firewall_chain_rules', { chain: 'DOCKER' })).toBeGreaterThanOrEqual(1);
    expect(one(samples, 'docker_audit_firewall_chain_rules', { chain: 'DOCKER-USER' })).toBeGreaterThanOrEqual(1);
  }, 30_000);

  it('counts this file\'s DOCKER-USER rule while it is there, and the unfiltered port goes and comes back with it', async () => {
    // Without a rule of anyone's, our port on all interfaces is unfiltered; the 127.0.0.1 one never is.
    const before = await collect();
    const countBefore = one(before, 'docker_audit_firewall_docker_user_rules');
    if (countBefore === 0) expect(ownUnfiltered(before)).toEqual(expectedUnfiltered());
    else expect(ownUnfiltered(before)).toEqual([]); // another engineer's rule is in place

    iptables('-I', ...RULE);
    const countNow = dockerUserRulesNow();
    const during = await collect();
    expect(one(during, 'docker_audit_firewall_docker_user_rules')).toBe(countNow);
    expect(countNow).toBe(countBefore + 1);
    expect(ownUnfiltered(during)).toEqual([]);

    removeOwnRules();
    const countAfter = dockerUserRulesNow();
    const after = await collect();
    expect(one(after, 'docker_audit_firewall_docker_user_rules')).toBe(countAfter);
    // Ours is gone: whatever others did meanwhile, the count is one fewer than with ours in (unless they changed theirs).
    expect(countAfter).toBe(countNow - 1);
    if (countAfter === 0) expect(ownUnfiltered(after)).toEqual(expectedUnfiltered());
    else expect(ownUnfiltered(after)).toEqual([]);
  }, 60_000);

  it('never reports the port published on 127.0.0.1', async () => {
    const samples = await collect();
    expect(samples.some((s) => s.family.name === 'docker_audit_container_published_port_unfiltered' && s.labels.host_port === String(loopPort))).toBe(false);
  }, 30_000);

  it('stops reporting the port once the container stops', async () => {
    const running = await collect();
    if (one(running, 'docker_audit_firewall_docker_user_rules') === 0) expect(ownUnfiltered(running)).toEqual(expectedUnfiltered());
    docker('stop', '-t', '0', CONTAINER);
    try {
      expect(ownUnfiltered(await collect())).toEqual([]);
    } finally {
      docker('start', CONTAINER);
    }
  }, 60_000);
});

describe('the built exporter (--once --collector.firewall)', () => {
  const others = COLLECTOR_NAMES.filter((n) => n !== 'firewall').map((n) => `--no-collector.${n}`);

  it('as root: the collector succeeds and serves this file\'s container', async () => {
    const run = await runExporter(['--once', ...others, '--collector.firewall'], 60_000);
    const all = parseExposition(run.stdout);
    const success = all.find((s) => s.name === 'docker_audit_collector_success' && s.labels.collector === 'firewall');
    if (success?.value !== 1) throw new Error(`firewall collector failed; stderr:\n${run.stderr}`);
    expect(run.code).toBe(0);
    expect(all.filter((s) => s.name === 'docker_audit_firewall_forward_policy').map((s) => s.labels.policy).sort()).toEqual(['ACCEPT', 'DROP']);
    const mine = all.filter((s) => s.name === 'docker_audit_container_published_port_unfiltered' && s.labels.id === shortId).map((s) => `${s.labels.name} ${s.labels.host_ip}:${s.labels.host_port}->${s.labels.container_port}/${s.labels.protocol}`);
    const rules = all.find((s) => s.name === 'docker_audit_firewall_docker_user_rules')?.value;
    expect(rules).toBeDefined();
    expect(mine).toEqual(rules === 0 ? [`${CONTAINER} 0.0.0.0:${wildPort}->80/tcp`] : []);
  }, 90_000);

  it('as a user without CAP_NET_ADMIN: fails the collector, naming the command and the privilege, and exits 1 without crashing', async () => {
    // setpriv drops to nobody; the exporter itself is the child, so its stderr is ours.
    const run = runExporterAs(['--once', ...others, '--collector.firewall', '--log.format=json']);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^docker_audit_collector_success\{collector="firewall"\} 0$/m);
    expect(run.stderr).toContain('reading the firewall rules failed: running iptables-save -t filter failed: exit code 4: iptables-save v1.8.9 (nf_tables): Could not fetch rule set generation id: Permission denied (you must be root) (iptables-save needs CAP_NET_ADMIN');
  }, 90_000);
});

/** The built exporter as uid 65534 with no capability, through setpriv. */
function runExporterAs(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', '--inh-caps=-all', 'node', EXPORTER_MAIN, ...args], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
