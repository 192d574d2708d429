import { CIS_CHECK_BY_ID } from '../../../src/cis/checks';
import { rawDaemonOption } from '../../../src/cis/evaluators';
import { fileModeOk } from '../../../src/model/daemon-files';
import type { ContainerInspect } from '../../../src/readers/engine-types';
import type { CisFacts, Judgement } from '../../../src/cis/facts';
import type { ImageFacts } from '../../../src/facts/images';
import type { AuditRulesFacts } from '../../../src/facts/audit-rules';
import { ALL_RECORDED, DOCKER_GID, POSTURE_OPTIONS, daemonFacts, facts, file, recorded } from './facts';

function judge(id: string, f: CisFacts): Judgement {
  const check = CIS_CHECK_BY_ID.get(id);
  if (!check?.evaluate) throw new Error(`${id} has no evaluator`);
  return check.evaluate(f);
}
/** The offending objects, sorted; undefined when the check was not judged. */
function offenders(id: string, f: CisFacts): string[] | undefined {
  const j = judge(id, f);
  return j.judged ? j.offenders.map((o) => o.object).sort() : undefined;
}
const rec = (...names: string[]) => names.map((n) => `fixture-rec-${n}`).sort();
const EVERY = ['caps', 'compose', 'exited', 'hardened', 'hostns', 'mounts', 'oom', 'ports', 'privileged', 'restartloop', 'unhealthy'];
const allBut = (...names: string[]) => rec(...EVERY.filter((n) => !names.includes(n)));

