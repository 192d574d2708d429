// Property-based fuzzing of the daemon settings parsers (src/model/daemon-settings.ts):
// dockerd's argv as pflag reads it, -H addresses, daemon.json, and the settings decided
// from all three.
import * as fc from 'fast-check';
import { BUILTIN_INSECURE, jsonErrorOffset, normaliseHost, parseDaemonJson, parseDockerdArgs, parseGoBool, resolveSettings, tcpHostPort, type SettingSource } from '../../../src/model/daemon-settings';
import type { EngineInfo } from '../../../src/readers/engine-types';
import { anyChar, deepJson, mutated, PROTOTYPE_NAMES, runs } from './fuzz';

// ------------------------------------------------------------------ dockerd's argv

/** dockerd flags that take a value, and the one-letter form of those that have one. */
const VALUE_FLAGS = ['host', 'log-level', 'storage-driver', 'bridge', 'group', 'graph', 'pidfile', 'userns-remap', 'insecure-registry', 'log-opt', 'log-driver', 'default-ulimit', 'authorization-plugin', 'tlscacert', 'tlscert', 'tlskey', 'exec-root', 'containerd', 'seccomp-profile', 'cgroup-parent', 'data-root', 'config-file'];
const BOOL_FLAGS = ['debug', 'icc', 'iptables', 'ip6tables', 'ip-forward', 'ip-masq', 'ipv6', 'live-restore', 'userland-proxy', 'no-new-privileges', 'experimental', 'selinux-enabled', 'rootless', 'tls', 'tlsverify', 'raw-logs', 'init', 'cri-containerd'];
const SHORT: Readonly<Record<string, string>> = { host: 'H', debug: 'D', 'log-level': 'l', 'storage-driver': 's', bridge: 'b', group: 'G', graph: 'g', pidfile: 'p' };

/** Any argument text, "-" and "=" in front included. */
const anyValue = fc.oneof(
  fc.constantFrom('', 'true', 'false', '0', '1', 'unix:///var/run/docker.sock', 'tcp://0.0.0.0:2375', 'fd://', '-', '--', '-H', '--tls', '=', '==x', 'a=b', ' ', ...PROTOTYPE_NAMES),
  fc.string({ unit: anyChar, maxLength: 12 }),
);

interface Flag {
  readonly name: string;
  readonly value: string;
  readonly argv: readonly string[];
}

/** One flag, spelt one of the ways pflag takes it, and the value it sets. */
const flag: fc.Arbitrary<Flag> = fc.oneof(
  fc.record({ name: fc.constantFrom(...VALUE_FLAGS), value: anyValue, spelling: fc.constantFrom('=', ' ', 'short', 'short=', 'attached') }).map(({ name, value, spelling }) => {
    const s = SHORT[name];
    if (spelling === '=' || !s) return { name, value, argv: [`--${name}=${value}`] };
    if (spelling === ' ') return { name, value, argv: [`--${name}`, value] };
    if (spelling === 'short') return { name, value, argv: [`-${s}`, value] };
    if (spelling === 'short=' || value === '' || value.startsWith('=')) return { name, value, argv: [`-${s}=${value}`] };
    return { name, value, argv: [`-${s}${value}`] };
  }),
  fc.record({ name: fc.constantFrom(...BOOL_FLAGS), value: fc.option(anyValue, { nil: undefined }), short: fc.boolean() }).map(({ name, value, short }) => {
    const s = short ? SHORT[name] : undefined;
    const spelt = s ? `-${s}` : `--${name}`;
    return { name, value: value ?? 'true', argv: [value === undefined ? spelt : `${spelt}=${value}`] };
  }),
);
/** What dockerd leaves alone here: positional words and one-letter flags it does not have. */
const noise = fc.oneof(
  fc.string({ unit: anyChar, maxLength: 8 }).filter((a) => !a.startsWith('-')),
  fc.constant('-'),
  fc.tuple(fc.constantFrom(...'acdefhijkmnoqrtuvwxyzACEFIJKLMNOPQRSTUVWXYZ0123456789'), fc.string({ unit: anyChar, maxLength: 4 })).map(([c, rest]) => `-${c}${rest}`),
);
const argvInput = fc.record({
  argv0: fc.constantFrom('dockerd', '/usr/bin/dockerd', '--host=ignored'),
  items: fc.array(fc.oneof({ weight: 4, arbitrary: flag }, noise.map((n) => ({ noise: n }))), { maxLength: 12 }),
  tail: fc.option(fc.array(fc.oneof(anyValue, flag.map((f) => f.argv[0])), { maxLength: 4 }), { nil: undefined }),
});
type ArgvInput = typeof argvInput extends fc.Arbitrary<infer T> ? T : never;
const buildArgv = ({ argv0, items, tail }: ArgvInput) => {
  const argv = [argv0, ...items.flatMap((i) => ('noise' in i ? [i.noise] : i.argv))];
  if (tail) argv.push('--', ...tail);
  const expected: Record<string, string[]> = {};
  for (const i of items) if (!('noise' in i)) (expected[i.name] ??= []).push(i.value);
  return { argv, expected };
};

