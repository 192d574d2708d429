import * as fs from 'node:fs';
import * as path from 'node:path';
import type { EngineInfo } from '../../../src/readers/engine-types';
import {
  infoInsecureRegistries,
  jsonErrorOffset,
  normaliseHost,
  parseDaemonJson,
  parseDockerdArgs,
  resolveSettings,
  securityOptions,
} from '../../../src/model/daemon-settings';
import { ENGINE_FIXTURES } from '../../helpers/fixtures';

const DAEMON_FIXTURES = path.join(__dirname, '..', '..', 'fixtures', 'daemon');
const readInfo = (file: string): EngineInfo => JSON.parse(fs.readFileSync(file, 'utf8')) as EngineInfo;
/** /info of the engine scripts/provision.sh starts (plain `dockerd`, no daemon.json). */
const defaultInfo = () => readInfo(path.join(ENGINE_FIXTURES, 'recorded-info.json'));
/** /info of a second dockerd started with --userns-remap=default --live-restore --icc=false and a daemon.json (see test/fixtures/daemon/README.md). */
const hardenedInfo = () => readInfo(path.join(DAEMON_FIXTURES, 'recorded-info-second-daemon-hardened.json'));

const argv = (...args: string[]) => parseDockerdArgs(['/usr/bin/dockerd', ...args]);

describe('parseDockerdArgs', () => {
  it('reads --flag=value, --flag value, -H value, -Hvalue and -H=value, keeping every repeated value in order', () => {
    const args = argv('-H', 'fd://', '--host=tcp://0.0.0.0:2375', '-Hunix:///a.sock', '-H=tcp://[::1]:2376', '--log-level', 'warn', '--log-level=error');
    expect(args.get('host')).toEqual(['fd://', 'tcp://0.0.0.0:2375', 'unix:///a.sock', 'tcp://[::1]:2376']);
    expect(args.get('log-level')).toEqual(['warn', 'error']);
  });

  it('never takes the next argument as a boolean flag\'s value, as pflag does', () => {
    const args = argv('--live-restore', '--icc=false', '--tlsverify', '-D', '--iptables=0', '--userns-remap', 'default');
    expect(Object.fromEntries(args)).toEqual({ 'live-restore': ['true'], icc: ['false'], tlsverify: ['true'], debug: ['true'], iptables: ['0'], 'userns-remap': ['default'] });
  });

  it('knows every boolean flag of dockerd 20.10, so none swallows the next flag (--cri-containerd -H fd://)', () => {
    expect(argv('--cri-containerd', '-H', 'fd://').get('host')).toEqual(['fd://']);
  });

  it('stops at --, and skips argv[0] and positional arguments', () => {
    expect(Object.fromEntries(argv('stray', '--experimental', '--', '--icc=false'))).toEqual({ experimental: ['true'] });
  });
});

describe('normaliseHost, as dockerd normalises -H', () => {
  it.each([
    ['unix:///var/run/docker.sock', false, 'unix:///var/run/docker.sock'],
    ['unix://', false, 'unix:///var/run/docker.sock'],
    ['', false, 'unix:///var/run/docker.sock'],
    ['', true, 'tcp://localhost:2376'],
    ['fd://', false, 'fd://'],
    ['tcp://0.0.0.0:2375', false, 'tcp://0.0.0.0:2375'],
    ['tcp://', false, 'tcp://localhost:2375'],
    ['tcp://:2376', true, 'tcp://localhost:2376'],
    ['tcp://10.0.0.1', false, 'tcp://10.0.0.1:2375'],
    ['127.0.0.1:2375', false, 'tcp://127.0.0.1:2375'],
    ['tcp://[::]:2375', false, 'tcp://[::]:2375'],
    ['ssh://host', false, undefined],
  ])('%j (tls %s) is %j', (entry, tls, expected) => {
    expect(normaliseHost(entry, tls)).toBe(expected);
  });
});

