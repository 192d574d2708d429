import * as fs from 'node:fs';
import * as path from 'node:path';
import { createDaemonCollector, daemonSamples, logRotationConfigured } from '../../../src/collectors/daemon';
import type { CollectContext } from '../../../src/collectors/collector';
import type { EngineInfo } from '../../../src/readers/engine-types';
import type { Logger } from '../../../src/base/log';
import type { Sample } from '../../../src/metrics/sample';
import type { DaemonFacts } from '../../../src/facts/daemon';
import { parseDockerdArgs, resolveSettings } from '../../../src/model/daemon-settings';
import type { Facts } from '../../../src/facts';
import type { EngineIdentity } from '../../../src/model/engine-kind';
import { PerCollection } from '../../../src/facts/per-collection';
import { createFacts } from '../../../src/facts';
import { podmanPosture } from '../../../src/model/podman-config';
import { silentLogger } from '../../../src/base/log';
import { PODMAN_CONFIG_PATHS_FLAG, recordedPodmanEngine } from '../../helpers/recorded-engine';
import { testOptions } from '../../helpers/options';

const FIXTURES = path.join(__dirname, '..', '..', 'fixtures', 'daemon');
/** /info of a second dockerd started with --userns-remap=default --live-restore --icc=false and daemon-hardened.json. */
const hardenedInfo = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'recorded-info-second-daemon-hardened.json'), 'utf8')) as EngineInfo;
const hardenedConfig = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'daemon-hardened.json'), 'utf8')) as Record<string, unknown>;
const ARGS = ['dockerd', '--config-file', '/etc/docker/daemon.json', '--userns-remap=default', '--live-restore', '--icc=false', '-H', 'unix:///var/run/docker.sock', '-H', 'tcp://0.0.0.0:2375'];

/** The hardened daemon's facts; `null` info: /info could not be read. */
function facts(patch: Partial<DaemonFacts> = {}, infoOrNull: EngineInfo | null = hardenedInfo): DaemonFacts {
  const info = infoOrNull ?? undefined;
  return {
    info,
    config: { path: '/etc/docker/daemon.json', state: 'ok', values: hardenedConfig, unknownKeys: [] },
    cmdline: { state: 'ok', pid: 4321, args: ARGS },
    settings: resolveSettings({ args: parseDockerdArgs(ARGS), config: hardenedConfig, info }),
    files: [
      // root:docker (the docker group is gid 999 here): owned as CIS 3.15 asks.
      { path: '/var/run/docker.sock', role: 'docker.sock', mode: 0o660, uid: 0, gid: 999, isDirectory: false },
      // owned by uid 1000: not as CIS 3.17 asks.
      { path: '/etc/docker/daemon.json', role: 'daemon.json', mode: 0o664, uid: 1000, gid: 0, isDirectory: false },
    ],
    dockerGid: 999,
    probes: [
      { address: '127.0.0.1:2375', exposed: true, listener: 'tcp://0.0.0.0:2375', status: 200 },
      { address: '10.0.0.5:2375', exposed: false, error: 'ECONNREFUSED' },
    ],
    ...patch,
  };
}

/** Samples as "name{label=value,...} value" lines, sorted. */
function lines(samples: readonly Sample[]): string[] {
  return samples.map((s) => `${s.family.name}{${Object.entries(s.labels).map(([k, v]) => `${k}=${v}`).join(',')}} ${s.value}`).sort();
}

