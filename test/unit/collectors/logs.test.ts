// The logs collector over recorded inspects and a fixture host root holding the recorded
// json-file log where dockerd keeps it (<data root>/containers/<id>/<id>-json.log).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { silentLogger } from '../../../src/base/log';
import type { CollectContext } from '../../../src/collectors/collector';
import { createLogsCollector, type LogsDeps } from '../../../src/collectors/logs';
import type { Sample } from '../../../src/metrics/sample';
import { containerPosture, type ContainerPosture } from '../../../src/model/posture';
import type { ContainerInspect } from '../../../src/readers/engine-types';
import { recordedInspect } from '../../helpers/fixtures';
import { testOptions } from '../../helpers/options';

const RECORDED_LOG = path.join(__dirname, '..', '..', 'fixtures', 'container-logs', 'recorded-20.10-json.log');
const POSTURE_OPTIONS = { sensitivePaths: [], dockerSocketPaths: [] };
let root: string;

function withLog(inspect: ContainerInspect, logConfig: { Type: string; Config: Record<string, string> }, logPath?: string): ContainerInspect {
  return { ...inspect, LogPath: logPath ?? inspect.LogPath, HostConfig: { ...inspect.HostConfig, LogConfig: logConfig } };
}

function placeLog(inspect: ContainerInspect, content: string): string {
  const file = path.join(root, inspect.LogPath!);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content);
  return file;
}

function collectorOver(postures: () => ContainerPosture[], argv: string[] = [], dataRoot = '/var/lib/docker') {
  const facts = {
    containers: { get: async () => ({ postures: postures(), inspects: [], unchanged: false, listed: 0, inspected: 0, duplicates: 0 }) },
    engine: { info: async () => ({ DockerRootDir: dataRoot }) },
  } as unknown as LogsDeps['facts'];
  const collector = createLogsCollector({ facts, options: testOptions([`--host.root-path=${root}`, ...argv]), logger: silentLogger });
  let n = 0;
  return async () => {
    const samples: Sample[] = [];
    const ctx: CollectContext = { signal: new AbortController().signal, emit: (s) => void samples.push(s), logger: silentLogger, now: Date.now, collection: ++n };
    await collector.collect(ctx);
    return samples;
  };
}

const lines = (samples: Sample[], name: string) =>
  Object.fromEntries(samples.filter((s) => s.family.name === 'docker_audit_container_log_lines_total' && s.labels.name === name && s.value > 0).map((s) => [`${s.labels.stream}/${s.labels.level}`, s.value]));