describe('parseDockerdArgs (fuzz)', () => {
  it('reads every flag as pflag does, however it is spelt, keeping repeated values in order, and nothing after --', () => {
    fc.assert(
      fc.property(argvInput, (input) => {
        const { argv, expected } = buildArgv(input);
        const parsed = parseDockerdArgs(argv);
        expect(Object.fromEntries([...parsed].map(([k, v]) => [k, [...v]]))).toEqual(expected);
      }),
      runs(400),
    );
  });

  it('never throws on any argv; every value is "true" or the end of one of the arguments', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(anyValue, flag.map((f) => f.argv.join(' '))), { maxLength: 12 }), (argv) => {
        const parsed = parseDockerdArgs(argv);
        for (const values of parsed.values()) for (const v of values) expect(v === 'true' || argv.slice(1).some((a) => a.endsWith(v))).toBe(true);
      }),
      runs(400),
    );
  });
});

// ------------------------------------------------------------------ -H addresses

describe('normaliseHost (fuzz)', () => {
  const host = fc.oneof(fc.constantFrom('', 'localhost', '0.0.0.0', '127.0.0.1', '[::]', '[::1]', 'docker.example'), fc.stringMatching(/^[a-z0-9.-]{1,12}$/));
  const port = fc.option(fc.oneof(fc.integer({ min: 0, max: 65535 }).map(String), fc.constant('')), { nil: undefined });
  const tail = fc.option(fc.stringMatching(/^(\/[a-z0-9]{0,4}){1,3}$/).filter((t) => !t.startsWith('//')), { nil: undefined });

  it('gives tcp://HOST:PORT for tcp entries, localhost and 2375 filled in, as dockerd does', () => {
    fc.assert(
      fc.property(fc.boolean(), host, port, tail, fc.boolean(), (scheme, h, p, t, tls) => {
        const entry = `${scheme ? 'tcp://' : ''}${h}${p === undefined ? '' : `:${p}`}${t ?? ''}`;
        const expected = entry === '' ? (tls ? 'tcp://localhost:2376' : 'unix:///var/run/docker.sock') : entry === 'tcp://' ? 'tcp://localhost:2375' : `tcp://${h === '' ? 'localhost' : h}:${p || '2375'}${t ?? ''}`;
        expect(normaliseHost(entry, tls)).toBe(expected);
      }),
      runs(300),
    );
  });

  it('never throws; gives undefined or a unix://, tcp:// or fd:// address that normalises to itself, a tcp one with a host and port', () => {
    const entry = fc.oneof(
      fc.string({ unit: anyChar, maxLength: 30 }),
      mutated(fc.constantFrom('unix:///var/run/docker.sock', 'tcp://0.0.0.0:2376', 'fd://', 'tcp://[::1]:2375/path', '127.0.0.1:2375', 'ssh://user@host', 'unix://')),
    );
    fc.assert(
      fc.property(entry, fc.boolean(), (e, tls) => {
        const n = normaliseHost(e, tls);
        if (n === undefined) return;
        expect(n).toMatch(/^(unix|tcp|fd):\/\//);
        expect(normaliseHost(n, tls)).toBe(n);
        if (n.startsWith('tcp://')) expect(tcpHostPort(n)).toBeDefined();
      }),
      runs(500),
    );
  });
});

// ------------------------------------------------------------------ daemon.json

/** JSON texts: valid documents (objects mostly), cut and mutated ones, deep ones, BOMs and blanks, and any text. */
const jsonText = fc.oneof(
  { weight: 3, arbitrary: fc.json({ maxDepth: 3 }) },
  { weight: 3, arbitrary: fc.dictionary(fc.oneof(fc.constantFrom('icc', 'hosts', 'log-opts', 'live-restore', ...PROTOTYPE_NAMES), fc.string()), fc.jsonValue({ maxDepth: 2 })).map((o) => JSON.stringify(o, null, 2)) },
  { weight: 4, arbitrary: mutated(fc.json({ maxDepth: 3 }), 3, fc.oneof(fc.constantFrom('"', ',', '}', ']', '{', '[', ':', '\\', '\\u', '-', '.', 'e', '0', '\n', '\u0000', '\ufeff', ' '), fc.string({ unit: anyChar, minLength: 1, maxLength: 2 }))) },
  deepJson,
  fc.tuple(fc.constantFrom('', '\ufeff', ' \n\t', '\r\n'), fc.json({ maxDepth: 2 }), fc.constantFrom('', '\n', ' x', '}')).map(([a, b, c]) => a + b + c),
  fc.string({ unit: anyChar, maxLength: 30 }),
);

const v8Position = (text: string): number | undefined => {
  try {
    JSON.parse(text);
    return undefined;
  } catch (err) {
    const m = /at position (\d+)/.exec((err as Error).message);
    return m ? Number(m[1]) : undefined;
  }
};

describe('parseDaemonJson and jsonErrorOffset (fuzz)', () => {
  it('never throws; ok exactly when JSON.parse gives an object, and the line and column of an error are within the text', () => {
    fc.assert(
      fc.property(jsonText, (text) => {
        const parsed = parseDaemonJson(text);
        const body = text.replace(/^\uFEFF/, '');
        let value: unknown;
        let accepted = true;
        try {
          value = body.trim() === '' ? {} : JSON.parse(body);
        } catch {
          accepted = false;
        }
        const isObject = accepted && typeof value === 'object' && value !== null && !Array.isArray(value);
        expect(parsed.ok).toBe(isObject);
        if (parsed.ok) {
          // jest's deep equality recurses: compare the keys alone of a deep document.
          if (body.length < 5000) expect(parsed.values).toEqual(value);
          else expect(Object.keys(parsed.values)).toEqual(Object.keys(value as object));
          expect(parsed.unknownKeys).toEqual([...parsed.unknownKeys].sort());
          return;
        }
        const lines = body.split('\n');
        expect(Number.isInteger(parsed.line) && parsed.line >= 1 && parsed.line <= lines.length).toBe(true);
        expect(Number.isInteger(parsed.column) && parsed.column >= 1 && parsed.column <= lines[parsed.line - 1].length + 1).toBe(true);
        expect(typeof parsed.error).toBe('string');
      }),
      runs(500),
    );
  });

  it('jsonErrorOffset never throws, stays within the text, and finds the offset V8 gives where V8 gives one', () => {
    fc.assert(
      fc.property(jsonText, (text) => {
        let rejected = false;
        try {
          JSON.parse(text);
        } catch {
          rejected = true;
        }
        fc.pre(rejected);
        const offset = jsonErrorOffset(text);
        expect(offset >= 0 && offset <= text.length).toBe(true);
        const v8 = v8Position(text);
        if (v8 !== undefined) expect(offset).toBe(v8);
      }),
      runs(500),
    );
  });
});

// ------------------------------------------------------------------ the effective settings

const SOURCES: readonly SettingSource[] = ['flag', 'config', 'info', 'default'];
const SETTING_KEYS = new Set([
  'usernsRemap', 'liveRestore', 'icc', 'userlandProxy', 'noNewPrivileges', 'experimental', 'seccomp', 'seccompProfile', 'apparmor', 'selinux', 'rootless', 'iptables',
  'logLevel', 'debug', 'logDriver', 'logOpts', 'storageDriver', 'authorizationPlugins', 'insecureRegistries', 'cgroupParent', 'defaultUlimits', 'listeners',
  'tls', 'tlsVerify', 'tlsCaCert', 'tlsCert', 'tlsKey', 'containerd', 'execRoot',
]);

const strings = fc.array(fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('name=seccomp,profile=default', 'name=apparmor', 'name=userns', 'name=rootless', 'name=selinux', 'name=no-new-privileges', 'seccomp', 'name=seccomp,profile=unconfined', ',=,', '127.0.0.0/8')), { maxLength: 5 });
const nullable = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: null });
/** /info as the Engine API types it, any values in it. */
const info: fc.Arbitrary<EngineInfo> = fc.record(
  {
    ExperimentalBuild: fc.boolean(),
    LiveRestoreEnabled: fc.boolean(),
    Driver: fc.constantFrom('', 'overlay2', 'btrfs'),
    LoggingDriver: fc.constantFrom('', 'json-file', 'local', 'journald'),
    SecurityOptions: nullable(strings),
    Plugins: nullable(fc.record({ Authorization: nullable(strings) }, { requiredKeys: [] })),
    RegistryConfig: nullable(
      fc.record(
        {
          InsecureRegistryCIDRs: nullable(strings),
          IndexConfigs: nullable(fc.dictionary(fc.string({ maxLength: 10 }), fc.record({ Name: fc.string({ maxLength: 10 }), Secure: fc.boolean() }, { requiredKeys: [] }), { maxKeys: 3 })),
        },
        { requiredKeys: [] },
      ),
    ),
  },
  { requiredKeys: [] },
);
const CONFIG_KEYS = ['hosts', 'tls', 'tlsverify', 'icc', 'debug', 'log-level', 'log-driver', 'log-opts', 'userns-remap', 'seccomp-profile', 'live-restore', 'insecure-registries', 'authorization-plugins', 'default-ulimits', 'storage-driver', 'cgroup-parent', 'exec-root', 'containerd', 'tlscacert'];
/** daemon.json values: right and wrong types, deep arrays and objects among them (as text: fast-check prints a counterexample recursively). */
const configValue = fc.oneof(
  { weight: 4, arbitrary: fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.stringify(v)) },
  fc.constantFrom(true, false, 'debug', 'unconfined', ['tcp://0.0.0.0:2375', 'fd://'], [1, null, {}], { 'max-size': '10m' }, { 'max-size': 10 }).map((v) => JSON.stringify(v)),
  // Deep arrays (deep objects cost JSON.parse much more time and walk the same code).
  fc.integer({ min: 5_000, max: 20_000 }).map((depth) => '['.repeat(depth) + ']'.repeat(depth)),
);
/** A daemon.json document as text; parsed in the property. */
const configText = fc.option(
  fc.array(fc.tuple(fc.oneof(fc.constantFrom(...CONFIG_KEYS), fc.string({ maxLength: 6 })), configValue), { maxLength: 6 }).map((entries) => `{${entries.map(([k, v]) => `${JSON.stringify(k)}: ${v}`).join(', ')}}`),
  { nil: undefined },
);
const parseConfig = (text: string | undefined) => (text === undefined ? undefined : (JSON.parse(text) as Record<string, unknown>));

