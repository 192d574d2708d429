// The containers and engine collectors against the real Docker Engine started by
// scripts/provision.sh: real containers with each property, the exact series they
// produce in --once output and over HTTP, and their disappearance on removal.
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { promisify } from 'node:util';
import request from 'supertest';
import { COLLECTOR_NAMES } from '../../src/collectors';
import { parseConfig, type Config } from '../../src/config';
import { EngineClient, resolveConnection } from '../../src/docker/engine';
import { silentLogger } from '../../src/log';
import { buildRunner } from '../../src/main';
import { Scheduler } from '../../src/scheduler';
import { createApp } from '../../src/server/app';
import { TEST_IMAGE, docker, inspectField, removeContainers, waitUntil } from '../helpers/docker-cli';
import { parseExposition, seriesLines, type ParsedSeries } from '../helpers/exposition';

const MAIN = path.join(__dirname, '..', '..', 'dist', 'src', 'main.js');
const P = `dae-it-${process.pid}-`;
const HOST_PORT = String(20000 + (process.pid % 20000));
const NAMES = ['privileged', 'hostns', 'mounts', 'caps', 'hardened', 'ports', 'restartloop', 'exited'] as const;
type Name = (typeof NAMES)[number];
const ids = {} as Record<Name, string>;

function containerLabels(name: Name, state: string): string {
  return `name=${P}${name},id=${ids[name]},image=${TEST_IMAGE},state=${state}`;
}

