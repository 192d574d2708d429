// A real 3-node Docker Swarm on this machine (test/helpers/swarm.ts: three dockerds, each in
// network, mount and UTS namespaces of its own, on a private test network), the exporter
// deployed on it with deploy/swarm/stack.yml (`docker stack deploy`: a global service, its port
// published in host mode), and a real Prometheus (Debian's 2.42) discovering the tasks with
// prometheus/swarm/prometheus.yml from the manager's socket, with the bundled alert rules. It
// checks that
//   - every node is ready under its own hostname and the exporter's task runs on each, with
//     the stack's user, groups, read-only root and limits;
//   - the bind-mounted /var/run/docker.sock of each task is its own node's engine socket, and
//     each exporter reports its own node's containers only;
//   - Prometheus finds exactly one target per node, up, instance = the node's hostname, with
//     the node's labels, and one per node in the nodes-role job, with the engine version;
//   - a privileged container created on node 2 shows under node 2 alone, and
//     DockerAuditPrivilegedContainerPresent fires for node 2 alone;
//   - node 3 powered off: DockerAuditExporterMissingOnNode fires for it alone; node 3 back: it
//     rejoins, its task runs again, the alert resolves.
// What this sandbox cannot do (no IPVS in its kernel: the routing mesh and VIPs) is not used:
// the stack publishes in host mode, as it must anyway.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { expandTemplateVariables, panelQueries } from '../../dashboards/src';
import { DEFAULT_COLLECTOR_NAMES } from '../../src/collectors';
import { groupGid } from '../helpers/compose';
import { TEST_IMAGE, waitUntil } from '../helpers/docker-cli';
import { httpGet } from '../helpers/exporter-process';
import { exporterImage } from '../helpers/exporter-image';
import { parseExposition, seriesLines } from '../helpers/exposition';
import { freePort } from '../helpers/free-port';
import { dyingWithParent } from '../helpers/second-daemon';
import { Swarm, type SwarmNode } from '../helpers/swarm';

const ROOT = path.join(__dirname, '..', '..');
const STACK_FILE = path.join(ROOT, 'deploy', 'swarm', 'stack.yml');
const STACK = 'docker-audit';
const SERVICE = `${STACK}_exporter`;
const PORT = 9795;
const PRIVILEGED = `dae-swarm-privileged-${process.pid}`;
const SOCKET_GID = String(fs.statSync('/var/run/docker.sock').gid);
const ADM_GID = groupGid('adm');

// The images loaded on every node: the exporter's is built in beforeAll.
const images = [TEST_IMAGE];
let image = '';
// Heartbeats every 2 s (default 5 s): the manager marks a dead node down after about 3 of them.
const swarm = new Swarm({ images, initArgs: ['--dispatcher-heartbeat', '2s'] });
let work: string;
const prometheusServers: ChildProcess[] = [];
let prometheusUrl: string;
const timings: Record<string, number> = {};

interface Target {
  labels: Record<string, string>;
  health: string;
  scrapeUrl: string;
  lastError: string;
}

async function targets(job: string): Promise<Target[]> {
  const res = await httpGet(`${prometheusUrl}/api/v1/targets?state=active`, 10_000);
  const body = JSON.parse(res.body) as { data: { activeTargets: Target[] } };
  return body.data.activeTargets.filter((t) => t.labels.job === job);
}

async function query(promql: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]> {
  const res = await httpGet(`${prometheusUrl}/api/v1/query?query=${encodeURIComponent(promql)}`, 10_000);
  return (JSON.parse(res.body) as { data: { result: { metric: Record<string, string>; value: [number, string] }[] } }).data.result;
}

async function firing(alert: string): Promise<string[]> {
  const res = await httpGet(`${prometheusUrl}/api/v1/alerts`, 10_000);
  const body = JSON.parse(res.body) as { data: { alerts: { labels: Record<string, string>; state: string }[] } };
  return body.data.alerts
    .filter((a) => a.labels.alertname === alert && a.state === 'firing')
    .map((a) => a.labels.instance ?? '')
    .sort();
}

