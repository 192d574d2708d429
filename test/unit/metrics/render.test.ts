import { spawnSync } from 'node:child_process';
import { METRICS } from '../../../src/metrics/catalog';
import { ExpositionRenderer, renderSamples as render } from '../../../src/metrics/render';
import { sample } from '../../../src/metrics/sample';
import { parseExposition } from '../../helpers/exposition';

const labels = (name: string) => ({ name, id: '0123456789ab', image: 'img:1' });
/** The exposition text alone. */
const renderSamples = (samples: Parameters<typeof render>[0]) => render(samples).text;

describe('renderSamples', () => {
  it('escapes label values so any container name or path survives', () => {
    const nasty = 'we"ird\\name\nnext';
    const text = renderSamples([sample(METRICS.containerPrivileged, labels(nasty), 1)]);
    expect(text).toContain('name="we\\"ird\\\\name\\nnext"');
    expect(parseExposition(text)[0].labels.name).toBe(nasty);
    const check = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    expect(check.stdout + check.stderr).toBe('');
  });

  it('orders families as the catalog does and series by label values, with HELP saying the value is cached', () => {
    const text = renderSamples([
      sample(METRICS.containers, { state: 'running' }, 2),
      sample(METRICS.engineUp, {}, 1),
      sample(METRICS.containers, { state: 'exited' }, 1),
    ]);
    expect(text).toBe(
      [
        '# HELP docker_audit_engine_up Whether the Docker Engine answered /_ping in the last collection (1) or not (0). (cached from the last completed collection)',
        '# TYPE docker_audit_engine_up gauge',
        'docker_audit_engine_up 1',
        '# HELP docker_audit_containers Number of containers. (cached from the last completed collection)',
        '# TYPE docker_audit_containers gauge',
        'docker_audit_containers{state="exited"} 1',
        'docker_audit_containers{state="running"} 2',
        '',
      ].join('\n'),
    );
  });

  it('formats special values as Prometheus does', () => {
    const text = renderSamples([
      sample(METRICS.containers, { state: 'a' }, NaN),
      sample(METRICS.containers, { state: 'b' }, Infinity),
      sample(METRICS.containers, { state: 'c' }, -Infinity),
      sample(METRICS.containers, { state: 'd' }, 1e-9),
    ]);
    expect(text).toContain('{state="a"} NaN\n');
    expect(text).toContain('{state="b"} +Inf\n');
    expect(text).toContain('{state="c"} -Inf\n');
    expect(text).toContain('{state="d"} 1e-9\n');
  });

  it('keeps the first of two samples with the same labels, returns the other, and never throws', () => {
    const second = sample(METRICS.containers, { state: 'a' }, 2);
    const { text, duplicates } = render([sample(METRICS.containers, { state: 'a' }, 1), sample(METRICS.containers, { state: 'b' }, 5), second]);
    expect(text).toContain('docker_audit_containers{state="a"} 1\n');
    expect(text).not.toContain('docker_audit_containers{state="a"} 2');
    expect(duplicates).toEqual([second]);
  });

  it('tells label sets apart whatever bytes their values hold: a NUL or a separator in a value never merges two series', () => {
    const { text, duplicates } = render([
      sample(METRICS.auditLogEvents, { key: 'a\u0000b', syscall: 'c', success: 'yes' }, 1),
      sample(METRICS.auditLogEvents, { key: 'a', syscall: 'b\u0000c', success: 'yes' }, 2),
      sample(METRICS.auditLogEvents, { key: 'a","syscall="b', syscall: 'c', success: 'yes' }, 3),
      sample(METRICS.auditLogEvents, { key: 'a', syscall: 'b","syscall="c', success: 'yes' }, 4),
    ]);
    expect(duplicates).toEqual([]);
    expect(text.split('\n').filter((l) => l.startsWith('docker_audit_log_events_total{'))).toHaveLength(4);
  });

  it('cuts label values over 1,024 characters, keeping two long values apart', () => {
    const long = 'x'.repeat(10_000);
    const { text, duplicates } = render([
      sample(METRICS.containerInfo, { ...labels('a'), image_id: '1', compose_project: long, compose_service: 's' }, 1),
      sample(METRICS.containerInfo, { ...labels('b'), image_id: '1', compose_project: long + 'y', compose_service: 's' }, 1),
      sample(METRICS.containerInfo, { ...labels('c'), image_id: '1', compose_project: 'x'.repeat(1024), compose_service: 's' }, 1),
    ]);
    expect(duplicates).toEqual([]);
    const projects = parseExposition(text).map((s) => s.labels.compose_project);
    expect(projects.map((p) => p.length)).toEqual([1009, 1009, 1024]);
    expect(projects[0].startsWith('x'.repeat(1000) + '…')).toBe(true);
    expect(projects[0]).not.toBe(projects[1]);
    expect(text.length).toBeLessThan(5000);
  });

  it('renders 200,000 samples without spreading them into a call', () => {
    const many = Array.from({ length: 200_000 }, (_, i) => sample(METRICS.containerPrivileged, labels(`c${i}`), i % 2));
    const { text, duplicates } = render(many);
    expect(duplicates).toEqual([]);
    expect(text.split('\n').filter((l) => l.startsWith('docker_audit_container_privileged{'))).toHaveLength(200_000);
  });

  it('renders reused sample objects the same way again, and new samples with their own values', () => {
    const reused = [sample(METRICS.containers, { state: 'running' }, 2), sample(METRICS.engineUp, {}, 1)];
    const first = renderSamples(reused);
    expect(renderSamples(reused)).toBe(first);
    expect(renderSamples([reused[1], sample(METRICS.containers, { state: 'running' }, 3)])).toContain('docker_audit_containers{state="running"} 3\n');
  });

  it('renders nothing for no samples', () => {
    expect(renderSamples([])).toBe('');
  });
});

