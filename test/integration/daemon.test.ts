// The daemon collector against two real second dockerds, started once for the file and in
// parallel: one hardened (--userns-remap=default, --live-restore, --icc=false, a plain TCP
// listener and a daemon.json given with --config-file), one with nothing but the helper's
// flags. Each lives in a network namespace of its own; the exporter joins the daemon's
// (nsenter) so its probe reaches the TCP listener on that namespace's loopback.
//
// dockerd refuses to start with a malformed daemon.json or one with unknown keys, so those
// two files are shown to the exporter only (--daemon.config-path).
//
// RECORD_DAEMON_FIXTURES=1 also writes the hardened daemon's /info to
// test/fixtures/daemon/recorded-info-second-daemon-hardened.json.
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { COLLECTOR_NAMES } from '../../src/collectors/index';
import { metricLines, runExporter, seriesValue } from '../helpers/exporter-process';
import { startSecondDaemon, type SecondDaemon } from '../helpers/second-daemon';

const FIXTURES = path.join(__dirname, '..', 'fixtures', 'daemon');
/** Not 2375: the default --daemon.probe-address must stay a separate, closed address. */
const PORT = 23750;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dae-daemon-'));
const configFile = path.join(dir, 'daemon.json');
const malformed = path.join(dir, 'malformed.json');
const unknownKeys = path.join(dir, 'unknown-keys.json');
let hardened: SecondDaemon | undefined;
let plain: SecondDaemon | undefined;

function copyFixture(name: string, to: string): void {
  fs.copyFileSync(path.join(FIXTURES, name), to);
  fs.chmodSync(to, 0o644);
}

function getInfo(socketPath: string): Promise<string> {
  return new Promise((resolve, reject) => {
    http
      .get({ socketPath, path: '/v1.41/info', headers: { Host: 'docker' } }, (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (c: string) => (body += c)).on('end', () => resolve(body));
      })
      .on('error', reject);
  });
}

beforeAll(async () => {
  copyFixture('daemon-hardened.json', configFile);
  copyFixture('daemon-malformed.json', malformed);
  copyFixture('daemon-unknown-keys.json', unknownKeys);
  // --icc=false needs iptables (dockerd refuses it with the helper's --iptables=false); the
  // later --iptables=true wins, as pflag keeps the last value. Its rules stay in its namespace.
  const starts = await Promise.allSettled([
    startSecondDaemon({ extraArgs: ['--config-file', configFile, '--iptables=true', '--userns-remap=default', '--live-restore', '--icc=false', '-H', `tcp://127.0.0.1:${PORT}`] }),
    startSecondDaemon(),
  ]);
  [hardened, plain] = starts.map((s) => (s.status === 'fulfilled' ? s.value : undefined));
  const failed = starts.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) throw failed.reason;
  if (process.env.RECORD_DAEMON_FIXTURES) {
    const info = JSON.parse(await getInfo(hardened!.socketPath)) as unknown;
    fs.writeFileSync(path.join(FIXTURES, 'recorded-info-second-daemon-hardened.json'), JSON.stringify(info, null, 2) + '\n');
  }
}, 180_000);

afterAll(async () => {
  await Promise.all([hardened?.cleanup(), plain?.cleanup()]);
  fs.rmSync(dir, { recursive: true, force: true });
}, 120_000);

/** One --once run of the daemon collector alone against a daemon, inside its network namespace. */
async function once(daemon: SecondDaemon, extra: string[] = []) {
  const only = COLLECTOR_NAMES.filter((n) => n !== 'daemon').map((n) => `--no-collector.${n}`);
  const run = await runExporter(['--once', '--docker.host', daemon.host, '--docker.timeout=10s', ...only, ...extra], 60_000, { networkNamespaceOfPid: daemon.pid });
  return { ...run, value: (series: string) => seriesValue(run.stdout, series), lines: metricLines(run.stdout) };
}

const gauges = (value: (s: string) => number | undefined, names: readonly string[]) => Object.fromEntries(names.map((n) => [n, value(`docker_audit_daemon_${n}`)]));
const POSTURE = ['userns_remap_enabled', 'live_restore_enabled', 'icc_enabled', 'userland_proxy_enabled', 'no_new_privileges_default', 'experimental_enabled', 'log_rotation_configured', 'insecure_registries', 'authorization_plugins'] as const;