describe('resolveSettings (fuzz)', () => {
  it('never throws on any flags, daemon.json values and /info; its settings keep their documented shape', () => {
    fc.assert(
      fc.property(fc.option(argvInput, { nil: undefined }), configText, fc.option(info, { nil: undefined }), (input, text, inf) => {
        const args = input && parseDockerdArgs(buildArgv(input).argv);
        const s = resolveSettings({ args, config: parseConfig(text), info: inf });
        // One expect per run: jest's expect costs tens of microseconds, and this checks dozens of things.
        const problems: string[] = [];
        const check = (ok: boolean, what: string) => void (ok || problems.push(what));
        for (const [key, source] of Object.entries(s.sources)) check(SETTING_KEYS.has(key) && SOURCES.includes(source), `source ${key}=${source}`);
        const booleans = { liveRestore: s.liveRestore, icc: s.icc, userlandProxy: s.userlandProxy, noNewPrivileges: s.noNewPrivileges, experimental: s.experimental, seccomp: s.seccomp, apparmor: s.apparmor, selinux: s.selinux, rootless: s.rootless, iptables: s.iptables, tls: s.tls, tlsVerify: s.tlsVerify };
        for (const [name, b] of Object.entries(booleans)) check(typeof b === 'boolean', `${name} is not a boolean`);
        check(!s.tlsVerify || s.tls === true, 'tlsverify without tls');
        check(typeof s.logLevel === 'string', 'logLevel');
        const addresses = s.listeners.map((l) => l.address);
        check(new Set(addresses).size === addresses.length, 'a listener twice');
        check(JSON.stringify(addresses) === JSON.stringify([...addresses].sort((a, b) => a.localeCompare(b))), 'listeners not sorted');
        for (const l of s.listeners) {
          check(['unix', 'tcp', 'fd'].includes(l.scheme) && l.address.startsWith(`${l.scheme}://`), `listener ${l.address}`);
          check(!l.tls || (l.scheme === 'tcp' && s.tls === true), `tls on ${l.address}`);
          check(!l.tlsVerify || l.tls, `tlsverify without tls on ${l.address}`);
        }
        check(!s.insecureRegistries.includes(BUILTIN_INSECURE), 'the built-in insecure registry counted');
        for (const x of [...s.authorizationPlugins, ...s.insecureRegistries]) check(typeof x === 'string', `a list entry ${typeof x}`);
        expect(problems).toEqual([]);
      }),
      runs(400),
    );
  });

  it('without /info, a flag beats daemon.json, which beats the default (icc, live-restore)', () => {
    fc.assert(
      fc.property(argvInput, configText, (input, text) => {
        const args = parseDockerdArgs(buildArgv(input).argv);
        const cfg = parseConfig(text);
        const s = resolveSettings({ args, config: cfg, info: undefined });
        for (const [key, name, fallback] of [['icc', 'icc', true], ['liveRestore', 'live-restore', false]] as const) {
          const fromFlag = args.has(name) ? parseGoBool(args.get(name)!.at(-1)!) : undefined;
          const fromConfig = typeof cfg?.[name] === 'boolean' ? (cfg[name] as boolean) : undefined;
          expect([key, s[key], s.sources[key]]).toEqual([key, fromFlag ?? fromConfig ?? fallback, fromFlag !== undefined ? 'flag' : fromConfig !== undefined ? 'config' : 'default']);
        }
      }),
      runs(300),
    );
  });
});