describe('ExpositionRenderer', () => {
  const many = (n: number, value = 1) => Array.from({ length: n }, (_, i) => sample(METRICS.containerPrivileged, labels(`c${(n - i) * 7919 % n}`), value));

  it('writes the bytes renderSamples writes, in chunks, for a family large enough to be sorted and encoded in pieces', async () => {
    const list = many(20_000);
    const duplicate = sample(METRICS.containerPrivileged, labels('c5'), 0);
    const all = [...list, duplicate, sample(METRICS.engineUp, {}, 1)];
    const served = await new ExpositionRenderer().render(all);
    const { text, duplicates } = render(all);
    expect(served.chunks.length).toBeGreaterThan(3);
    expect(Buffer.concat(served.chunks).toString()).toBe(text);
    expect(served.bytes).toBe(Buffer.byteLength(text));
    expect(served.duplicates).toEqual([duplicate]);
    expect(duplicates).toEqual([duplicate]);
  });

  it('keeps the chunks of a family whose samples are the same objects as last time, and renders a changed family again', async () => {
    const renderer = new ExpositionRenderer();
    const privileged = many(10);
    const first = await renderer.render([...privileged, sample(METRICS.engineUp, {}, 1)]);
    const second = await renderer.render([...privileged, sample(METRICS.engineUp, {}, 0)]);
    // Same privileged objects: the very buffer again. engine_up is a new sample: rendered anew.
    expect(second.chunks.filter((c) => first.chunks.includes(c))).toHaveLength(1);
    expect(Buffer.concat(second.chunks).toString()).toContain('docker_audit_engine_up 0\n');
    // Equal values in new objects are rendered again, and give the same text.
    const third = await renderer.render([...many(10), sample(METRICS.engineUp, {}, 0)]);
    expect(third.chunks.some((c) => second.chunks.includes(c))).toBe(false);
    expect(Buffer.concat(third.chunks).toString()).toBe(Buffer.concat(second.chunks).toString());
  });
});