describe('the daemon collector against a hardened second dockerd', () => {
  it('reports its flags, its --config-file daemon.json, /info, listeners, the probe and the files', async () => {
    const run = await once(hardened!);
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
    expect(run.value('docker_audit_collector_success{collector="daemon"}')).toBe(1);
    for (const source of ['info', 'config', 'cmdline']) expect(run.value(`docker_audit_daemon_source_available{source="${source}"}`)).toBe(1);
    expect(run.value('docker_audit_daemon_config_valid')).toBe(1);
    expect(run.value('docker_audit_daemon_config_unknown_keys')).toBe(0);
    expect(gauges(run.value, POSTURE)).toEqual({
      userns_remap_enabled: 1, // flag, confirmed by /info's name=userns
      live_restore_enabled: 1,
      icc_enabled: 0,
      userland_proxy_enabled: 0, // daemon.json
      no_new_privileges_default: 1, // daemon.json
      experimental_enabled: 0,
      log_rotation_configured: 1, // json-file with max-size, daemon.json
      insecure_registries: 2, // a CIDR and a name from daemon.json; 127.0.0.0/8 not counted
      authorization_plugins: 0,
    });
    expect(run.lines).toEqual(expect.arrayContaining([
      'docker_audit_daemon_setting_source{setting="usernsRemap",source="info"} 1',
      'docker_audit_daemon_setting_source{setting="icc",source="flag"} 1',
      'docker_audit_daemon_setting_source{setting="noNewPrivileges",source="config"} 1',
      'docker_audit_daemon_setting_source{setting="insecureRegistries",source="info"} 1',
    ]));

    // The right dockerd: this one's listeners (the main daemon and the plain one run too).
    const listeners = run.lines.filter((l) => l.startsWith('docker_audit_daemon_listener{')).sort();
    expect(listeners).toEqual([`docker_audit_daemon_listener{address="tcp://127.0.0.1:${PORT}",tls="false"} 1`, `docker_audit_daemon_listener{address="${hardened!.host}",tls="false"} 1`]);
    // The plain-TCP API answers unauthenticated; nothing listens on the default probe address.
    expect(run.value(`docker_audit_daemon_insecure_tcp_exposed{address="127.0.0.1:${PORT}"}`)).toBe(1);
    expect(run.value('docker_audit_daemon_insecure_tcp_exposed{address="127.0.0.1:2375"}')).toBe(0);

    // daemon.json is the file dockerd's --config-file names; the socket is dockerd's own.
    expect(run.value(`docker_audit_daemon_file_mode{path="${configFile}"}`)).toBe(0o644);
    expect(run.value(`docker_audit_daemon_file_owner_ok{path="${configFile}"}`)).toBe(1);
    const socketMode = fs.statSync(hardened!.socketPath).mode & 0o7777;
    expect(run.value(`docker_audit_daemon_file_mode{path="${hardened!.socketPath}"}`)).toBe(socketMode);
    expect(run.value(`docker_audit_daemon_file_owner_ok{path="${hardened!.socketPath}"}`)).toBe(1);
  }, 90_000);

  it('still reports everything else, with config_valid 0 and the line of the error, for a malformed daemon.json', async () => {
    const run = await once(hardened!, ['--daemon.config-path', malformed]);
    expect(run.code).toBe(0);
    expect(run.value('docker_audit_daemon_config_valid')).toBe(0);
    expect(run.value('docker_audit_daemon_source_available{source="config"}')).toBe(0);
    expect(run.stderr).toMatch(/level=error msg="daemon\.json is not valid JSON[^\n]*line=5 column=3/);
    // Flags and /info still decide what they decide; what only the file said is lost.
    expect(gauges(run.value, ['icc_enabled', 'live_restore_enabled', 'userns_remap_enabled', 'no_new_privileges_default'])).toEqual({ icc_enabled: 0, live_restore_enabled: 1, userns_remap_enabled: 1, no_new_privileges_default: 0 });
    expect(run.value(`docker_audit_daemon_file_mode{path="${malformed}"}`)).toBe(0o644);
  }, 90_000);

  it('counts and logs the keys dockerd does not know, and keeps the file valid', async () => {
    const run = await once(hardened!, ['--daemon.config-path', unknownKeys]);
    expect(run.code).toBe(0);
    expect(run.value('docker_audit_daemon_config_valid')).toBe(1);
    expect(run.value('docker_audit_daemon_config_unknown_keys')).toBe(2);
    expect(run.stderr).toMatch(/level=warn msg="daemon\.json has keys dockerd does not know[^\n]*keys=live_restore,userns/);
  }, 90_000);
});

describe('the daemon collector against a second dockerd with no hardening', () => {
  it('reports dockerd\'s defaults, only its unix socket, and nothing exposed', async () => {
    const run = await once(plain!);
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
    // The helper's own {} daemon.json, which dockerd was given with --config-file.
    expect(run.value('docker_audit_daemon_config_valid')).toBe(1);
    expect(gauges(run.value, POSTURE)).toEqual({
      userns_remap_enabled: 0,
      live_restore_enabled: 0,
      icc_enabled: 1,
      userland_proxy_enabled: 1,
      no_new_privileges_default: 0,
      experimental_enabled: 0,
      log_rotation_configured: 0,
      insecure_registries: 0,
      authorization_plugins: 0,
    });
    expect(run.lines.filter((l) => l.startsWith('docker_audit_daemon_listener{'))).toEqual([`docker_audit_daemon_listener{address="${plain!.host}",tls="false"} 1`]);
    expect(run.lines.filter((l) => l.startsWith('docker_audit_daemon_insecure_tcp_exposed{'))).toEqual(['docker_audit_daemon_insecure_tcp_exposed{address="127.0.0.1:2375"} 0']);
  }, 90_000);
});
