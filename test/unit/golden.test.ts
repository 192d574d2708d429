// The golden exposition file: the whole output of one --once collection over the recorded
// engine and a fixture host (test/golden/golden-host.ts), checked by promtool. Regenerate
// with UPDATE_GOLDEN=1 after an intended change.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseConfig } from '../../src/cli/config';
import { silentLogger } from '../../src/base/log';
import { ALL_FAMILIES, LIVE_FAMILIES } from '../../src/metrics/catalog';
import { runOnce } from '../../src/cli/main';
import type { ContainerTop } from '../../src/readers/engine-types';
import { ENGINE_FIXTURES, PODMAN_FIXTURES, RECORDED_CONTAINERS, recordedInspect } from '../helpers/fixtures';
import { PODMAN_CONFIG_PATHS_FLAG, RecordedEngine, recordedPodmanEngine } from '../helpers/recorded-engine';
import { singleFileTar } from '../helpers/tar';
import { makeGoldenHost } from '../golden/golden-host';

const GOLDEN = path.join(__dirname, '..', 'golden', 'recorded-engine-20.10.prom');
/** The collectors whose output depends on the engine kind, over the recorded Podman 4.3 and the containers.conf fixtures. */
const GOLDEN_PODMAN = path.join(__dirname, '..', 'golden', 'recorded-podman-4.3.prom');
const PODMAN_COLLECTORS = ['engine', 'containers', 'daemon', 'cis'];
const OTHER_COLLECTORS = ['images', 'imageos', 'resources', 'processes', 'events', 'auditrules', 'auditlog', 'logs', 'host', 'firewall'];
const NOW = Date.parse('2026-11-23T16:23:00Z');

/**
 * Families a --once collection cannot show: the events collector follows the engine's
 * event stream, which only server mode does (its tests cover these).
 */
const SERVER_MODE_ONLY = new Set(ALL_FAMILIES.filter((f) => f.collector === 'events').map((f) => f.name));

const IMAGEOS_FIXTURES = path.join(__dirname, '..', 'fixtures', 'imageos');

/**
 * The recorded engine, with the recorded answers of the two calls it has no list for:
 * every container's /etc/os-release (a link to /usr/lib/os-release, as on Ubuntu, recorded)
 * with Ubuntu 18.04's os-release behind it (past its end of life), and the processes of two
 * running containers, one of them a whole OS (init and crond).
 */
function goldenEngine(): RecordedEngine {
  const engine = new RecordedEngine();
  const link = fs.readFileSync(path.join(IMAGEOS_FIXTURES, 'archive-symlink-etc-os-release.tar'));
  const file = singleFileTar('os-release', fs.readFileSync(path.join(IMAGEOS_FIXTURES, 'os-release', 'ubuntu-18.04')));
  for (const name of RECORDED_CONTAINERS) {
    const id = recordedInspect(name).Id;
    engine.archives.set(`${id}:/etc/os-release`, link);
    engine.archives.set(`${id}:/usr/lib/os-release`, file);
  }
  const top = (file: string) => JSON.parse(fs.readFileSync(path.join(ENGINE_FIXTURES, file), 'utf8')) as ContainerTop;
  engine.tops.set(recordedInspect('caps').Id, top('recorded-top-fullos.json'));
  engine.tops.set(recordedInspect('hardened').Id, top('recorded-top-sleeps.json'));
  return engine;
}

async function goldenText(kind: 'docker' | 'podman' = 'docker'): Promise<string> {
  const host = makeGoldenHost();
  const args = kind === 'docker' ? host.args : [...host.args.filter((a) => a !== '--collector.firewall'), PODMAN_CONFIG_PATHS_FLAG, ...OTHER_COLLECTORS.map((c) => `--no-collector.${c}`)];
  const parsed = parseConfig(['--once', ...args]);
  if (parsed.kind !== 'config') throw new Error('expected a config');
  let out = '';
  const spy = jest.spyOn(Date, 'now').mockReturnValue(NOW);
  try {
    const code = await runOnce(parsed.config, kind === 'docker' ? goldenEngine() : recordedPodmanEngine(), silentLogger, { stdout: (t) => (out += t), stderr: () => {} }, '0.0.0-golden');
    expect(code).toBe(0);
  } finally {
    spy.mockRestore();
    host.cleanup();
  }
  // Durations and the Node version differ on every run, the checkout's folder on every
  // machine (the containers.conf fixtures are named by their path); everything else is fixed.
  return out
    .split(PODMAN_FIXTURES)
    .join('/fixtures/podman-4.3')
    .replace(/^(docker_audit_collector_duration_seconds\{[^}]*\}) .*$/gm, '$1 0.001')
    .replace(/node_version="[^"]*"/, 'node_version="vX"');
}

describe('golden exposition', () => {
  it('matches test/golden/recorded-engine-20.10.prom', async () => {
    const text = await goldenText();
    if (process.env.UPDATE_GOLDEN === '1') fs.writeFileSync(GOLDEN, text);
    expect(text).toBe(fs.readFileSync(GOLDEN, 'utf8'));
  });

  it('matches test/golden/recorded-podman-4.3.prom for a Podman engine: its defaults in place of dockerd\'s posture', async () => {
    const text = await goldenText('podman');
    if (process.env.UPDATE_GOLDEN === '1') fs.writeFileSync(GOLDEN_PODMAN, text);
    expect(text).toBe(fs.readFileSync(GOLDEN_PODMAN, 'utf8'));
    const collectors = [...text.matchAll(/^docker_audit_collector_success\{collector="([^"]+)"\} 1$/gm)].map((m) => m[1]).sort();
    expect(collectors).toEqual([...PODMAN_COLLECTORS].sort());
    expect(text).not.toMatch(/^docker_audit_daemon_/m);
  });

  it.each([GOLDEN, GOLDEN_PODMAN])('passes promtool check metrics without a single lint problem: %s', (file) => {
    // promtool exits 3 with one line per lint problem, 1 when it cannot parse the text.
    const result = spawnSync('promtool', ['check', 'metrics'], { input: fs.readFileSync(file), encoding: 'utf8' });
    expect(result.error).toBeUndefined();
    const problems = (result.stdout + result.stderr).split('\n').filter((l) => l.trim() !== '');
    expect(problems).toEqual([]);
    expect(result.status).toBe(0);
  });

  it('shows every family of the catalog, on one engine or the other', () => {
    const golden = fs.readFileSync(GOLDEN, 'utf8') + fs.readFileSync(GOLDEN_PODMAN, 'utf8');
    const shown = new Set([...golden.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]));
    for (const family of [...ALL_FAMILIES, ...Object.values(LIVE_FAMILIES)]) {
      expect([family.name, shown.has(family.name)]).toEqual([family.name, !SERVER_MODE_ONLY.has(family.name)]);
    }
    expect(SERVER_MODE_ONLY.size).toBeGreaterThan(0);
    for (const name of shown) expect(name.startsWith('docker_audit_')).toBe(true);
  });

  it('never leaks the environment variables or unrelated labels of the recorded containers', () => {
    expect(fs.readFileSync(GOLDEN, 'utf8')).not.toMatch(/hunter2|PASSWORD|secret\.token|PATH=/);
  });
});