/** deploy/swarm/stack.yml as shipped, but collecting every 2 s (so the test need not wait 15 s per change). */
function writeStack(file: string): void {
  const stack = parseYaml(fs.readFileSync(STACK_FILE, 'utf8')) as { services: { exporter: { command: string[] } } };
  stack.services.exporter.command.push('--collection.schedule=*/2 * * * * *');
  fs.writeFileSync(file, stringifyYaml(stack));
}

/**
 * The audit-rules snapshot docker-audit-rules.service writes on a host, in each node's own /run
 * (the nodes have a private /run, as separate hosts would): the host's `auditctl -l`.
 */
function writeRulesSnapshots(): void {
  const rules = execFileSync('auditctl', ['-l'], { encoding: 'utf8' });
  for (const node of swarm.nodes) {
    execFileSync('nsenter', ['-t', String(node.pid), '-m', 'sh', '-c', `mkdir -p -m 0750 /run/docker-audit-rules && chgrp ${ADM_GID} /run/docker-audit-rules && cat > /run/docker-audit-rules/auditctl-l.rules && chmod 0640 /run/docker-audit-rules/auditctl-l.rules && chgrp ${ADM_GID} /run/docker-audit-rules/auditctl-l.rules`], { input: rules });
  }
}

/** prometheus/swarm/prometheus.yml, pointed at the manager's socket, every interval 1 s; the bundled rules with every `for:` 0 s. */
function writePrometheusConfig(): void {
  const config = fs
    .readFileSync(path.join(ROOT, 'prometheus', 'swarm', 'prometheus.yml'), 'utf8')
    .replace(/host: unix:\/\/\/var\/run\/docker\.sock/g, `host: ${swarm.manager.host}`)
    .replace(/(scrape_interval|evaluation_interval|refresh_interval): 30s/g, '$1: 1s');
  expect(config).toContain(swarm.manager.host);
  fs.writeFileSync(path.join(work, 'prometheus.yml'), config);
  const rules = fs.readFileSync(path.join(ROOT, 'prometheus', 'alerts.yml'), 'utf8').replace(/^(\s+)for: \S+$/gm, '$1for: 0s');
  fs.writeFileSync(path.join(work, 'alerts.yml'), rules);
  execFileSync('promtool', ['check', 'config', path.join(work, 'prometheus.yml')], { stdio: 'pipe' });
}

/** A Prometheus on loopback with the config file given, dying with the test; resolves with its URL once ready. */
async function runPrometheus(name: string, config: string): Promise<string> {
  const port = await freePort();
  const [cmd, args] = dyingWithParent('prometheus', [
    `--config.file=${config}`,
    `--storage.tsdb.path=${path.join(work, `${name}-data`)}`,
    `--web.listen-address=127.0.0.1:${port}`,
  ]);
  const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', fs.openSync(path.join(work, `${name}.log`), 'w')] });
  prometheusServers.push(child);
  const url = `http://127.0.0.1:${port}`;
  await waitUntil(`Prometheus ${name} is ready`, async () => (await httpGet(`${url}/-/ready`).catch(() => ({ status: 0 }))).status === 200, 30_000);
  return url;
}

async function startPrometheus(): Promise<void> {
  prometheusUrl = await runPrometheus('fleet', path.join(work, 'prometheus.yml'));
}

/** The exporter task's container on a node. */
function taskContainer(node: SwarmNode): string {
  const id = node.docker('ps', '-q', '--no-trunc', '--filter', `label=com.docker.swarm.service.name=${SERVICE}`);
  if (!/^[0-9a-f]{64}$/.test(id)) throw new Error(`node ${node.index}: no single running task of ${SERVICE}: ${JSON.stringify(id)}`);
  return id;
}

async function scrapeNode(node: SwarmNode) {
  const res = await httpGet(`http://${node.address}:${PORT}/metrics`, 5000);
  if (res.status !== 200) throw new Error(`node ${node.index}: GET /metrics: HTTP ${res.status}`);
  return parseExposition(res.body);
}

const since = (t0: number) => Math.round((Date.now() - t0) / 100) / 10;

beforeAll(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'dae-swarm-'));
  image = exporterImage(); // built once per run, shared with docker-image.test.ts and compose.test.ts
  images.push(image);
  await swarm.start();
  Object.assign(timings, swarm.timings);
  writeRulesSnapshots();
}, 300_000);

