import { COLLECTORS } from '../../../src/collectors';
import { ConfigError, FLAGS, helpText, parseConfig, parseDuration, parseListenAddress, type Config } from '../../../src/cli/config';
import { run } from '../../../src/cli/main';

function config(argv: string[], env: NodeJS.ProcessEnv = {}): Config {
  const parsed = parseConfig(argv, env);
  if (parsed.kind !== 'config') throw new Error(`expected a config, got ${parsed.kind}`);
  return parsed.config;
}

function problems(argv: string[], env: NodeJS.ProcessEnv = {}): readonly string[] {
  try {
    parseConfig(argv, env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('parseConfig', () => {
  it('has defaults an operator can run with', () => {
    const c = config([]);
    expect(c.listen).toEqual([{ host: undefined, port: 9795 }]);
    expect(c.webConfigFile).toBeUndefined();
    expect(c.telemetryPath).toBe('/metrics');
    expect(c.schedule).toBe('*/15 * * * * *');
    expect(c.docker).toMatchObject({ host: 'unix:///var/run/docker.sock', tlsVerify: false, timeoutMs: 10_000 });
    expect(c.collectors).toEqual(Object.fromEntries(COLLECTORS.map((d) => [d.name, d.enabledByDefault])));
    expect(Object.keys(c.collectors)).toEqual(['engine', 'containers', 'daemon', 'images', 'imageos', 'resources', 'processes', 'events', 'auditrules', 'auditlog', 'logs', 'host', 'cis', 'firewall']);
    expect(c.inspectMaxAgeMs).toBe(300_000);
    expect(c.inspectConcurrency).toBe(8);
    expect(c.once).toBe(false);
    expect(c.sensitivePaths).toContain('/etc');
  });

  it('reads DOCKER_HOST, DOCKER_TLS_VERIFY and DOCKER_CERT_PATH as the docker CLI does, flags winning', () => {
    const env = { DOCKER_HOST: 'tcp://10.0.0.1:2376', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: '/certs' };
    expect(config([], env).docker).toMatchObject({ host: 'tcp://10.0.0.1:2376', tlsVerify: true, certPath: '/certs' });
    expect(config(['--docker.host=unix:///run/docker.sock', '--no-docker.tls-verify'], env).docker).toMatchObject({
      host: 'unix:///run/docker.sock',
      tlsVerify: false,
    });
    expect(config([], { DOCKER_TLS_VERIFY: '' }).docker.tlsVerify).toBe(false);
  });

  it('finds a rootless engine as the docker CLI does: not as root, at $XDG_RUNTIME_DIR/docker.sock when it exists', () => {
    const user = { uid: 999, isSocket: (p: string) => p === '/run/user/999/docker.sock' };
    const parse = (argv: string[], env: NodeJS.ProcessEnv, system = user): Config => {
      const parsed = parseConfig(argv, env, system);
      if (parsed.kind !== 'config') throw new Error(`expected a config, got ${parsed.kind}`);
      return parsed.config;
    };
    const env = { XDG_RUNTIME_DIR: '/run/user/999' };
    expect(parse([], env).docker.host).toBe('unix:///run/user/999/docker.sock');
    expect(parse([], env).dockerSocketPaths).toContain('/run/user/999/docker.sock');
    expect(parse([], { ...env, DOCKER_HOST: 'unix:///srv/d.sock' }).docker.host).toBe('unix:///srv/d.sock');
    expect(parse(['--docker.host=tcp://127.0.0.1:2375'], env).docker.host).toBe('tcp://127.0.0.1:2375');
    expect(parse([], env, { ...user, uid: 0 }).docker.host).toBe('unix:///var/run/docker.sock');
    expect(parse([], { XDG_RUNTIME_DIR: '/run/user/1000' }).docker.host).toBe('unix:///var/run/docker.sock');
  });

  it('treats a custom unix socket as the Docker socket for mount detection', () => {
    expect(config(['--docker.host', 'unix:///srv/docker/engine.sock']).dockerSocketPaths).toEqual([
      '/var/run/docker.sock',
      '/run/docker.sock',
      '/srv/docker/engine.sock',
    ]);
  });

  // Podman reports a bind mount's source as it was spelled: -v /var/run/podman/podman.sock:...
  // gave Source "/var/run/podman/podman.sock" on Podman 4.3 while the exporter was pointed at
  // unix:///run/podman/podman.sock, and was missed.
  it('treats an endpoint socket under /run or /var/run as the Docker socket by both names', () => {
    expect(config(['--docker.host', 'unix:///run/podman/podman.sock']).dockerSocketPaths).toEqual([
      '/var/run/docker.sock',
      '/run/docker.sock',
      '/run/podman/podman.sock',
      '/var/run/podman/podman.sock',
    ]);
    expect(config(['--docker.host', 'unix:///var/run/podman/podman.sock']).dockerSocketPaths).toEqual([
      '/var/run/docker.sock',
      '/run/docker.sock',
      '/var/run/podman/podman.sock',
      '/run/podman/podman.sock',
    ]);
    // dockerd's own socket is not listed twice.
    expect(config(['--docker.host', 'unix:///run/docker.sock']).dockerSocketPaths).toEqual(['/var/run/docker.sock', '/run/docker.sock']);
  });

  it('accepts both --flag=value and --flag value, and on/off collector flags', () => {
    const c = config(['--web.listen-address', '127.0.0.1:9100', '--docker.timeout=500ms', '--no-collector.engine', '--once', '--collector.containers=true']);
    expect(c.listen).toEqual([{ host: '127.0.0.1', port: 9100 }]);
    expect(c.docker.timeoutMs).toBe(500);
    expect(c.collectors).toMatchObject({ engine: false, containers: true });
    expect(c.once).toBe(true);
  });

  it('takes a custom sensitive-path list, normalised', () => {
    expect(config(['--collector.containers.sensitive-paths=/etc/, /srv//secrets']).sensitivePaths).toEqual(['/etc', '/srv/secrets']);
  });

  it('lists every problem at once', () => {
    expect(
      problems([
        '--collection.schedule=every minute',
        '--web.listen-address=localhost',
        '--collector.bogus',
        '--docker.timeout=soon',
        '--log.level=loud',
        '--frobnicate',
        'stray',
        '--collector.containers.inspect-concurrency=0',
      ]),
    ).toEqual([
      `unknown collector "bogus" in --collector.bogus (known: ${COLLECTORS.map((d) => d.name).join(', ')})`,
      'unknown flag --frobnicate (see --help)',
      'unexpected argument "stray" (flags look like --name=value)',
      '--web.listen-address="localhost": expected [host]:port with a port from 0 to 65535 (repeat the flag for several addresses)',
      expect.stringMatching(/^--collection\.schedule="every minute": not a valid cron expression/),
      '--log.level="loud": expected one of debug, info, warn, error',
      '--docker.timeout="soon": expected a duration such as 500ms, 10s, 5m or 1h',
      '--collector.containers.inspect-concurrency="0": expected a whole number from 1 to 256',
    ]);
  });

  it('rejects values that parse but make no sense', () => {
    expect(problems(COLLECTORS.map((d) => `--no-collector.${d.name}`))).toEqual(['every collector is disabled: enable at least one']);
    expect(problems(['--web.telemetry-path=/'])[0]).toMatch(/telemetry-path/);
    expect(problems(['--web.listen-address=:70000'])[0]).toMatch(/port from 0 to 65535/);
    expect(problems(['--collector.containers.sensitive-paths=etc'])).toEqual(['--collector.containers.sensitive-paths: "etc" is not an absolute path']);
    expect(problems(['--once=maybe'])).toEqual(['--once=maybe: expected true or false']);
    expect(problems(['--docker.timeout'])).toEqual(['--docker.timeout needs a value']);
    expect(problems(['--no-docker.host'])).toEqual(['--no-docker.host: only on/off flags can be negated']);
  });

  it('caps every duration below what Node\'s timers can hold (600h overflowed into a 1 ms timeout in 0.1)', () => {
    expect(problems(['--docker.timeout=600h'])).toEqual(['--docker.timeout="600h": must be at most 10m']);
    expect(problems(['--docker.timeout=11m'])).toEqual(['--docker.timeout="11m": must be at most 10m']);
    expect(config(['--docker.timeout=10m']).docker.timeoutMs).toBe(600_000);
    expect(problems(['--collector.containers.inspect-max-age=25h', '--collector.engine.info-max-age=1000h', '--collector.resources.df-interval=100h'])).toEqual([
      '--collector.containers.inspect-max-age="25h": must be at most 24h',
      '--collector.engine.info-max-age="1000h": must be at most 24h',
      '--collector.resources.df-interval="100h": must be at most 24h',
    ]);
    expect(problems(['--collector.resources.df-interval=500ms'])).toEqual(['--collector.resources.df-interval="500ms": must be at least 1s']);
  });

  it('wants every path flag absolute, as a relative one would depend on where the exporter was started', () => {
    expect(problems(['--trivy.reports-dir=reports', '--audit.state-file=state.json', '--audit.rules-paths=/etc/audit/audit.rules,rules.d', '--audit.auditctl-path=./auditctl', '--audit.log-path=audit.log'])).toEqual([
      '--audit.rules-paths: "rules.d" is not an absolute path',
      '--audit.auditctl-path="./auditctl": expected a command name or an absolute path',
      '--trivy.reports-dir="reports": expected an absolute path (or "" for none)',
      '--audit.log-path="audit.log": expected an absolute path',
      '--audit.state-file="state.json": expected an absolute path (or "" for none)',
    ]);
    const ok = config(['--trivy.reports-dir=/srv/trivy', '--audit.state-file=', '--audit.auditctl-path=auditctl']);
    expect([ok.trivyReportsDir, ok.audit.stateFile, ok.audit.auditctlPath]).toEqual(['/srv/trivy', undefined, 'auditctl']);
  });

  it('takes --host.sys-path (default /sys) as an absolute path, beside the proc path', () => {
    expect(config([]).host).toEqual({ rootPath: '/', procPath: '/proc', sysPath: '/sys' });
    expect(config(['--host.root-path=/host', '--host.proc-path=/host/proc', '--host.sys-path=/host/sys']).host).toEqual({ rootPath: '/host', procPath: '/host/proc', sysPath: '/host/sys' });
    expect(problems(['--host.sys-path=sys'])).toEqual(['--host.sys-path="sys": expected an absolute path']);
  });

  it('takes --web.listen-address more than once, in order, and refuses the same address twice', () => {
    const c = config(['--web.listen-address=127.0.0.1:9100', '--web.listen-address', '[::1]:9100', '--web.listen-address=:0', '--web.listen-address=:0']);
    expect(c.listen).toEqual([
      { host: '127.0.0.1', port: 9100 },
      { host: '::1', port: 9100 },
      { host: undefined, port: 0 },
      { host: undefined, port: 0 },
    ]);
    // A comma is not a separator: exporter-toolkit's flag is repeated, not split.
    expect(problems(['--web.listen-address=:9100,:9101'])).toEqual(['--web.listen-address=":9100,:9101": expected [host]:port with a port from 0 to 65535 (repeat the flag for several addresses)']);
    expect(problems(['--web.listen-address=:9100', '--web.listen-address=:9100', '--web.listen-address=bad'])).toEqual([
      '--web.listen-address=":9100": given twice',
      '--web.listen-address="bad": expected [host]:port with a port from 0 to 65535 (repeat the flag for several addresses)',
    ]);
    expect(helpText('1').split('\n')).toContain('  --web.listen-address=VALUE (repeatable)');
  });

  it('takes --web.config.file as an absolute path, and no file as plain HTTP', () => {
    expect(config(['--web.config.file=/etc/dae/web.yml']).webConfigFile).toBe('/etc/dae/web.yml');
    expect(config(['--web.config.file=']).webConfigFile).toBeUndefined();
    expect(problems(['--web.config.file=web.yml'])).toEqual(['--web.config.file="web.yml": expected an absolute path (or "" for none)']);
  });

  it('answers --help and --version without validating anything else', () => {
    expect(parseConfig(['--bogus', '--help'])).toEqual({ kind: 'help' });
    expect(parseConfig(['--version'])).toEqual({ kind: 'version' });
    const help = helpText('1.2.3');
    for (const f of FLAGS) expect(help).toContain(f.name);
  });
});

describe('value parsers', () => {
  it.each([
    ['500ms', 500],
    ['10s', 10_000],
    ['1m30s', 90_000],
    ['2h', 7_200_000],
    ['0', 0],
    ['1.5s', 1500],
  ])('parseDuration(%j) = %d', (text, ms) => expect(parseDuration(text)).toBe(ms));
  it.each(['', '10', 's', '10x', '5m extra'])('parseDuration(%j) is invalid', (text) => expect(parseDuration(text)).toBeUndefined());
  it('parses listen addresses', () => {
    expect(parseListenAddress(':9795')).toEqual({ host: undefined, port: 9795 });
    expect(parseListenAddress('[::1]:80')).toEqual({ host: '::1', port: 80 });
    expect(parseListenAddress('0.0.0.0:0')).toEqual({ host: '0.0.0.0', port: 0 });
    expect(parseListenAddress('9795')).toBeUndefined();
    expect(parseListenAddress('host:port')).toBeUndefined();
  });
});

describe('--collector.containers.detail', () => {
  it('is all by default, and takes findings', () => {
    expect(config([]).containersDetail).toBe('all');
    expect(config(['--collector.containers.detail=findings']).containersDetail).toBe('findings');
    expect(config(['--collector.containers.detail', 'all']).containersDetail).toBe('all');
    expect(FLAGS.find((f) => f.name === 'collector.containers.detail')).toMatchObject({ kind: 'string', defaultText: 'all' });
  });

  it('lists any other value as a problem, with the other problems', () => {
    expect(problems(['--collector.containers.detail=some', '--log.level=loud'])).toEqual([
      '--collector.containers.detail="some": expected one of all, findings',
      '--log.level="loud": expected one of debug, info, warn, error',
    ]);
    expect(problems(['--collector.containers.detail='])).toEqual(['--collector.containers.detail="": expected one of all, findings']);
    expect(problems(['--no-collector.containers.detail'])).toEqual(['--no-collector.containers.detail: only on/off flags can be negated']);
  });

  it('makes the exporter exit 2 at start-up on a bad value', async () => {
    let stderr = '';
    const code = await run(['--collector.containers.detail=FINDINGS'], {}, { stdout: () => {}, stderr: (t) => (stderr += t) });
    expect(code).toBe(2);
    expect(stderr).toContain('--collector.containers.detail="FINDINGS": expected one of all, findings');
  });
});

describe('--output, --fail-on, --fail-on-level', () => {
  it('default to the exposition and no gate', () => {
    expect(config(['--once'])).toMatchObject({ output: 'prometheus', failOn: undefined, failOnLevel: undefined });
    expect(FLAGS.find((f) => f.name === 'output')).toMatchObject({ kind: 'string', defaultText: 'prometheus' });
  });

  it('take a format, catalog ids and a level with --once', () => {
    expect(config(['--once', '--output=json', '--fail-on=5.5, 5.10', '--fail-on-level=2'])).toMatchObject({ output: 'json', failOn: ['5.5', '5.10'], failOnLevel: 2 });
    expect(config(['--once', '--output', 'junit', '--fail-on-level', '1'])).toMatchObject({ output: 'junit', failOnLevel: 1 });
  });

  it('are refused without --once, each listed with every other problem', () => {
    expect(problems(['--output=json', '--fail-on=5.5', '--fail-on-level=1', '--log.level=loud'])).toEqual([
      '--log.level="loud": expected one of debug, info, warn, error',
      '--output needs --once (a server serves /metrics and has no exit code to gate on)',
      '--fail-on needs --once (a server serves /metrics and has no exit code to gate on)',
      '--fail-on-level needs --once (a server serves /metrics and has no exit code to gate on)',
    ]);
    expect(problems(['--once=false', '--output=prometheus'])).toEqual(['--output needs --once (a server serves /metrics and has no exit code to gate on)']);
  });

  it('refuse an unknown format, an id not in the catalog, a check that cannot fail, a bad level, and a gate without the cis collector', () => {
    expect(problems(['--once', '--output=xml', '--fail-on=9.99,5.5,1.1.1', '--fail-on-level=3'])).toEqual([
      '--output="xml": expected one of prometheus, json, junit',
      '--fail-on: "9.99" is not a CIS check of the catalog (docs/cis.md lists them, e.g. 5.5)',
      '--fail-on: CIS 1.1.1 is not automated here (it needs a human), so it can never fail: leave it out',
      '--fail-on-level="3": expected 1 (level-1 checks) or 2 (level 1 and 2)',
    ]);
    expect(problems(['--once', '--fail-on='])).toEqual(['--fail-on="": expected comma-separated CIS check ids such as 5.5,5.10']);
    expect(problems(['--once', '--fail-on=5.5', '--no-collector.cis'])).toEqual(['--fail-on and --fail-on-level need the cis collector, which --no-collector.cis disables']);
  });

  it('make the exporter exit 2 at start-up, naming the bad id', async () => {
    let stderr = '';
    const code = await run(['--once', '--fail-on=9.99'], {}, { stdout: () => {}, stderr: (t) => (stderr += t) });
    expect(code).toBe(2);
    expect(stderr).toContain('--fail-on: "9.99" is not a CIS check of the catalog');
  });
});

describe('--collector.processes.*', () => {
  it('reads each running container every 5m, 4 at once, and knows the whole-OS names of the documented list', () => {
    expect(config([]).processes).toEqual({ intervalMs: 300_000, concurrency: 4, maxPerCollection: 50, fullOsNames: ['systemd', 'init', 's6-svscan', 'runit', 'sshd', 'cron', 'crond', 'rsyslogd', 'supervisord'] });
    expect(config(['--collector.processes.interval=30s', '--collector.processes.concurrency=16', '--collector.processes.max-per-collection=0', '--collector.processes.full-os-names= sshd, sshd,my-init ']).processes).toEqual({
      intervalMs: 30_000,
      concurrency: 16,
      maxPerCollection: 0,
      fullOsNames: ['sshd', 'my-init'],
    });
    expect(config(['--collector.processes.full-os-names=']).processes.fullOsNames).toEqual([]);
  });

  it('lists every bad value at once', () => {
    expect(problems(['--collector.processes.interval=500ms', '--collector.processes.concurrency=0', '--collector.processes.full-os-names=sshd,/sbin/init,sshd:'])).toEqual([
      '--collector.processes.full-os-names: "/sbin/init": expected a process name such as sshd (no blanks, no "/", not starting with "-" or "[")',
      '--collector.processes.full-os-names: "sshd:": expected a process name without the trailing ":"',
      '--collector.processes.interval="500ms": must be at least 1s',
      '--collector.processes.concurrency="0": expected a whole number from 1 to 64',
    ]);
    expect(problems(['--collector.processes.interval=25h', '--collector.processes.max-per-collection=-1'])).toEqual([
      '--collector.processes.interval="25h": must be at most 24h',
      '--collector.processes.max-per-collection="-1": expected a whole number from 0 to 100000',
    ]);
  });
});