const valueOf = (samples: Sample[], family: string, labels: Record<string, string> = {}) =>
  samples.find((s) => s.family.name === family && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;

beforeEach(() => (root = fs.mkdtempSync(path.join(os.tmpdir(), 'logs-collector-'))));
afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

describe('logs collector', () => {
  it('reports driver and rotation for every container, and counts the json-file log read under the host root', async () => {
    const plain = recordedInspect('hardened');
    const rotated = withLog(recordedInspect('caps'), { Type: 'json-file', Config: { 'max-size': '10m', 'max-file': '3' } });
    const local = withLog(recordedInspect('ports'), { Type: 'local', Config: {} }, '');
    const file = placeLog(plain, fs.readFileSync(RECORDED_LOG, 'utf8'));
    placeLog(rotated, '');
    const postures = [plain, rotated, local].map((i) => containerPosture(i, POSTURE_OPTIONS));
    const collect = collectorOver(() => postures);
    const samples = await collect();
    const [p, r, l] = postures;
    expect(samples.filter((s) => s.family.name === 'docker_audit_container_log_driver').map((s) => `${s.labels.name} ${s.labels.driver}`)).toEqual([`${p.name} json-file`, `${r.name} json-file`, `${l.name} local`]);
    expect(postures.map((x) => valueOf(samples, 'docker_audit_container_log_rotation_configured', { name: x.name }))).toEqual([0, 1, 1]);
    expect(lines(samples, p.name)).toEqual({ 'stdout/error': 5, 'stdout/other': 4, 'stderr/warning': 4 });
    // Every stream and level is served, 0 included; none for the local driver.
    expect(samples.filter((s) => s.family.name === 'docker_audit_container_log_lines_total' && s.labels.name === r.name)).toHaveLength(6);
    expect(samples.filter((s) => s.family.name === 'docker_audit_container_log_lines_total' && s.labels.name === l.name)).toHaveLength(0);
    expect(valueOf(samples, 'docker_audit_container_log_size_bytes', { name: p.name })).toBe(fs.statSync(file).size);
    expect(valueOf(samples, 'docker_audit_container_logs_bytes_read_total')).toBe(fs.statSync(file).size);
    expect(valueOf(samples, 'docker_audit_container_logs_readable')).toBe(1);
    expect(valueOf(samples, 'docker_audit_container_logs_lag_bytes')).toBe(0);

    fs.appendFileSync(file, '{"log":"fatal: x\\n","stream":"stderr","time":"t"}\nnot json\n');
    const next = await collect();
    expect(lines(next, p.name)).toEqual({ 'stdout/error': 5, 'stdout/other': 4, 'stderr/warning': 4, 'stderr/error': 1 });
    expect(valueOf(next, 'docker_audit_container_logs_parse_errors_total')).toBe(1);
  });

  it('serves the same sample objects while a log is quiet, in list order whatever the read order, and new ones once it grows', async () => {
    const a = recordedInspect('hardened');
    const b = withLog(recordedInspect('caps'), { Type: 'json-file', Config: {} });
    const file = placeLog(a, fs.readFileSync(RECORDED_LOG, 'utf8'));
    placeLog(b, '');
    const postures = [a, b].map((i) => containerPosture(i, POSTURE_OPTIONS));
    const collect = collectorOver(() => postures);
    const perContainer = (samples: Sample[]) => samples.filter((s) => s.labels.name !== undefined);
    const first = perContainer(await collect());
    // The read order turns by one container each collection; the emitted order does not.
    const second = perContainer(await collect());
    expect(second).toHaveLength(first.length);
    second.forEach((s, i) => expect(s).toBe(first[i]));
    fs.appendFileSync(file, '{"log":"fatal: x\\n","stream":"stderr","time":"t"}\n');
    const third = perContainer(await collect());
    const changed = third.filter((s, i) => s !== second[i]);
    expect(changed.map((s) => s.labels.name)).toEqual(Array(7).fill(postures[0].name)); // a's size and six line series
    expect(valueOf(third, 'docker_audit_container_log_lines_total', { name: postures[0].name, stream: 'stderr', level: 'error' })).toBe(1);
  });

  it('custom patterns decide the level', async () => {
    const plain = recordedInspect('hardened');
    placeLog(plain, fs.readFileSync(RECORDED_LOG, 'utf8'));
    const collect = collectorOver(() => [containerPosture(plain, POSTURE_OPTIONS)], ['--collector.logs.error-patterns=denied', '--collector.logs.warning-patterns=ok,disk']);
    const name = containerPosture(plain, POSTURE_OPTIONS).name;
    expect(lines(await collect(), name)).toEqual({ 'stdout/error': 1, 'stdout/warning': 3, 'stdout/other': 5, 'stderr/warning': 1, 'stderr/other': 3 });
  });

  it('never reads a LogPath outside <data root>/containers/<id>/ (a hostile engine), but still reports driver and rotation', async () => {
    const inspect = withLog(recordedInspect('hardened'), { Type: 'json-file', Config: {} }, '/etc/shadow');
    fs.mkdirSync(path.join(root, 'etc'));
    fs.writeFileSync(path.join(root, 'etc', 'shadow'), '{"log":"error\\n","stream":"stdout"}\n');
    const posture = containerPosture(inspect, POSTURE_OPTIONS);
    const samples = await collectorOver(() => [posture])();
    expect(valueOf(samples, 'docker_audit_container_log_driver', { name: posture.name })).toBe(1);
    expect(samples.filter((s) => s.labels.name === posture.name && s.family.name.startsWith('docker_audit_container_log_') && !/driver|rotation/.test(s.family.name))).toEqual([]);
    expect(valueOf(samples, 'docker_audit_container_logs_bytes_read_total')).toBe(0);
  });

  it('finds the logs under the data root /info names', async () => {
    const id = recordedInspect('hardened').Id;
    const inspect = { ...recordedInspect('hardened'), LogPath: `/data/docker/containers/${id}/${id}-json.log` };
    placeLog(inspect, fs.readFileSync(RECORDED_LOG, 'utf8'));
    const posture = containerPosture(inspect, POSTURE_OPTIONS);
    expect(lines(await collectorOver(() => [posture], [], '/data/docker')(), posture.name)).toEqual({ 'stdout/error': 5, 'stdout/other': 4, 'stderr/warning': 4 });
  });

  it('drops a removed container\'s series and reader; the exporter-wide counters keep its bytes', async () => {
    const plain = recordedInspect('hardened');
    const file = placeLog(plain, fs.readFileSync(RECORDED_LOG, 'utf8'));
    let postures = [containerPosture(plain, POSTURE_OPTIONS)];
    const collect = collectorOver(() => postures);
    await collect();
    postures = [];
    const after = await collect();
    expect(after.filter((s) => s.labels.name !== undefined)).toEqual([]);
    expect(valueOf(after, 'docker_audit_container_logs_bytes_read_total')).toBe(fs.statSync(file).size);
  });

  it('spreads a backlog over collections within the byte budget, and shows it as lag', async () => {
    const plain = recordedInspect('hardened');
    const file = placeLog(plain, fs.readFileSync(RECORDED_LOG, 'utf8'));
    const posture = containerPosture(plain, POSTURE_OPTIONS);
    const collect = collectorOver(() => [posture], ['--collector.logs.max-bytes-per-collection=4096']);
    const first = await collect();
    expect(valueOf(first, 'docker_audit_container_logs_bytes_read_total')).toBe(4096);
    expect(valueOf(first, 'docker_audit_container_logs_lag_bytes')).toBeGreaterThan(0);
    let samples = first;
    for (let i = 0; i < 10 && valueOf(samples, 'docker_audit_container_logs_lag_bytes') !== 0; i++) samples = await collect();
    expect(lines(samples, posture.name)).toEqual({ 'stdout/error': 5, 'stdout/other': 4, 'stderr/warning': 4 });
    expect(valueOf(samples, 'docker_audit_container_logs_bytes_read_total')).toBe(fs.statSync(file).size);
  });
});