afterAll(async () => {
  for (const server of prometheusServers) {
    if (server.exitCode !== null || server.signalCode !== null) continue;
    server.kill('SIGTERM');
    await new Promise((r) => server.once('exit', r));
  }
  await swarm.cleanup();
  if (work) fs.rmSync(work, { recursive: true, force: true });
  console.log(`swarm test timings (s): ${JSON.stringify(timings)}`);
}, 120_000);

describe('deploy/swarm/stack.yml on a real 3-node Docker Swarm, discovered by Prometheus', () => {
  it('has three ready nodes, each under its own hostname', () => {
    const states = swarm.nodeStates();
    expect([...states.keys()].sort()).toEqual(['swarm-node-1', 'swarm-node-2', 'swarm-node-3']);
    expect([...states.values()]).toEqual(['ready', 'ready', 'ready']);
    expect(swarm.manager.docker('info', '--format', '{{.Swarm.ControlAvailable}} {{.Swarm.Nodes}}')).toBe('true 3');
  });

  it('deploys the stack: one exporter per node, every collector succeeding, on its own node address', async () => {
    swarm.manager.docker('node', 'update', '--label-add', 'zone=b', 'swarm-node-2'); // a node label, for discovery to carry
    const file = path.join(work, 'stack.yml');
    writeStack(file);
    const t0 = Date.now();
    execFileSync('docker', ['-H', swarm.manager.host, 'stack', 'deploy', '--resolve-image', 'never', '-c', file, STACK], {
      env: { ...process.env, DOCKER_AUDIT_IMAGE: image, DOCKER_GID: SOCKET_GID },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // The step the stack's header gives: adm, which a stack file cannot add.
    swarm.manager.docker('service', 'update', '--detach', '--group-add', ADM_GID, SERVICE);
    await waitUntil('the service has its groups', () => swarm.manager.docker('service', 'inspect', '--format', '{{json .Spec.TaskTemplate.ContainerSpec.Groups}}', SERVICE) === JSON.stringify([ADM_GID]), 30_000);
    await swarm.waitForTasks(SERVICE, 120_000);
    timings.deploy = since(t0);
    for (const node of swarm.nodes) {
      let last = '';
      await waitUntil(
        `node ${node.index}'s exporter has run every collector`,
        async () => {
          const series = await scrapeNode(node).catch((err: Error) => ((last = err.message), []));
          const ok = seriesLines(series, 'docker_audit_collector_success');
          last = ok.join(' ');
          return ok.length === DEFAULT_COLLECTOR_NAMES.length && ok.every((l) => l.endsWith(' 1'));
        },
        60_000,
      ).catch((err: Error) => {
        throw new Error(`${err.message}; last: ${last}; task log:\n${node.docker('logs', '--tail', '20', taskContainer(node))}`);
      });
    }
    timings.allCollectors = since(t0);
  }, 240_000);

  it("runs each task as the stack says, with its own node's engine socket", () => {
    for (const node of swarm.nodes) {
      const container = taskContainer(node);
      const host = JSON.parse(node.docker('inspect', '--format', '{{json .HostConfig}}', container)) as {
        ReadonlyRootfs: boolean;
        CapDrop: string[] | null;
        Memory: number;
        NanoCpus: number;
        PidsLimit: number | null;
        GroupAdd: string[] | null;
        SecurityOpt: string[] | null;
      };
      expect([node.index, host.ReadonlyRootfs, host.CapDrop, host.Memory, host.NanoCpus, host.PidsLimit, host.GroupAdd]).toEqual([
        node.index, true, ['ALL'], 384 * 1024 * 1024, 0.5e9, 64, [ADM_GID],
      ]);
      // What Swarm on Engine 20.10 cannot set (the stack says so): no-new-privileges.
      expect(host.SecurityOpt ?? []).not.toContain('no-new-privileges');
      expect(node.docker('inspect', '--format', '{{.Config.User}}', container)).toBe(`1000:${SOCKET_GID}`);
      const inTask = node.docker('exec', container, 'node', '-e', 'const s = require("fs").statSync("/var/run/docker.sock"); console.log(`${s.dev}:${s.ino}`)');
      // The node's /var/run/docker.sock, as dockerd's own mount namespace has it, and not the host's.
      const inNode = execFileSync('nsenter', ['-t', String(node.pid), '-m', 'stat', '-L', '-c', '%d:%i', '/var/run/docker.sock'], { encoding: 'utf8' }).trim();
      const hostSocket = fs.statSync('/var/run/docker.sock');
      expect(inTask).toBe(inNode);
      expect(inTask).not.toBe(`${hostSocket.dev}:${hostSocket.ino}`);
    }
  });

  it("reports its own node's containers only", async () => {
    for (const node of swarm.nodes) {
      const names = seriesLines(await scrapeNode(node), 'docker_audit_container_info').map((l) => /name=([^,}]+)/.exec(l)![1]);
      const own = node.docker('ps', '-a', '--format', '{{.Names}}').split('\n').filter(Boolean).sort();
      expect([node.index, names.sort()]).toEqual([node.index, own]);
    }
  });

  it('is discovered by Prometheus: one target per node, up, instance = its hostname', async () => {
    writePrometheusConfig();
    const t0 = Date.now();
    await startPrometheus();
    await waitUntil('three docker-audit targets are up', async () => (await targets('docker-audit')).filter((t) => t.health === 'up').length === 3, 60_000, 500);
    timings.discovery = since(t0);
    const found = await targets('docker-audit');
    expect(found.map((t) => [t.labels.instance, t.scrapeUrl, t.health]).sort()).toEqual(swarm.nodes.map((n) => [n.hostname, `http://${n.address}:${PORT}/metrics`, 'up']));
    expect(found.find((t) => t.labels.instance === 'swarm-node-2')?.labels.node_label_zone).toBe('b');
    await waitUntil('three docker-audit-nodes targets are up', async () => (await targets('docker-audit-nodes')).filter((t) => t.health === 'up').length === 3, 30_000, 500);
    const nodes = await targets('docker-audit-nodes');
    const version = swarm.manager.docker('version', '--format', '{{.Server.Version}}');
    expect(nodes.map((t) => [t.labels.instance, t.labels.engine_version]).sort()).toEqual(swarm.nodes.map((n) => [n.hostname, version]));
  }, 120_000);

  it('is federated by a global Prometheus with prometheus/fleet/federate.yml: the per-host aggregates of every node, not the per-container series', async () => {
    const config = fs
      .readFileSync(path.join(ROOT, 'prometheus', 'fleet', 'federate.yml'), 'utf8')
      .replace(/targets: \[[^\]]*\]/, `targets: ["${new URL(prometheusUrl).host}"]`)
      .replace(/(scrape_interval|evaluation_interval): 60s/g, '$1: 1s');
    expect(config).toContain(new URL(prometheusUrl).host);
    fs.writeFileSync(path.join(work, 'global.yml'), config);
    const globalUrl = await runPrometheus('global', path.join(work, 'global.yml'));
    const at = async (promql: string) => {
      const res = await httpGet(`${globalUrl}/api/v1/query?query=${encodeURIComponent(promql)}`, 10_000);
      return (JSON.parse(res.body) as { data: { result: { metric: Record<string, string> }[] } }).data.result.map((r) => r.metric);
    };
    await waitUntil('the global Prometheus has every node', async () => (await at('docker_audit_engine_up')).length === 3, 60_000, 500);
    expect((await at('docker_audit_engine_up')).map((m) => [m.job, m.instance]).sort()).toEqual(swarm.nodes.map((n) => ['docker-audit', n.hostname]));
    expect((await at('up{job="docker-audit-nodes"}')).map((m) => m.instance).sort()).toEqual(swarm.nodes.map((n) => n.hostname));
    expect((await at('count by (instance) (docker_audit_cis_check_passed)')).length).toBe(3);
    // Per-container series stay in the fleet Prometheus.
    expect(await at('docker_audit_container_info')).toEqual([]);
  }, 120_000);

  it('shows a privileged container created on node 2 under node 2 alone, and alerts for node 2 alone', async () => {
    const node2 = swarm.nodes[1]!;
    node2.docker('create', '--privileged', '--name', PRIVILEGED, TEST_IMAGE, 'sleep', '600');
    const t0 = Date.now();
    await waitUntil('Prometheus has the privileged container', async () => (await query('docker_audit_container_privileged == 1')).length > 0, 60_000, 500);
    timings.privilegedSeen = since(t0);
    const found = await query('docker_audit_container_privileged == 1');
    expect(found.map((r) => [r.metric.instance, r.metric.name])).toEqual([['swarm-node-2', PRIVILEGED]]);
    await waitUntil('DockerAuditPrivilegedContainerPresent fires', async () => (await firing('DockerAuditPrivilegedContainerPresent')).length > 0, 30_000, 500);
    expect(await firing('DockerAuditPrivilegedContainerPresent')).toEqual(['swarm-node-2']);
    timings.privilegedAlert = since(t0);
  }, 120_000);

  it('draws every panel of the Fleet dashboard from the three nodes: each query answers, the per-host ones for every node', async () => {
    const fleet = panelQueries().filter((q) => q.dashboardUid === 'docker-audit-fleet');
    expect(fleet.length).toBeGreaterThan(5);
    const empty: string[] = [];
    const hosts = new Map<string, string[]>();
    for (const q of fleet) {
      const expr = expandTemplateVariables(q.expr);
      const result = await query(expr);
      if (result.length === 0) empty.push(`${q.panel} [${q.refId}]: ${expr}`);
      const instances = [...new Set(result.map((r) => r.metric.instance).filter((i): i is string => i !== undefined))].sort();
      if (instances.length > 0) hosts.set(`${q.panel} [${q.refId}]`, instances);
    }
    expect(empty).toEqual([]);
    // A query that answers per host answers for every node (topk panels rank all three: there are only three).
    const all = swarm.nodes.map((n) => n.hostname);
    expect([...hosts].filter(([, instances]) => instances.join() !== all.join())).toEqual([]);
    expect(hosts.size).toBeGreaterThan(0);
    // By hand, for docs/images/fleet.png (needs Debian's chromium; not in CI):
    //   RENDER_FLEET_PANELS=docs/images npx jest --selectProjects integration --runTestsByPath test/integration/swarm.test.ts
    const out = process.env.RENDER_FLEET_PANELS;
    if (out) {
      execFileSync('node', [path.join(ROOT, 'dist', 'scripts', 'render-panels.js'), '--prometheus', prometheusUrl, '--out', path.resolve(ROOT, out), '--dashboards', 'docker-audit-fleet', '--range', '5m'], { stdio: 'inherit', timeout: 120_000 });
    }
  }, 180_000);

  it('sees node 3 go down (DockerAuditExporterMissingOnNode fires for it alone) and come back', async () => {
    const node3 = swarm.nodes[2]!;
    let t0 = Date.now();
    await node3.powerOff();
    await waitUntil('DockerAuditExporterMissingOnNode fires for node 3', async () => (await firing('DockerAuditExporterMissingOnNode')).join() === 'swarm-node-3', 60_000, 500);
    timings.alertFires = since(t0);
    await swarm.waitForNodes('down', 1, 60_000);
    timings.nodeDown = since(t0);
    // The tasks role drops the task once the manager marks its node down (desired state: shutdown).
    await waitUntil('the node-3 task target is gone', async () => !(await targets('docker-audit')).some((t) => t.labels.instance === 'swarm-node-3'), 30_000, 500);
    expect((await targets('docker-audit')).filter((t) => t.health === 'up').map((t) => t.labels.instance).sort()).toEqual(['swarm-node-1', 'swarm-node-2']);

    t0 = Date.now();
    await node3.restart();
    timings.restart = since(t0);
    await swarm.waitForNodes('ready', 3, 60_000);
    timings.rejoin = since(t0);
    writeRulesSnapshots(); // a new /run: the node's timer would write it again
    await swarm.waitForTasks(SERVICE, 120_000, [node3]);
    timings.taskBack = since(t0);
    await waitUntil('the node-3 target is up again', async () => (await targets('docker-audit')).some((t) => t.labels.instance === 'swarm-node-3' && t.health === 'up'), 60_000, 500);
    timings.targetBack = since(t0);
    await waitUntil('the alert resolves', async () => (await firing('DockerAuditExporterMissingOnNode')).length === 0, 60_000, 500);
    timings.alertResolves = since(t0);
  }, 300_000);
});