describe('parseDaemonJson', () => {
  it('says on which line and column a malformed file breaks, whatever V8 puts in its message', () => {
    // A trailing comma on line 3: V8's message gives an offset.
    const trailing = parseDaemonJson('{\n  "icc": false,\n  "live-restore": true,\n}\n');
    expect(trailing).toMatchObject({ ok: false, line: 4, column: 1 });
    // An unquoted word on line 2: V8's message gives no position at all.
    const word = parseDaemonJson('{\n  "icc": flase\n}');
    expect(word).toMatchObject({ ok: false, line: 2, column: 11 });
    expect(!word.ok && word.error).toMatch(/not valid JSON|Unexpected token/);
    // Cut short.
    expect(parseDaemonJson('{\n"hosts": ["fd://"')).toMatchObject({ ok: false, line: 2, column: 18 });
  });

  it('refuses a top level other than an object, and takes an empty file or a BOM as dockerd does', () => {
    expect(parseDaemonJson('\n  ["icc"]')).toMatchObject({ ok: false, line: 2, column: 3, error: 'the top level is an array, not an object' });
    expect(parseDaemonJson(' \n')).toEqual({ ok: true, values: {}, unknownKeys: [] });
    expect(parseDaemonJson('\uFEFF{"icc": false}')).toEqual({ ok: true, values: { icc: false }, unknownKeys: [] });
  });

  it('lists the keys dockerd does not know, and keeps their values', () => {
    const parsed = parseDaemonJson(fs.readFileSync(path.join(DAEMON_FIXTURES, 'daemon-unknown-keys.json'), 'utf8'));
    expect(parsed).toMatchObject({ ok: true, unknownKeys: ['live_restore', 'userns'] });
    expect(parsed.ok && parsed.values['live-restore']).toBe(true);
  });

  it('finds the same offset as V8 where V8 gives one', () => {
    for (const text of ['{"a": 1,}', '{"a" 1}', '[1, 2] x', '{"a": "\\x"}', '{"a": 01}', '{"a": [1, 2}']) {
      let position: number | undefined;
      try {
        JSON.parse(text);
      } catch (err) {
        position = Number(/position (\d+)/.exec((err as Error).message)?.[1] ?? NaN);
      }
      if (!Number.isNaN(position)) expect([text, jsonErrorOffset(text)]).toEqual([text, position]);
    }
  });
});

describe('/info', () => {
  it('reads SecurityOptions by name, old bare names too', () => {
    const opts = securityOptions({ SecurityOptions: ['name=seccomp,profile=default', 'name=userns', 'apparmor'] });
    expect([...opts.keys()]).toEqual(['seccomp', 'userns', 'apparmor']);
    expect(opts.get('seccomp')).toEqual({ name: 'seccomp', profile: 'default' });
  });

  it('counts insecure registries without the built-in 127.0.0.0/8, from the CIDRs and the indexes not Secure', () => {
    expect(infoInsecureRegistries(defaultInfo())).toEqual([]);
    expect(
      infoInsecureRegistries({
        RegistryConfig: {
          InsecureRegistryCIDRs: ['127.0.0.0/8', '10.1.0.0/16'],
          IndexConfigs: { 'docker.io': { Name: 'docker.io', Secure: true, Official: true }, 'registry.local:5000': { Name: 'registry.local:5000', Secure: false } },
        },
      }),
    ).toEqual(['10.1.0.0/16', 'registry.local:5000']);
  });
});

