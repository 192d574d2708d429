// The iptables-save parser and what it says about Docker's chains, on output recorded from
// Debian's iptables 1.8.9 with dockerd 20.10 on this host (test/fixtures/firewall/README.md)
// and hand-written edge cases.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MAX_PROBLEMS, dockerFirewall, iptablesBackend, parseIptablesSave, unfilteredPublishedPorts } from '../../../src/model/iptables';
import { containerPosture } from '../../../src/model/posture';
import type { ContainerInspect } from '../../../src/readers/engine-types';
import { recordedInspect } from '../../helpers/fixtures';
import { POSTURE_OPTIONS } from '../cis/facts';

const FIXTURES = path.join(__dirname, '..', '..', 'fixtures', 'firewall');
const fixture = (name: string) => fs.readFileSync(path.join(FIXTURES, name), 'utf8');

describe('parseIptablesSave', () => {
  it('reads the recorded nf_tables filter table: chains, policies and rules in order', () => {
    const save = parseIptablesSave(fixture('nft-20.10-published.rules'));
    expect(save.problems).toEqual([]);
    expect([...save.tables.keys()]).toEqual(['filter']);
    const chains = save.tables.get('filter')!.chains;
    expect([...chains.values()].map((c) => [c.name, c.policy, c.rules.length])).toEqual([
      ['INPUT', 'ACCEPT', 0],
      ['FORWARD', 'DROP', 6],
      ['OUTPUT', 'ACCEPT', 0],
      ['DOCKER', undefined, 2],
      ['DOCKER-ISOLATION-STAGE-1', undefined, 2],
      ['DOCKER-ISOLATION-STAGE-2', undefined, 2],
      ['DOCKER-USER', undefined, 1],
    ]);
    expect(chains.get('FORWARD')!.rules[0]).toBe('-j DOCKER-USER');
    expect(chains.get('DOCKER')!.rules).toEqual([
      '-d 172.17.0.2/32 ! -i docker0 -o docker0 -p udp -m udp --dport 81 -j ACCEPT',
      '-d 172.17.0.2/32 ! -i docker0 -o docker0 -p tcp -m tcp --dport 80 -j ACCEPT',
    ]);
  });

  it('reads the recorded legacy tables, whose header names no backend', () => {
    const save = parseIptablesSave(fixture('legacy-empty.rules'));
    expect(save.problems).toEqual([]);
    expect(dockerFirewall(save)).toEqual({ forwardPolicy: 'ACCEPT', dockerUserChainPresent: false, dockerUserRules: 0, chainRules: [] });
  });

  it('keeps several tables apart', () => {
    const save = parseIptablesSave(fixture('hand-drop-policy.rules'));
    expect(save.problems).toEqual([]);
    expect([...save.tables.keys()]).toEqual(['filter', 'nat']);
    // The nat table's DOCKER chain is not the filter table's.
    expect(dockerFirewall(save).chainRules).toContainEqual({ chain: 'DOCKER', rules: 1 });
    expect(save.tables.get('nat')!.chains.get('DOCKER')!.rules).toEqual(['-d 127.0.0.1/32 -j RETURN']);
  });

  it('never throws on malformed input: each line it cannot use is a problem, the rest is read', () => {
    const save = parseIptablesSave(fixture('hand-malformed.rules'));
    expect(save.problems).toHaveLength(9);
    expect(save.problemCount).toBe(9);
    expect(save.problems[0]).toBe('line 2: outside a table: -A DOCKER-USER -j DROP');
    expect(save.problems).toContain('line 5: not a chain line: :FORWARD');
    expect(save.problems).toContain('line 7: rule for the undeclared chain DOCKER-USER: -A DOCKER-USER -s 10.0.0.0/8 -j DROP');
    expect(save.problems).toContain('line 13: COMMIT outside a table: COMMIT');
    expect(save.problems[save.problems.length - 1]).toMatch(/table filter not committed by the end of the input$/);
    // The second *filter adds to the first, as iptables-restore would.
    expect(dockerFirewall(save)).toEqual({ forwardPolicy: 'DROP', dockerUserChainPresent: true, dockerUserRules: 1, chainRules: [{ chain: 'DOCKER-USER', rules: 2 }] });
  });

  it('keeps at most MAX_PROBLEMS problems, counting them all, and cuts long lines', () => {
    const text = ['*filter', ...Array.from({ length: 1000 }, (_, i) => `junk ${i} ${'x'.repeat(i === 0 ? 1000 : 1)}`), 'COMMIT'].join('\n');
    const save = parseIptablesSave(text);
    expect(save.problemCount).toBe(1000);
    expect(save.problems).toHaveLength(MAX_PROBLEMS);
    expect(save.problems[0].length).toBeLessThan(300);
  });

  it('reads empty input, CRLF line ends and the stderr warning line as nothing wrong', () => {
    expect(parseIptablesSave('')).toEqual({ tables: new Map(), problems: [], problemCount: 0 });
    const crlf = parseIptablesSave(fixture('nft-20.10-docker-user-rule.rules').replace(/\n/g, '\r\n'));
    expect(crlf.problems).toEqual([]);
    expect(dockerFirewall(crlf).dockerUserRules).toBe(1);
    // nf_tables prints it on stderr; were it merged into stdout, it is a comment.
    const merged = parseIptablesSave(fixture('nft-20.10-published.rules') + fixture('nft-20.10-published.stderr'));
    expect(merged.problems).toEqual([]);
  });
});

