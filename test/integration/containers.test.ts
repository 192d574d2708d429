// The containers and engine collectors against the real Docker Engine started by
// scripts/provision.sh: real containers with each property, the exact series they
// produce in --once output and over HTTP, and their disappearance on removal.
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { promisify } from 'node:util';
import request from 'supertest';
import { COLLECTOR_NAMES, DEFAULT_COLLECTOR_NAMES } from '../../src/collectors';
import { parseConfig, type Config } from '../../src/cli/config';
import { EngineClient, resolveConnection } from '../../src/readers/engine';
import { silentLogger } from '../../src/base/log';
import { buildRunner } from '../../src/cli/main';
import { Scheduler } from '../../src/server/scheduler';
import { createApp } from '../../src/server/app';
import { TEST_IMAGE, docker, inspectField, removeContainers, waitUntil } from '../helpers/docker-cli';
import { parseExposition, seriesLines, type ParsedSeries } from '../helpers/exposition';

const MAIN = path.join(__dirname, '..', '..', 'dist', 'src', 'cli', 'main.js');
const P = `dae-it-${process.pid}-`;
const HOST_PORT = String(20000 + (process.pid % 20000));
const NAMES = ['privileged', 'hostns', 'mounts', 'caps', 'hardened', 'ports', 'restartloop', 'exited', 'restartme'] as const;
type Name = (typeof NAMES)[number];
const ids = {} as Record<Name, string>;

/** The labels every per-container series carries: never the state. */
function containerLabels(name: Name): string {
  return `name=${P}${name},id=${ids[name]},image=${TEST_IMAGE}`;
}

async function once(...extra: string[]): Promise<{ code: number; series: ParsedSeries[]; stdout: string }> {
  try {
    const { stdout } = await promisify(execFile)('node', [MAIN, '--once', ...extra], { encoding: 'utf8', maxBuffer: 64 << 20 });
    return { code: 0, stdout, series: parseExposition(stdout) };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    throw new Error(`--once exited ${e.code}: ${e.stderr}`);
  }
}

beforeAll(async () => {
  removeContainers(P);
  const run = (name: Name, ...args: string[]) => (ids[name] = docker('run', '-d', '--name', P + name, ...args).slice(0, 12));
  const create = (name: Name, ...args: string[]) => (ids[name] = docker('create', '--name', P + name, ...args).slice(0, 12));
  create('privileged', '--privileged', TEST_IMAGE, 'sleep', '3600');
  run('hostns', '--network', 'host', '--pid', 'host', '--ipc', 'host', TEST_IMAGE, 'sleep', '3600');
  run('mounts', '-v', '/etc:/host-etc:ro', '-v', '/var/run/docker.sock:/docker.sock', TEST_IMAGE, 'sleep', '3600');
  run('caps', '--cap-add', 'NET_ADMIN', '--cap-add', 'sys_time', '--security-opt', 'seccomp=unconfined', TEST_IMAGE, 'sleep', '3600');
  run(
    'hardened',
    ...['--user', '1000:1000', '--read-only', '--security-opt', 'no-new-privileges', '--memory', '64m', '--cpus', '0.5', '--pids-limit', '64'],
    ...['--health-cmd', 'true', '--health-interval', '1s', '--cap-drop', 'ALL'],
    ...[TEST_IMAGE, 'sleep', '3600'],
  );
  run('ports', '-p', `127.0.0.1:${HOST_PORT}:80`, '--cpu-quota', '25000', '--cpu-period', '100000', TEST_IMAGE, 'sleep', '3600');
  run('restartloop', '--restart', 'always', TEST_IMAGE, 'sh', '-c', 'sleep 0.2; exit 3');
  run('exited', TEST_IMAGE, 'sh', '-c', 'exit 7');
  run('restartme', TEST_IMAGE, 'sleep', '3600');
  await waitUntil('the restart loop restarted and the exited container exited', () => {
    return Number(inspectField(P + 'restartloop', '{{.RestartCount}}')) >= 2 && inspectField(P + 'exited', '{{.State.Status}}') === 'exited';
  });
  await waitUntil('the hardened container is healthy', () => inspectField(P + 'hardened', '{{.State.Health.Status}}') === 'healthy');
}, 120_000);

afterAll(() => removeContainers(P));