describe('resolveSettings', () => {
  it('gives dockerd\'s defaults when it has no flags and no daemon.json (the recorded default engine)', () => {
    const s = resolveSettings({ args: argv(), config: {}, info: defaultInfo() });
    expect(s).toMatchObject({ usernsRemap: undefined, liveRestore: false, icc: true, userlandProxy: true, noNewPrivileges: false, experimental: false, seccomp: true, iptables: true, logLevel: 'info', logDriver: 'json-file', insecureRegistries: [], authorizationPlugins: [], tls: false });
    expect(s.listeners).toEqual([{ address: 'unix:///var/run/docker.sock', scheme: 'unix', tls: false, tlsVerify: false }]);
    expect(s.sources).toMatchObject({ icc: 'default', liveRestore: 'info', seccomp: 'info', logDriver: 'info', listeners: 'default' });
  });

  it('takes a flag over daemon.json over the default, and says which decided', () => {
    const config = { icc: true, 'userland-proxy': false, 'no-new-privileges': true, 'log-level': 'warn', 'log-opts': { 'max-size': '10m' }, 'default-ulimits': { nofile: { Name: 'nofile', Soft: 1, Hard: 2 } } };
    const s = resolveSettings({ args: argv('--icc=false', '--log-level=debug', '--default-ulimit', 'nproc=10:20'), config, info: undefined });
    expect([s.icc, s.sources.icc]).toEqual([false, 'flag']);
    expect([s.userlandProxy, s.sources.userlandProxy]).toEqual([false, 'config']);
    expect([s.noNewPrivileges, s.sources.noNewPrivileges]).toEqual([true, 'config']);
    expect([s.logLevel, s.sources.logLevel]).toEqual(['debug', 'flag']);
    expect([s.iptables, s.sources.iptables]).toEqual([true, 'default']);
    expect(s.logOpts).toEqual({ 'max-size': '10m' });
    expect(s.defaultUlimits).toEqual({ nproc: { Name: 'nproc', Soft: 10, Hard: 20 } });
  });

  it('believes /info over flags and daemon.json for what it reports: the daemon may have reloaded since', () => {
    const info: EngineInfo = { LiveRestoreEnabled: false, ExperimentalBuild: false, SecurityOptions: ['name=seccomp,profile=unconfined'], LoggingDriver: 'journald', Plugins: { Authorization: ['authz-broker'] } };
    const s = resolveSettings({ args: argv('--live-restore', '--userns-remap=default'), config: { 'log-driver': 'json-file', experimental: true }, info });
    expect({ liveRestore: s.liveRestore, experimental: s.experimental, seccomp: s.seccomp, profile: s.seccompProfile, logDriver: s.logDriver, authz: s.authorizationPlugins, userns: s.usernsRemap }).toEqual({
      liveRestore: false, experimental: false, seccomp: false, profile: 'unconfined', logDriver: 'journald', authz: ['authz-broker'], userns: undefined,
    });
    expect(s.sources).toMatchObject({ liveRestore: 'info', experimental: 'info', seccomp: 'info', logDriver: 'info', authorizationPlugins: 'info', usernsRemap: 'info' });
  });

  it('falls back to flags and daemon.json when /info is unavailable', () => {
    const s = resolveSettings({ args: argv('--live-restore', '--insecure-registry=10.0.0.0/8', '--insecure-registry', '127.0.0.0/8'), config: { 'userns-remap': 'dockremap', 'seccomp-profile': 'unconfined' }, info: undefined });
    expect({ liveRestore: s.liveRestore, userns: s.usernsRemap, seccomp: s.seccomp, insecure: s.insecureRegistries }).toEqual({ liveRestore: true, userns: 'dockremap', seccomp: false, insecure: ['10.0.0.0/8'] });
    expect(s.sources).toMatchObject({ liveRestore: 'flag', usernsRemap: 'config', seccomp: 'config', insecureRegistries: 'flag', apparmor: 'default' });
  });

  it('reads the recorded hardened second daemon: flags and its daemon.json', () => {
    const config = JSON.parse(fs.readFileSync(path.join(DAEMON_FIXTURES, 'daemon-hardened.json'), 'utf8')) as Record<string, unknown>;
    const s = resolveSettings({ args: argv('--config-file', '/x/daemon.json', '--iptables=false', '--iptables=true', '--userns-remap=default', '--live-restore', '--icc=false', '-H', 'tcp://127.0.0.1:23750'), config, info: hardenedInfo() });
    expect({ userns: s.usernsRemap, liveRestore: s.liveRestore, icc: s.icc, iptables: s.iptables, nnp: s.noNewPrivileges, proxy: s.userlandProxy, logDriver: s.logDriver, logOpts: s.logOpts }).toEqual({
      userns: 'default', liveRestore: true, icc: false, iptables: true, nnp: true, proxy: false, logDriver: 'json-file', logOpts: { 'max-size': '10m', 'max-file': '3' },
    });
    expect(s.sources).toMatchObject({ usernsRemap: 'info', liveRestore: 'info', icc: 'flag', noNewPrivileges: 'config', userlandProxy: 'config' });
    expect(s.listeners).toEqual([{ address: 'tcp://127.0.0.1:23750', scheme: 'tcp', tls: false, tlsVerify: false }]);
  });

  it('marks a TCP listener tls only with TLS on, and verifying only with --tlsverify; defaults the TLS files to ~/.docker', () => {
    const verify = resolveSettings({ args: argv('--tlsverify', '-H', 'tcp://0.0.0.0:2376', '-H', 'unix:///var/run/docker.sock', '--tlscacert=/etc/docker/ca.pem'), config: {}, info: undefined });
    expect(verify.listeners).toEqual([
      { address: 'tcp://0.0.0.0:2376', scheme: 'tcp', tls: true, tlsVerify: true },
      { address: 'unix:///var/run/docker.sock', scheme: 'unix', tls: false, tlsVerify: false },
    ]);
    expect([verify.tlsCaCert, verify.tlsCert, verify.tlsKey]).toEqual(['/etc/docker/ca.pem', '/root/.docker/cert.pem', '/root/.docker/key.pem']);
    const tlsOnly = resolveSettings({ args: argv(), config: { tls: true, hosts: ['tcp://0.0.0.0:2376'] }, info: undefined });
    expect(tlsOnly.listeners).toEqual([{ address: 'tcp://0.0.0.0:2376', scheme: 'tcp', tls: true, tlsVerify: false }]);
    expect(tlsOnly.sources.listeners).toBe('config');
    expect(resolveSettings({ args: argv(), config: {}, info: undefined }).tlsCaCert).toBeUndefined();
  });
});