describe('container checks on inspects recorded from Docker Engine 20.10', () => {
  const recordedFacts = facts({ containers: ALL_RECORDED(), daemon: daemonFacts() });

  it.each([
    ['4.1', allBut('hardened')], // ports runs as "0:0", unhealthy as "root"
    ['5.4', rec('caps')],
    ['5.5', rec('privileged')], // created, never started: still judged
    ['5.6', rec('mounts')],
    ['5.8', []],
    ['5.10', rec('hostns')],
    ['5.11', allBut('hardened', 'oom')],
    ['5.12', allBut('hardened', 'ports')], // ports has a --cpu-quota limit
    ['5.13', allBut('hardened')],
    ['5.14', rec('ports')], // 81/udp on 0.0.0.0 and ::, 80/tcp on 127.0.0.1
    ['5.15', rec('restartloop')], // --restart always
    ['5.16', rec('hostns')],
    ['5.17', rec('hostns')],
    ['5.18', []],
    ['5.20', []],
    ['5.21', rec('hostns')],
    ['5.22', rec('caps', 'privileged')],
    ['5.25', []],
    ['5.26', allBut('hardened')],
    ['5.27', allBut('hardened', 'unhealthy')],
    ['5.29', allBut('hardened')],
    ['5.30', allBut('hostns')],
    ['5.31', []],
    ['5.32', rec('mounts')],
    ['6.2', []],
  ])('%s fails exactly %j', (id, expected) => {
    expect(offenders(id, recordedFacts)).toEqual(expected);
  });

  it('judges no container check without the containers, and none needing the daemon without it', () => {
    for (const id of ['4.1', '5.5', '5.32']) expect(judge(id, facts())).toEqual({ judged: false, offenders: [] });
    expect(judge('5.26', facts({ containers: ALL_RECORDED() })).judged).toBe(false);
    expect(offenders('5.5', facts({ containers: [] }))).toEqual([]);
  });

  it('5.6 counts a read-only /etc, and matches by path segment', () => {
    const ro = recorded('exited', (c) => (c.Mounts = [{ Type: 'bind', Source: '/etc', Destination: '/h', RW: false }]));
    const etcetera = recorded('compose', (c) => (c.Mounts = [{ Type: 'bind', Source: '/etcetera/../etc/ssl/', Destination: '/h', RW: false }]));
    const lookalike = recorded('oom', (c) => (c.Mounts = [{ Type: 'bind', Source: '/etcetera', Destination: '/h', RW: true }]));
    const volume = recorded('caps', (c) => (c.Mounts = [{ Type: 'volume', Source: '/var/lib/docker/volumes/x/_data', Destination: '/h', RW: true }]));
    expect(offenders('5.6', facts({ containers: [ro, etcetera, lookalike, volume] }))).toEqual(rec('exited', 'compose'));
    // The flag decides what is sensitive.
    const own = { ...POSTURE_OPTIONS, sensitivePaths: ['/etcetera'] };
    const roOwn = recorded('exited', (c) => (c.Mounts = [{ Type: 'bind', Source: '/etc', Destination: '/h', RW: false }]), own);
    const lookalikeOwn = recorded('oom', (c) => (c.Mounts = [{ Type: 'bind', Source: '/etcetera', Destination: '/h', RW: true }]), own);
    expect(offenders('5.6', facts({ containers: [roOwn, lookalikeOwn] }))).toEqual(rec('oom'));
  });

  it('5.32 matches the socket and the directories above it, not any path containing docker.sock', () => {
    const dir = recorded('exited', (c) => (c.Mounts = [{ Type: 'bind', Source: '/run', Destination: '/r', RW: true }]));
    const other = recorded('compose', (c) => (c.Mounts = [{ Type: 'bind', Source: '/home/me/docker.sock.bak', Destination: '/r', RW: true }]));
    expect(offenders('5.32', facts({ containers: [dir, other] }))).toEqual(rec('exited'));
  });

  it('5.4 ignores Docker\'s default capabilities, in any spelling', () => {
    const defaults = recorded('exited', (c) => (c.HostConfig!.CapAdd = ['chown', 'CAP_NET_BIND_SERVICE']));
    const all = recorded('compose', (c) => (c.HostConfig!.CapAdd = ['ALL']));
    expect(offenders('5.4', facts({ containers: [defaults, all] }))).toEqual(rec('compose'));
  });

  it('5.8 flags host ports below 1024 only; 0 and empty are random ports', () => {
    const at = (port: string) => (c: ContainerInspect) => {
      c.NetworkSettings = { Ports: {} };
      c.HostConfig!.PortBindings = { '80/tcp': [{ HostIp: '127.0.0.1', HostPort: port }] };
    };
    const containers = [recorded('exited', at('80')), recorded('compose', at('1024')), recorded('oom', at('')), recorded('caps', at('1023'))];
    expect(offenders('5.8', facts({ containers }))).toEqual(rec('exited', 'caps'));
  });

  it('5.15 fails always, unless-stopped, unbounded on-failure and more than 5 retries', () => {
    const policy = (Name: string, MaximumRetryCount = 0) => (c: { HostConfig?: { RestartPolicy?: object } }) => (c.HostConfig!.RestartPolicy = { Name, MaximumRetryCount });
    const containers = [
      recorded('exited', policy('on-failure', 5)),
      recorded('compose', policy('on-failure', 6)),
      recorded('oom', policy('on-failure', 0)),
      recorded('caps', policy('unless-stopped')),
      recorded('hardened', policy('')),
      recorded('unhealthy', policy('no')),
    ];
    expect(offenders('5.15', facts({ containers }))).toEqual(rec('compose', 'oom', 'caps'));
  });

  it('5.26 takes the daemon default unless the container overrides it', () => {
    const off = recorded('exited', (c) => (c.HostConfig!.SecurityOpt = ['no-new-privileges=false']));
    const on = recorded('compose', (c) => (c.HostConfig!.SecurityOpt = ['no-new-privileges:true']));
    const unset = recorded('oom');
    expect(offenders('5.26', facts({ containers: [off, on, unset], daemon: daemonFacts({ noNewPrivileges: true }) }))).toEqual(rec('exited'));
    expect(offenders('5.26', facts({ containers: [off, on, unset], daemon: daemonFacts() }))).toEqual(rec('exited', 'oom'));
  });

  it('5.2 and 5.3 are judged only where the daemon has AppArmor or SELinux on', () => {
    const containers = ALL_RECORDED((c) => (c.AppArmorProfile = c.HostConfig?.Privileged ? 'unconfined' : 'docker-default'));
    expect(offenders('5.2', facts({ containers, daemon: daemonFacts() }))).toBeUndefined();
    expect(offenders('5.3', facts({ containers, daemon: daemonFacts() }))).toBeUndefined();
    // caps asked for apparmor=unconfined; privileged is unconfined whatever it asks.
    expect(offenders('5.2', facts({ containers, daemon: daemonFacts({ apparmor: true }) }))).toEqual(rec('caps', 'privileged'));
    // hostns and privileged were recorded with label=disable.
    expect(offenders('5.3', facts({ containers, daemon: daemonFacts({ selinux: true }) }))).toEqual(rec('hostns', 'privileged'));
  });

  it('5.20 flags shared and rshared propagation', () => {
    const shared = recorded('exited', (c) => (c.Mounts = [{ Type: 'bind', Source: '/mnt', Destination: '/m', Propagation: 'rshared' }]));
    const slave = recorded('compose', (c) => (c.Mounts = [{ Type: 'bind', Source: '/mnt', Destination: '/m', Propagation: 'rslave' }]));
    expect(offenders('5.20', facts({ containers: [shared, slave] }))).toEqual(rec('exited'));
  });

  it('6.2 flags the non-running containers once more than 25 are not running', () => {
    const many = Array.from({ length: 26 }, (_, i) => recorded('exited', (c) => (c.Name = `/idle-${i}`)));
    expect(offenders('6.2', facts({ containers: [...many, recorded('hardened')] }))).toHaveLength(26);
    expect(offenders('6.2', facts({ containers: many.slice(1) }))).toEqual([]);
  });

  it('5.23 and 5.24 are judged from exec findings only when they are given', () => {
    const containers = [recorded('exited'), recorded('hardened')];
    expect(offenders('5.23', facts({ containers }))).toBeUndefined();
    const execs = new Map([[containers[0].id, { privileged: 0, asRoot: 2 }], [containers[1].id, { privileged: 1, asRoot: 0 }]]);
    expect(offenders('5.23', facts({ containers, execs }))).toEqual(rec('hardened'));
    expect(offenders('5.24', facts({ containers, execs }))).toEqual(rec('exited'));
  });
});