function collect(read: () => DaemonFacts, identity: EngineIdentity | Error = { kind: 'docker', rootless: false }): { run: (collection: number) => Promise<{ samples: Sample[]; error?: Error }>; logs: string[] } {
  const logs: string[] = [];
  const log = (level: string) => (msg: string, fields: Record<string, unknown> = {}) => logs.push(`${level} ${msg} ${JSON.stringify(fields)}`);
  const logger: Logger = { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
  const engine = { identity: async () => { if (identity instanceof Error) throw identity; return identity; } };
  // A Podman engine's facts: Podman's built-in defaults, nothing read.
  const podman = new PerCollection(async () => ({ info: undefined, files: [], posture: podmanPosture(undefined, {}), rootless: false }));
  const sources = { daemon: new PerCollection(async () => read()), podman, engine } as unknown as Facts;
  const collector = createDaemonCollector({ facts: sources });
  return {
    logs,
    run: async (collection) => {
      const samples: Sample[] = [];
      const ctx: CollectContext = { signal: new AbortController().signal, emit: (s) => void samples.push(s), logger, now: () => 0, collection };
      try {
        await collector.collect(ctx);
        return { samples };
      } catch (error) {
        return { samples, error: error as Error };
      }
    },
  };
}

describe('daemonSamples', () => {
  it('turns the facts of the hardened daemon into its gauges', () => {
    const samples: Sample[] = [];
    daemonSamples(facts(), (s) => void samples.push(s));
    const all = lines(samples);
    expect(all.filter((l) => !l.startsWith('docker_audit_daemon_setting_source'))).toEqual([
      'docker_audit_daemon_apparmor_enabled{} 0',
      'docker_audit_daemon_authorization_plugins{} 0',
      'docker_audit_daemon_config_unknown_keys{} 0',
      'docker_audit_daemon_config_valid{} 1',
      'docker_audit_daemon_experimental_enabled{} 0',
      'docker_audit_daemon_file_mode{path=/etc/docker/daemon.json} 436',
      'docker_audit_daemon_file_mode{path=/var/run/docker.sock} 432',
      'docker_audit_daemon_file_owner_ok{path=/etc/docker/daemon.json} 0',
      'docker_audit_daemon_file_owner_ok{path=/var/run/docker.sock} 1',
      'docker_audit_daemon_icc_enabled{} 0',
      'docker_audit_daemon_insecure_registries{} 2',
      'docker_audit_daemon_insecure_tcp_exposed{address=10.0.0.5:2375} 0',
      'docker_audit_daemon_insecure_tcp_exposed{address=127.0.0.1:2375} 1',
      'docker_audit_daemon_listener{address=tcp://0.0.0.0:2375,tls=false} 1',
      'docker_audit_daemon_listener{address=unix:///var/run/docker.sock,tls=false} 1',
      'docker_audit_daemon_live_restore_enabled{} 1',
      'docker_audit_daemon_log_rotation_configured{} 1',
      'docker_audit_daemon_no_new_privileges_default{} 1',
      'docker_audit_daemon_rootless{} 0',
      'docker_audit_daemon_seccomp_enabled{} 1',
      'docker_audit_daemon_selinux_enabled{} 0',
      'docker_audit_daemon_source_available{source=cmdline} 1',
      'docker_audit_daemon_source_available{source=config} 1',
      'docker_audit_daemon_source_available{source=info} 1',
      'docker_audit_daemon_userland_proxy_enabled{} 0',
      'docker_audit_daemon_userns_remap_enabled{} 1',
    ]);
    expect(all).toEqual(expect.arrayContaining([
      'docker_audit_daemon_setting_source{setting=icc,source=flag} 1',
      'docker_audit_daemon_setting_source{setting=userlandProxy,source=config} 1',
      'docker_audit_daemon_setting_source{setting=liveRestore,source=info} 1',
      'docker_audit_daemon_setting_source{setting=experimental,source=info} 1',
    ]));
  });

  it('leaves out what only /info can tell when /info is unavailable, and config_valid when there is no daemon.json', () => {
    const samples: Sample[] = [];
    daemonSamples(facts({ config: { path: '/etc/docker/daemon.json', state: 'missing' } }, null), (s) => void samples.push(s));
    const names = new Set(samples.map((s) => s.family.name));
    expect(names.has('docker_audit_daemon_apparmor_enabled')).toBe(false);
    expect(names.has('docker_audit_daemon_seccomp_enabled')).toBe(false);
    expect(names.has('docker_audit_daemon_config_valid')).toBe(false);
    expect(lines(samples)).toEqual(expect.arrayContaining(['docker_audit_daemon_source_available{source=info} 0', 'docker_audit_daemon_source_available{source=config} 0', 'docker_audit_daemon_live_restore_enabled{} 1']));
  });

  it('counts log rotation for json-file with max-size and for local only', () => {
    expect(logRotationConfigured({ logDriver: 'json-file', logOpts: {} })).toBe(false);
    expect(logRotationConfigured({ logDriver: 'json-file', logOpts: { 'max-size': '-1' } })).toBe(false);
    expect(logRotationConfigured({ logDriver: 'json-file', logOpts: { 'max-size': '10m' } })).toBe(true);
    expect(logRotationConfigured({ logDriver: 'local', logOpts: {} })).toBe(true);
    expect(logRotationConfigured({ logDriver: 'journald', logOpts: { 'max-size': '10m' } })).toBe(false);
  });
});

describe('the daemon collector', () => {
  it("reports Podman's defaults, not dockerd's posture, for a Podman engine, and says so once", async () => {
    let read = 0;
    const { run, logs } = collect(() => (read++, facts()), { kind: 'podman', rootless: false });
    const first = await run(1);
    await run(2);
    expect(first.error).toBeUndefined();
    expect(read).toBe(0);
    expect(lines(first.samples).filter((l) => l.startsWith('docker_audit_daemon_'))).toEqual([]);
    expect(lines(first.samples)).toContain('docker_audit_podman_default_capability{capability=SYS_CHROOT} 1');
    expect(logs.filter((l) => l.startsWith('info '))).toEqual([`info the engine is Podman: its own defaults are reported, not dockerd's daemon posture {"engine":"podman"}`]);
  });

  it("falls back to containers.conf when Podman's /libpod/info cannot be read, logs each problem once, and still succeeds", async () => {
    const engine = recordedPodmanEngine();
    engine.podmanInfoAnswer = undefined; // answers 404, as a proxy that does not pass /libpod/ would
    const logs: string[] = [];
    const log = (level: string) => (msg: string) => void logs.push(`${level} ${msg}`);
    const logger: Logger = { debug: () => {}, info: log('info'), warn: log('warn'), error: log('error') };
    const all = createFacts(engine, silentLogger, testOptions([PODMAN_CONFIG_PATHS_FLAG, `--host.root-path=${path.join(FIXTURES, 'no-such-root')}`]));
    const collector = createDaemonCollector({ facts: all });
    const runOnce = async (collection: number) => {
      const samples: Sample[] = [];
      await collector.collect({ signal: new AbortController().signal, emit: (s) => void samples.push(s), logger, now: () => 0, collection });
      return lines(samples);
    };
    const first = await runOnce(1);
    await runOnce(2);
    expect(first).toContain('docker_audit_podman_libpod_info_available{} 0');
    // The defaults come from the containers.conf fixtures; confinement no source tells is absent.
    expect(first.filter((l) => l.startsWith('docker_audit_podman_default_capability')).length).toBe(11);
    expect(first).toContain('docker_audit_podman_userns_enabled{} 1');
    expect(first.some((l) => l.startsWith('docker_audit_podman_apparmor_enabled'))).toBe(false);
    expect(first.some((l) => l.startsWith('docker_audit_podman_socket_'))).toBe(false);
    expect(first.filter((l) => l.startsWith('docker_audit_podman_config_file_valid')).map((l) => l.replace(/^.*\/containers-conf\//, ''))).toEqual([
      'containers.conf.d/10-userns.conf} 1',
      'containers.conf.d/50-invalid.conf} 0',
      'etc-containers.conf} 1',
      'usr-share-containers.conf} 1',
    ]);
    expect(logs.filter((l) => !l.startsWith('info '))).toEqual([
      "warn reading Podman's /libpod/info failed; its defaults come from containers.conf and Podman's built-in ones",
      'error a containers.conf is not valid; its settings are not taken (Podman refuses to run with it)',
    ]);
  });

  it('reads dockerd\'s posture when the engine kind cannot be read (an engine that is down)', async () => {
    const { run } = collect(() => facts(), new Error('pinging the engine failed'));
    const { samples, error } = await run(1);
    expect(error).toBeUndefined();
    expect(lines(samples)).toContain('docker_audit_daemon_source_available{source=cmdline} 1');
  });

  it('reports a malformed daemon.json with config_valid 0, logs its line once, and still succeeds', async () => {
    const invalid = facts({ config: { path: '/etc/docker/daemon.json', state: 'invalid', error: '/etc/docker/daemon.json: line 5, column 3: Expected \',\' or \'}\'', line: 5, column: 3 } });
    const { run, logs } = collect(() => invalid);
    const first = await run(1);
    expect(first.error).toBeUndefined();
    expect(lines(first.samples)).toEqual(expect.arrayContaining(['docker_audit_daemon_config_valid{} 0', 'docker_audit_daemon_source_available{source=config} 0', 'docker_audit_daemon_icc_enabled{} 0']));
    await run(2);
    expect(logs).toHaveLength(1);
    expect(logs[0]).toMatch(/^error daemon\.json is not valid JSON.*"line":5,"column":3/);
  });

  it('warns once about keys dockerd does not know', async () => {
    const { run, logs } = collect(() => facts({ config: { path: '/etc/docker/daemon.json', state: 'ok', values: {}, unknownKeys: ['live_restore', 'userns'] } }));
    const { samples } = await run(1);
    await run(2);
    expect(lines(samples)).toEqual(expect.arrayContaining(['docker_audit_daemon_config_valid{} 1', 'docker_audit_daemon_config_unknown_keys{} 2']));
    expect(logs).toEqual([expect.stringMatching(/^warn daemon\.json has keys dockerd does not know .*"keys":"live_restore,userns"/)]);
  });

  it('fails, after emitting what it has, only when neither /info nor dockerd\'s command line could be read', async () => {
    const infoOnlyMissing = await collect(() => facts({ infoError: 'reading /info failed: ECONNREFUSED' }, null)).run(1);
    expect(infoOnlyMissing.error).toBeUndefined();
    const nothing = await collect(() => facts({ infoError: 'reading /info failed: ECONNREFUSED', cmdline: { state: 'missing', error: 'no dockerd process under /proc' } }, null)).run(1);
    expect(nothing.error?.message).toBe("reading the daemon's settings failed: reading /info failed: ECONNREFUSED; dockerd's command line: no dockerd process under /proc");
    expect(lines(nothing.samples)).toContain('docker_audit_daemon_source_available{source=cmdline} 0');
  });
});