/** The assertions shared by the --once output and the HTTP output. */
function expectScenarioSeries(all: ParsedSeries[]): void {
  const mine = all.filter((s) => s.labels.name?.startsWith(P));
  const on = (family: string) => seriesLines(mine, family).filter((l) => l.endsWith(' 1'));
  const imageId = docker('image', 'inspect', '--format', '{{.Id}}', TEST_IMAGE).replace('sha256:', '').slice(0, 12);

  expect(seriesLines(mine, 'docker_audit_container_info', { name: P + 'privileged' })).toEqual([
    `docker_audit_container_info{${containerLabels('privileged')},image_id=${imageId},compose_project=,compose_service=} 1`,
  ]);
  // The state is on a series of its own, one per container.
  expect(seriesLines(mine, 'docker_audit_container_state', { name: P + 'privileged' })).toEqual([`docker_audit_container_state{name=${P}privileged,id=${ids.privileged},state=created} 1`]);
  expect(seriesLines(mine, 'docker_audit_container_state', { name: P + 'hardened' })).toEqual([`docker_audit_container_state{name=${P}hardened,id=${ids.hardened},state=running} 1`]);
  expect(mine.filter((s) => s.name !== 'docker_audit_container_state' && 'state' in s.labels)).toEqual([]);
  expect(on('docker_audit_container_privileged')).toEqual([`docker_audit_container_privileged{${containerLabels('privileged')}} 1`]);
  // Every container but the hardened one runs as root.
  expect(seriesLines(mine, 'docker_audit_container_running_as_root').filter((l) => l.endsWith(' 0'))).toEqual([
    `docker_audit_container_running_as_root{${containerLabels('hardened')}} 0`,
  ]);
  expect(on('docker_audit_container_host_namespace').filter((l) => !l.includes('namespace=cgroup'))).toEqual([
    `docker_audit_container_host_namespace{${containerLabels('hostns')},namespace=ipc} 1`,
    `docker_audit_container_host_namespace{${containerLabels('hostns')},namespace=network} 1`,
    `docker_audit_container_host_namespace{${containerLabels('hostns')},namespace=pid} 1`,
  ]);
  expect(on('docker_audit_container_sensitive_mount')).toEqual([
    `docker_audit_container_sensitive_mount{${containerLabels('mounts')},source=/etc,destination=/host-etc,read_only=true} 1`,
    `docker_audit_container_sensitive_mount{${containerLabels('mounts')},source=/var/run/docker.sock,destination=/docker.sock,read_only=false} 1`,
  ]);
  expect(on('docker_audit_container_docker_socket_mounted')).toEqual([`docker_audit_container_docker_socket_mounted{${containerLabels('mounts')}} 1`]);
  expect(on('docker_audit_container_capability_added')).toEqual([
    `docker_audit_container_capability_added{${containerLabels('caps')},capability=NET_ADMIN} 1`,
    `docker_audit_container_capability_added{${containerLabels('caps')},capability=SYS_TIME} 1`,
  ]);
  expect(on('docker_audit_container_seccomp_unconfined')).toEqual([
    `docker_audit_container_seccomp_unconfined{${containerLabels('caps')}} 1`,
    `docker_audit_container_seccomp_unconfined{${containerLabels('privileged')}} 1`,
  ]);
  expect(on('docker_audit_container_no_new_privileges')).toEqual([`docker_audit_container_no_new_privileges{${containerLabels('hardened')}} 1`]);
  expect(on('docker_audit_container_read_only_rootfs')).toEqual([`docker_audit_container_read_only_rootfs{${containerLabels('hardened')}} 1`]);
  expect(on('docker_audit_container_published_port')).toEqual([
    `docker_audit_container_published_port{${containerLabels('ports')},host_ip=127.0.0.1,host_port=${HOST_PORT},container_port=80,protocol=tcp} 1`,
  ]);
  expect(on('docker_audit_container_healthcheck_configured')).toEqual([`docker_audit_container_healthcheck_configured{${containerLabels('hardened')}} 1`]);
  expect(seriesLines(mine, 'docker_audit_container_health_status')).toEqual([
    `docker_audit_container_health_status{${containerLabels('hardened')},status=healthy} 1`,
  ]);
  const limits = (family: string) => seriesLines(mine, family).filter((l) => !l.endsWith(' 0'));
  expect(limits('docker_audit_container_memory_limit_bytes')).toEqual([`docker_audit_container_memory_limit_bytes{${containerLabels('hardened')}} 67108864`]);
  expect(limits('docker_audit_container_cpu_limit_cores')).toEqual([
    `docker_audit_container_cpu_limit_cores{${containerLabels('hardened')}} 0.5`,
    `docker_audit_container_cpu_limit_cores{${containerLabels('ports')}} 0.25`,
  ]);
  expect(limits('docker_audit_container_pids_limit')).toEqual([`docker_audit_container_pids_limit{${containerLabels('hardened')}} 64`]);
  expect(seriesLines(mine, 'docker_audit_container_exit_code', { name: P + 'exited' })).toEqual([
    `docker_audit_container_exit_code{${containerLabels('exited')}} 7`,
  ]);
  // The restart loop is caught running, restarting or exited; its count keeps growing.
  const loop = mine.find((s) => s.name === 'docker_audit_container_restarts_total' && s.labels.name === P + 'restartloop');
  expect(loop?.value).toBeGreaterThanOrEqual(2);
  const loopState = mine.filter((s) => s.name === 'docker_audit_container_state' && s.labels.name === P + 'restartloop');
  expect(loopState).toHaveLength(1);
  expect(['running', 'restarting', 'exited']).toContain(loopState[0].labels.state);
  // The never-started container has no start time; the running ones have a recent one.
  expect(seriesLines(mine, 'docker_audit_container_started_timestamp_seconds', { name: P + 'privileged' })).toEqual([]);
  const started = mine.find((s) => s.name === 'docker_audit_container_started_timestamp_seconds' && s.labels.name === P + 'hardened')!.value;
  expect(Math.abs(started - Date.parse(inspectField(P + 'hardened', '{{.State.StartedAt}}')) / 1000)).toBeLessThan(0.001);
  // Per-state counts include these containers.
  const count = (family: string, state: string) => all.find((s) => s.name === family && s.labels.state === state)!.value;
  expect(count('docker_audit_containers_privileged', 'created')).toBeGreaterThanOrEqual(1);
  expect(count('docker_audit_containers', 'exited')).toBeGreaterThanOrEqual(1);
  // The engine collector saw the engine.
  expect(seriesLines(all, 'docker_audit_engine_up')).toEqual(['docker_audit_engine_up{} 1']);
  // Every collector succeeded on this host (the audit ones read the auditd that provisioning started).
  expect(seriesLines(all, 'docker_audit_collector_success')).toEqual(DEFAULT_COLLECTOR_NAMES.map((c) => `docker_audit_collector_success{collector=${c}} 1`).sort());
  const info = all.find((s) => s.name === 'docker_audit_engine_info')!;
  expect(info.labels.version).toBe(docker('version', '--format', '{{.Server.Version}}'));
  expect(info.labels.api_version).toBe(docker('version', '--format', '{{.Server.APIVersion}}'));
  expect([info.labels.engine, info.labels.rootless]).toEqual(['docker', 'false']);
}