async function once(...extra: string[]): Promise<{ code: number; series: ParsedSeries[]; stdout: string }> {
  try {
    const { stdout } = await promisify(execFile)('node', [MAIN, '--once', ...extra], { encoding: 'utf8' });
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
  const imageId = docker('image', 'inspect', '--format', '{{.Id}}', TEST_IMAGE);

  expect(seriesLines(mine, 'docker_audit_container_info', { name: P + 'privileged' })).toEqual([
    `docker_audit_container_info{${containerLabels('privileged', 'created')},image_id=${imageId},compose_project=,compose_service=} 1`,
  ]);
  expect(on('docker_audit_container_privileged')).toEqual([`docker_audit_container_privileged{${containerLabels('privileged', 'created')}} 1`]);
  // Every container but the hardened one runs as root.
  expect(seriesLines(mine, 'docker_audit_container_running_as_root').filter((l) => l.endsWith(' 0'))).toEqual([
    `docker_audit_container_running_as_root{${containerLabels('hardened', 'running')}} 0`,
  ]);
  expect(on('docker_audit_container_host_namespace').filter((l) => !l.includes('namespace=cgroup'))).toEqual([
    `docker_audit_container_host_namespace{${containerLabels('hostns', 'running')},namespace=ipc} 1`,
    `docker_audit_container_host_namespace{${containerLabels('hostns', 'running')},namespace=network} 1`,
    `docker_audit_container_host_namespace{${containerLabels('hostns', 'running')},namespace=pid} 1`,
  ]);
  expect(on('docker_audit_container_sensitive_mount')).toEqual([
    `docker_audit_container_sensitive_mount{${containerLabels('mounts', 'running')},source=/etc,destination=/host-etc,read_only=true} 1`,
    `docker_audit_container_sensitive_mount{${containerLabels('mounts', 'running')},source=/var/run/docker.sock,destination=/docker.sock,read_only=false} 1`,
  ]);
  expect(on('docker_audit_container_docker_socket_mounted')).toEqual([`docker_audit_container_docker_socket_mounted{${containerLabels('mounts', 'running')}} 1`]);
  expect(on('docker_audit_container_capability_added')).toEqual([
    `docker_audit_container_capability_added{${containerLabels('caps', 'running')},capability=NET_ADMIN} 1`,
    `docker_audit_container_capability_added{${containerLabels('caps', 'running')},capability=SYS_TIME} 1`,
  ]);
  expect(on('docker_audit_container_seccomp_unconfined')).toEqual([
    `docker_audit_container_seccomp_unconfined{${containerLabels('caps', 'running')}} 1`,
    `docker_audit_container_seccomp_unconfined{${containerLabels('privileged', 'created')}} 1`,
  ]);
  expect(on('docker_audit_container_no_new_privileges')).toEqual([`docker_audit_container_no_new_privileges{${containerLabels('hardened', 'running')}} 1`]);
  expect(on('docker_audit_container_read_only_rootfs')).toEqual([`docker_audit_container_read_only_rootfs{${containerLabels('hardened', 'running')}} 1`]);
  expect(on('docker_audit_container_published_port')).toEqual([
    `docker_audit_container_published_port{${containerLabels('ports', 'running')},host_ip=127.0.0.1,host_port=${HOST_PORT},container_port=80,protocol=tcp} 1`,
  ]);
  expect(on('docker_audit_container_healthcheck_configured')).toEqual([`docker_audit_container_healthcheck_configured{${containerLabels('hardened', 'running')}} 1`]);
  expect(seriesLines(mine, 'docker_audit_container_health_status')).toEqual([
    `docker_audit_container_health_status{${containerLabels('hardened', 'running')},status=healthy} 1`,
  ]);
  const limits = (family: string) => seriesLines(mine, family).filter((l) => !l.endsWith(' 0'));
  expect(limits('docker_audit_container_memory_limit_bytes')).toEqual([`docker_audit_container_memory_limit_bytes{${containerLabels('hardened', 'running')}} 67108864`]);
  expect(limits('docker_audit_container_cpu_limit_cores')).toEqual([
    `docker_audit_container_cpu_limit_cores{${containerLabels('hardened', 'running')}} 0.5`,
    `docker_audit_container_cpu_limit_cores{${containerLabels('ports', 'running')}} 0.25`,
  ]);
  expect(limits('docker_audit_container_pids_limit')).toEqual([`docker_audit_container_pids_limit{${containerLabels('hardened', 'running')}} 64`]);
  expect(seriesLines(mine, 'docker_audit_container_exit_code', { name: P + 'exited' })).toEqual([
    `docker_audit_container_exit_code{${containerLabels('exited', 'exited')}} 7`,
  ]);
  // The restart loop is caught running, restarting or exited; its count keeps growing.
  const loop = mine.find((s) => s.name === 'docker_audit_container_restart_count' && s.labels.name === P + 'restartloop');
  expect(loop?.value).toBeGreaterThanOrEqual(2);
  expect(['running', 'restarting', 'exited']).toContain(loop?.labels.state);
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
  expect(seriesLines(all, 'docker_audit_collector_success')).toEqual(COLLECTOR_NAMES.map((c) => `docker_audit_collector_success{collector=${c}} 1`).sort());
  const info = all.find((s) => s.name === 'docker_audit_engine_info')!;
  expect(info.labels.version).toBe(docker('version', '--format', '{{.Server.Version}}'));
  expect(info.labels.api_version).toBe(docker('version', '--format', '{{.Server.APIVersion}}'));
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
      const app = createApp({ snapshot: () => scheduler.snapshot, version: 'test', telemetryPath: '/metrics', collectors: ['engine', 'containers'] });
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
        all.some((s) => s.name === 'docker_audit_container_info' && s.labels.name === P + 'ports' && s.labels.state === 'exited'),
      );
      expect(seriesLines(third, 'docker_audit_container_exit_code', { name: P + 'exited' })).toEqual([
        `docker_audit_container_exit_code{${containerLabels('exited', 'exited')}} 7`,
      ]);
      expect(seriesLines(third, 'docker_audit_container_info', { name: P + 'ports' }, ['image_id'])).toEqual([
        `docker_audit_container_info{${containerLabels('ports', 'exited')},compose_project=,compose_service=} 1`,
      ]);
      // Docker keeps a stopped container's configured ports.
      expect(seriesLines(third, 'docker_audit_container_published_port', { name: P + 'ports' })).toEqual([
        `docker_audit_container_published_port{${containerLabels('ports', 'exited')},host_ip=127.0.0.1,host_port=${HOST_PORT},container_port=80,protocol=tcp} 1`,
      ]);
      await scheduler.stop();
    }, 90_000);
  });
});