describe('daemon checks', () => {
  const d = (settings: Parameters<typeof daemonFacts>[0] = {}, extra: Parameters<typeof daemonFacts>[1] = {}) => facts({ daemon: daemonFacts(settings, extra) });

  it('fail on dockerd 20.10\'s defaults exactly where the benchmark asks for a change', () => {
    const failing = ['2.2', '2.3', '2.4', '2.5', '2.6', '2.7', '2.9', '2.10', '2.11', '2.12', '2.13', '2.14', '2.15', '2.16', '2.18', '5.1'].filter((id) => offenders(id, d())!.length > 0);
    expect(failing).toEqual(['2.2', '2.9', '2.12', '2.13', '2.14', '2.15', '2.16']);
    expect(offenders('2.2', d())).toEqual(['daemon']);
  });

  it('pass once hardened', () => {
    const hardened = d({ icc: false, usernsRemap: 'default', authorizationPlugins: ['authz'], logDriver: 'syslog', noNewPrivileges: true, liveRestore: true, userlandProxy: false });
    for (const id of ['2.2', '2.9', '2.12', '2.13', '2.14', '2.15', '2.16']) expect(offenders(id, hardened)).toEqual([]);
  });

  it('judge nothing without daemon facts', () => {
    for (const id of ['2.2', '2.5', '2.7', '3.1', '5.1']) expect(judge(id, facts()).judged).toBe(false);
  });

  it('2.5 lists each insecure registry but never 127.0.0.0/8', () => {
    expect(offenders('2.5', d({ insecureRegistries: ['127.0.0.0/8', 'registry.local:5000', '10.0.0.0/8'] }))).toEqual(['10.0.0.0/8', 'registry.local:5000']);
    expect(offenders('2.5', d({ insecureRegistries: ['127.0.0.0/8'] }))).toEqual([]);
  });

  it('2.7 fails TCP listeners without verified TLS and addresses the probe found open', () => {
    const listeners = [
      { address: 'unix:///var/run/docker.sock', scheme: 'unix', tls: false, tlsVerify: false },
      { address: 'tcp://0.0.0.0:2376', scheme: 'tcp', tls: true, tlsVerify: true },
      { address: 'tcp://127.0.0.1:2375', scheme: 'tcp', tls: false, tlsVerify: false },
      { address: 'tcp://10.0.0.1:2377', scheme: 'tcp', tls: true, tlsVerify: false },
    ];
    const probes = [
      { address: '127.0.0.1:2375', exposed: true },
      { address: '127.0.0.1:2380', exposed: true },
      { address: '127.0.0.1:2381', exposed: false },
    ];
    expect(offenders('2.7', d({ listeners }, { probes }))).toEqual(['127.0.0.1:2380', 'tcp://10.0.0.1:2377', 'tcp://127.0.0.1:2375']);
    expect(offenders('2.7', d())).toEqual([]);
    // A 0.0.0.0 listener is probed on loopback: one finding, not two.
    const wildcard = [{ address: 'tcp://0.0.0.0:2375', scheme: 'tcp', tls: false, tlsVerify: false }];
    const probed = [{ address: '127.0.0.1:2375', exposed: true, listener: 'tcp://0.0.0.0:2375' }];
    expect(offenders('2.7', d({ listeners: wildcard }, { probes: probed }))).toEqual(['tcp://0.0.0.0:2375']);
  });

  it('2.11 reads dm.basesize from the flags or daemon.json', () => {
    expect(offenders('2.11', d({}, { cmdline: { state: 'ok', args: ['dockerd', '--storage-opt', 'dm.basesize=20G'] } }))).toEqual(['daemon']);
    expect(offenders('2.11', d({}, { config: { path: '/etc/docker/daemon.json', state: 'ok', values: { 'storage-opts': ['dm.basesize=20G'] } } }))).toEqual(['daemon']);
    expect(rawDaemonOption(daemonFacts({}, { cmdline: { state: 'ok', args: ['dockerd', '--storage-opt=a', '--storage-opt', 'b'] } }), 'storage-opt', 'storage-opts')).toEqual(['a', 'b']);
  });

  it('2.13 fails local-only log drivers', () => {
    expect(['json-file', 'local', 'none', 'syslog', 'journald', 'fluentd'].filter((logDriver) => offenders('2.13', d({ logDriver }))!.length > 0)).toEqual(['json-file', 'local', 'none']);
  });

  it('2.15 and 5.1 read swarm mode from /info', () => {
    const swarm = { info: { ServerVersion: '20.10.24', Swarm: { LocalNodeState: 'active' } } as never };
    expect(offenders('2.15', d({}, swarm))).toEqual([]);
    expect(offenders('5.1', d({}, swarm))).toEqual(['daemon']);
    expect(offenders('5.1', d())).toEqual([]);
    expect(judge('5.1', d({}, { info: undefined })).judged).toBe(false);
  });
});