describe('iptablesBackend', () => {
  it('reads the recorded --version outputs', () => {
    expect(iptablesBackend(fixture('nft-version.txt'))).toBe('iptables-nft');
    expect(iptablesBackend(fixture('legacy-version.txt'))).toBe('iptables-legacy');
  });
  it('takes a version before 1.8 (no nf_tables backend then) as legacy, and anything else as unknown', () => {
    expect(iptablesBackend('iptables-save v1.6.1\n')).toBe('iptables-legacy');
    expect(iptablesBackend('iptables-save v1.8.4\n')).toBeUndefined();
    expect(iptablesBackend('')).toBeUndefined();
    expect(iptablesBackend('nft v1.0.6 (Lester Gooch #5)')).toBeUndefined();
  });
});

describe('dockerFirewall', () => {
  it('on the recorded rules: FORWARD DROP, DOCKER-USER with only the default RETURN', () => {
    expect(dockerFirewall(parseIptablesSave(fixture('nft-20.10-published.rules')))).toEqual({
      forwardPolicy: 'DROP',
      dockerUserChainPresent: true,
      dockerUserRules: 0,
      chainRules: [
        { chain: 'DOCKER', rules: 2 },
        { chain: 'DOCKER-USER', rules: 1 },
        { chain: 'DOCKER-ISOLATION-STAGE-1', rules: 2 },
        { chain: 'DOCKER-ISOLATION-STAGE-2', rules: 2 },
      ],
    });
  });
  it('counts the recorded rule added with iptables -I DOCKER-USER', () => {
    expect(dockerFirewall(parseIptablesSave(fixture('nft-20.10-docker-user-rule.rules'))).dockerUserRules).toBe(1);
  });
  it('counts every DOCKER-USER rule but a bare RETURN, wherever it stands; a RETURN with a match counts', () => {
    const fw = dockerFirewall(parseIptablesSave(fixture('hand-drop-policy.rules')));
    expect(fw.forwardPolicy).toBe('DROP');
    expect(fw.dockerUserRules).toBe(2);
    expect(fw.chainRules).toContainEqual({ chain: 'DOCKER-USER', rules: 3 });
  });
  it('without Docker chains (iptables=false): no DOCKER-USER, no counts', () => {
    expect(dockerFirewall(parseIptablesSave(fixture('hand-no-docker-user.rules')))).toEqual({ forwardPolicy: 'ACCEPT', dockerUserChainPresent: false, dockerUserRules: 0, chainRules: [] });
  });
  it('without a filter table: nothing known', () => {
    expect(dockerFirewall(parseIptablesSave('*nat\n:PREROUTING ACCEPT [0:0]\nCOMMIT\n'))).toEqual({ forwardPolicy: undefined, dockerUserChainPresent: false, dockerUserRules: 0, chainRules: [] });
  });
});

describe('unfilteredPublishedPorts', () => {
  const withPorts = (base: ContainerInspect, bindings: Record<string, { HostIp: string; HostPort: string }[]>, bound: Record<string, { HostIp: string; HostPort: string }[] | null>, running = true): ContainerInspect => ({
    ...base,
    State: { ...base.State, Running: running },
    HostConfig: { ...base.HostConfig, PortBindings: bindings },
    NetworkSettings: { ...base.NetworkSettings, Ports: bound },
  });
  const entry = (inspect: ContainerInspect) => ({ posture: containerPosture(inspect, POSTURE_OPTIONS), inspect });
  const open = { dockerUserChainPresent: true, dockerUserRules: 0 };
  const ports = (list: ReturnType<typeof unfilteredPublishedPorts>) => list.map((u) => [u.posture.name, u.port.hostIp, u.port.hostPort, u.port.containerPort, u.port.protocol]);

  it('on the recorded "ports" container: 81/udp published on all interfaces is unfiltered, 127.0.0.1:18080 never', () => {
    const recorded = entry(recordedInspect('ports'));
    expect(ports(unfilteredPublishedPorts([recorded], open))).toEqual([[recorded.posture.name, '0.0.0.0', '18081', '81', 'udp']]);
  });

  it('reports nothing while DOCKER-USER has a rule, or when it does not exist', () => {
    const recorded = [entry(recordedInspect('ports'))];
    expect(unfilteredPublishedPorts(recorded, { dockerUserChainPresent: true, dockerUserRules: 1 })).toEqual([]);
    expect(unfilteredPublishedPorts(recorded, { dockerUserChainPresent: false, dockerUserRules: 0 })).toEqual([]);
  });

  it('counts running containers only, and only ports they bound; a port Docker picked keeps its configured label', () => {
    const base = recordedInspect('ports');
    const b = (HostIp: string, HostPort: string) => [{ HostIp, HostPort }];
    const stopped = entry(withPorts(base, { '80/tcp': b('', '8080') }, {}, false));
    const hostNetwork = entry(withPorts(base, { '80/tcp': b('', '8080') }, {})); // Docker discards the ports on the host network
    const picked = entry(withPorts(base, { '80/tcp': b('', '') }, { '80/tcp': [{ HostIp: '0.0.0.0', HostPort: '49153' }, { HostIp: '::', HostPort: '49153' }] }));
    const v6 = entry(withPorts(base, { '80/tcp': b('::', '8081') }, { '80/tcp': b('::', '8081') }));
    const loopback = entry(withPorts(base, { '80/tcp': b('127.0.0.1', '8082'), '81/tcp': b('10.0.0.1', '8083') }, { '80/tcp': b('127.0.0.1', '8082'), '81/tcp': b('10.0.0.1', '8083') }));
    const nullBinding = entry(withPorts(base, { '80/tcp': b('0.0.0.0', '8084') }, { '80/tcp': null }));
    expect(ports(unfilteredPublishedPorts([stopped, hostNetwork, picked, v6, loopback, nullBinding], open))).toEqual([
      [picked.posture.name, '0.0.0.0', '', '80', 'tcp'],
      [v6.posture.name, '::', '8081', '80', 'tcp'],
    ]);
  });
});