describe('against the real engine', () => {
  it('--once prints the exact series of every scenario container and exits 0', async () => {
    const { series } = await once();
    expectScenarioSeries(series);
  }, 60_000);

  it('--once with a disabled collector leaves its series out', async () => {
    const { series } = await once('--no-collector.engine');
    expect(series.some((s) => s.name.startsWith('docker_audit_engine_'))).toBe(false);
    expect(series.some((s) => s.labels.name === P + 'hardened')).toBe(true);
  }, 60_000);

  describe('over HTTP', () => {
    let config: Config;
    beforeAll(() => {
      const parsed = parseConfig([]);
      if (parsed.kind !== 'config') throw new Error('no config');
      config = parsed.config;
    });

    it('serves the same series on /metrics, and drops a removed container at the next collection', async () => {
      const engine = new EngineClient(resolveConnection(config.docker), { timeoutMs: config.docker.timeoutMs });
      const scheduler = new Scheduler(buildRunner(config, engine, silentLogger), silentLogger);
      const app = createApp({ snapshot: () => scheduler.snapshot, readiness: () => scheduler.readiness(), version: 'test', telemetryPath: '/metrics', collectors: ['engine', 'containers'] });
      await request(app).get('/-/ready').expect(503);
      await scheduler.collect();
      await request(app).get('/-/ready').expect(200);
      const first = parseExposition((await request(app).get('/metrics').expect(200)).text);
      expectScenarioSeries(first);
      expect(first.some((s) => s.name === 'process_resident_memory_bytes')).toBe(true);

      // The event stream tells the collector about changes; the next collection after
      // the event has arrived shows them.
      const scrapeAfterCollect = async () => {
        await scheduler.collect();
        return parseExposition((await request(app).get('/metrics').expect(200)).text);
      };
      const collectUntil = async (what: string, done: (series: ParsedSeries[]) => boolean): Promise<ParsedSeries[]> => {
        let latest: ParsedSeries[] = [];
        await waitUntil(what, async () => done((latest = await scrapeAfterCollect())), 10_000, 100);
        return latest;
      };
      docker('rm', '-f', P + 'caps');
      const second = await collectUntil('the removed container is gone', (all) => !all.some((s) => s.labels.name === P + 'caps'));
      expect(second.filter((s) => s.labels.name === P + 'caps')).toEqual([]);
      expect(second.filter((s) => s.labels.name === P + 'hardened').length).toBeGreaterThan(10);

      // A container that changes state shows it at the next collection, cache or not.
      const startedBefore = inspectField(P + 'exited', '{{.State.StartedAt}}');
      docker('start', P + 'exited');
      await waitUntil('the exited container ran and exited again', () => {
        return inspectField(P + 'exited', '{{.State.StartedAt}}') !== startedBefore && inspectField(P + 'exited', '{{.State.Status}}') === 'exited';
      });
      docker('stop', '-t', '0', P + 'ports');
      const third = await collectUntil('the stopped container shows as exited', (all) =>
        all.some((s) => s.name === 'docker_audit_container_state' && s.labels.name === P + 'ports' && s.labels.state === 'exited'),
      );
      expect(seriesLines(third, 'docker_audit_container_exit_code', { name: P + 'exited' })).toEqual([
        `docker_audit_container_exit_code{${containerLabels('exited')}} 7`,
      ]);
      expect(seriesLines(third, 'docker_audit_container_info', { name: P + 'ports' }, ['image_id'])).toEqual([
        `docker_audit_container_info{${containerLabels('ports')},compose_project=,compose_service=} 1`,
      ]);
      // Docker keeps a stopped container's configured ports.
      expect(seriesLines(third, 'docker_audit_container_published_port', { name: P + 'ports' })).toEqual([
        `docker_audit_container_published_port{${containerLabels('ports')},host_ip=127.0.0.1,host_port=${HOST_PORT},container_port=80,protocol=tcp} 1`,
      ]);
      await scheduler.stop();
    }, 90_000);
  });

  // The inspect cache reads the list's Status text ("Up 2 seconds"): without it a restart
  // between two collections while no event stream is followed (--collector.containers.
  // watch-events=false here; in server mode, any time the stream is down) keeps the old
  // inspect for up to --collector.containers.inspect-max-age. State, names, exit code and
  // health are the same before and after such a restart: only the Status text tells.
  it('sees a restart between two collections without the event stream, by the Status text alone', async () => {
    const parsed = parseConfig(['--collector.containers.watch-events=false', '--collector.containers.inspect-max-age=1h', ...COLLECTOR_NAMES.filter((c) => c !== 'containers').map((c) => `--no-collector.${c}`)]);
    if (parsed.kind !== 'config') throw new Error('no config');
    const config = parsed.config;
    const inspected: string[] = [];
    const client = new EngineClient(resolveConnection(config.docker), { timeoutMs: config.docker.timeoutMs });
    const inspect = client.inspectContainer.bind(client);
    client.inspectContainer = (id, signal) => (inspected.push(id.slice(0, 12)), inspect(id, signal));
    const runner = buildRunner(config, client, silentLogger);
    const started = async () => {
      const { samples } = await runner.run(new AbortController().signal);
      return samples.find((s) => s.family.name === 'docker_audit_container_started_timestamp_seconds' && s.labels.name === P + 'restartme')?.value;
    };
    try {
      // The Status text is coarse (whole seconds, plus the cache's 5 s of slack): a restart is
      // seen once the old start is over 6 s before it.
      await waitUntil('restartme has run for 8 s', () => Date.now() - Date.parse(inspectField(P + 'restartme', '{{.State.StartedAt}}')) > 8000, 15_000, 250);
      const before = await started();
      expect(await started()).toBe(before);
      inspected.length = 0;
      docker('restart', '-t', '0', P + 'restartme');
      const after = Date.parse(inspectField(P + 'restartme', '{{.State.StartedAt}}')) / 1000;
      expect(after).toBeGreaterThan(before!);
      expect(await started()).toBeCloseTo(after, 3);
      // Only the restarted container was inspected again: the others came from the cache. The
      // restart loop (--restart always, exiting every 0.2 s) changes on its own between any two
      // collections, so it may rightly be inspected again too: it is left out here.
      expect(inspected.filter((id) => id !== ids.restartloop)).toEqual([ids.restartme]);
    } finally {
      await runner.close();
      client.close();
    }
  }, 60_000);
});