describe('daemon file checks (section 3)', () => {
  const withFiles = (...files: ReturnType<typeof file>[]) => facts({ daemon: daemonFacts({}, { files }) });

  it('are judged only for files that exist', () => {
    expect(judge('3.1', withFiles()).judged).toBe(false);
    expect(offenders('3.1', withFiles(file('docker.service', '/lib/systemd/system/docker.service', 0o644)))).toEqual([]);
  });

  it('compare permission bits, not octal numbers as decimals', () => {
    expect(fileModeOk({ mode: 0o644 }, 0o644)).toBe(true);
    expect(fileModeOk({ mode: 0o600 }, 0o644)).toBe(true);
    expect(fileModeOk({ mode: 0o560 }, 0o644)).toBe(false); // 560 <= 644 as a number, but group may write
    expect(fileModeOk({ mode: 0o4644 }, 0o644)).toBe(false); // setuid
    const files = [file('daemon.json', '/etc/docker/daemon.json', 0o664), file('docker.sock', '/run/docker.sock', 0o660, 0, DOCKER_GID), file('tlskey', '/etc/docker/key.pem', 0o000)];
    expect(offenders('3.18', withFiles(...files))).toEqual(['/etc/docker/daemon.json']);
    expect(offenders('3.16', withFiles(...files))).toEqual([]);
    expect(offenders('3.14', withFiles(...files))).toEqual([]);
    expect(offenders('3.14', withFiles(file('tlskey', '/etc/docker/key.pem', 0o440)))).toEqual(['/etc/docker/key.pem']);
  });

  it('judge every file of a role, each on its own owner and mode bits', () => {
    expect(offenders('3.17', withFiles(file('daemon.json', '/etc/docker/daemon.json', 0o644, 0, 0), file('daemon.json', '/etc/docker/other.json', 0o644, 0, 3)))).toEqual(['/etc/docker/other.json']);
    expect(offenders('3.18', withFiles(file('daemon.json', '/etc/docker/daemon.json', 0o560)))).toEqual(['/etc/docker/daemon.json']);
  });

  it('check owner and group; the socket may be root:docker or root:root', () => {
    expect(offenders('3.17', withFiles(file('daemon.json', '/etc/docker/daemon.json', 0o644, 0, 5)))).toEqual(['/etc/docker/daemon.json']);
    expect(offenders('3.15', withFiles(file('docker.sock', '/var/run/docker.sock', 0o660, 0, DOCKER_GID)))).toEqual([]);
    expect(offenders('3.15', withFiles(file('docker.sock', '/var/run/docker.sock', 0o660, 0, 0)))).toEqual([]);
    expect(offenders('3.15', withFiles(file('docker.sock', '/var/run/docker.sock', 0o660, 0, 1000)))).toEqual(['/var/run/docker.sock']);
    expect(offenders('3.15', withFiles(file('docker.sock', '/var/run/docker.sock', 0o660, 1000, DOCKER_GID)))).toEqual(['/var/run/docker.sock']);
    expect(offenders('3.7', withFiles(file('registry-certs', '/etc/docker/certs.d/r/ca.crt', 0o444), file('registry-certs', '/etc/docker/certs.d/s/ca.crt', 0o444, 1000, 0)))).toEqual(['/etc/docker/certs.d/s/ca.crt']);
  });
});

describe('image checks', () => {
  const image = (name: string, extra: Partial<ImageFacts>): ImageFacts =>
    ({
      summary: { Id: `sha256:${'a'.repeat(64)}` },
      inspect: { Id: `sha256:${'a'.repeat(64)}` },
      history: [],
      name,
      dangling: name === '<none>',
      inUse: true,
      id: `sha256:${'a'.repeat(64)}`,
      shortId: 'aaaaaaaaaaaa',
      tags: name === '<none>' ? [] : [name],
      repoDigests: [],
      runsAsRoot: true,
      healthcheckDefined: false,
      ...extra,
    }) as ImageFacts;
  const layers = (...cmds: string[]) => [...cmds, 'ADD file:0123 in / '].map((CreatedBy) => ({ CreatedBy }));

  it('4.6 fails images without a healthcheck; dangling ones are named by short id', () => {
    const images = [image('a:1', { healthcheckDefined: true }), image('b:1', {}), image('<none>', {}), image('gone:1', { healthcheckDefined: undefined })];
    expect(offenders('4.6', facts({ images }))).toEqual(['aaaaaaaaaaaa', 'b:1']);
    expect(judge('4.6', facts()).judged).toBe(false);
  });

  it('4.7 fails a package index update without an install in the same command', () => {
    const images = [
      image('alone:1', { history: layers('/bin/sh -c apt-get update') }),
      image('together:1', { history: layers('/bin/sh -c apt-get -q update && apt-get install -y curl') }),
      image('apk:1', { history: layers('RUN /bin/sh -c apk update # buildkit') }),
      image('word:1', { history: layers('/bin/sh -c echo updated > /x') }),
      image('unread:1', { history: undefined }),
    ];
    expect(offenders('4.7', facts({ images }))).toEqual(['alone:1', 'apk:1']);
  });

  it('4.9 fails ADD in any layer but the base image\'s root filesystem', () => {
    const images = [
      image('add:1', { history: layers('/bin/sh -c #(nop) ADD file:abc in /app ') }),
      image('buildkit:1', { history: layers('ADD app.tar / # buildkit') }),
      image('copy:1', { history: layers('/bin/sh -c #(nop) COPY file:abc in /app ', '/bin/sh -c echo ADDRESS') }),
      image('base:1', { history: layers() }),
    ];
    expect(offenders('4.9', facts({ images }))).toEqual(['add:1', 'buildkit:1']);
  });

  it('6.1 flags the unused images when fewer than half are used', () => {
    const used = image('used:1', {});
    const unused = (n: string) => image(n, { inUse: false });
    expect(offenders('6.1', facts({ images: [used, unused('x:1')] }))).toEqual([]);
    expect(offenders('6.1', facts({ images: [used, unused('x:1'), unused('y:1')] }))).toEqual(['x:1', 'y:1']);
  });
});

describe('audit rule checks (1.1.x)', () => {
  const rules = (coverage: AuditRulesFacts['coverage'], source: AuditRulesFacts['source'] = 'auditctl'): AuditRulesFacts => ({ source, coverage, keys: ['docker'] });

  it('are judged for the paths that exist; a rule must watch writes and attribute changes', () => {
    const auditRules = rules([
      { check: '1.1.3', path: '/usr/bin/dockerd', covered: true, permissionsOk: true },
      { check: '1.1.5', path: '/var/lib/docker', covered: true, permissionsOk: false },
      { check: '1.1.6', path: '/etc/docker', covered: false, permissionsOk: false },
    ]);
    expect(offenders('1.1.3', facts({ auditRules }))).toEqual([]);
    expect(offenders('1.1.5', facts({ auditRules }))).toEqual(['/var/lib/docker']);
    expect(offenders('1.1.6', facts({ auditRules }))).toEqual(['/etc/docker']);
    expect(offenders('1.1.4', facts({ auditRules }))).toBeUndefined(); // /run/containerd not listed: absent on this host
  });

  it('are not judged when no rules could be read', () => {
    expect(offenders('1.1.3', facts({ auditRules: rules([{ check: '1.1.3', path: '/usr/bin/dockerd', covered: false, permissionsOk: false }], 'none') }))).toBeUndefined();
  });
});
