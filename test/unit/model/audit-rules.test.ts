import * as fs from 'node:fs';
import * as path from 'node:path';
import { coverageOf, parseAuditRules, parseAuditStatus, pathRules, ruleKeys, targetCovers, type AuditRule, type WatchTarget } from '../../../src/model/audit-rules';

const FIXTURES = path.join(__dirname, '..', '..', 'fixtures', 'audit-rules');
const fixture = (name: string) => fs.readFileSync(path.join(FIXTURES, name), 'utf8');

/** "path match perms action list keys" per rule, to compare whole rule sets at a glance. */
const brief = (rules: readonly AuditRule[]) => rules.map((r) => `${r.path ?? '-'} ${r.match ?? '-'} ${r.perms || '?'} ${r.action},${r.list} ${r.keys.join('+') || '-'}`);

// A rules file as an administrator writes it, with everything auditctl accepts around the rules.
const RULES_FILE = `## Docker rules (written by the test)
# -w /etc/shadow -p wa -k commented-out
-D
-b 8192
-f 1
-e 1
--backlog_wait_time 60000

  -w /etc/docker -p wa -k docker
-w /var/lib/docker-old -p wa -k trap
-a always,exit -F path=/usr/sbin/dockerd -F perm=wa -k docker
-a exit,always -F dir=/run/containerd/ -F perm=war -F key=containerd
-w /usr/bin/runc
-a never,exit -F path=/etc/default/docker -F perm=wa -k never
-a always,exit -F arch=b64 -S openat,unlinkat -F dir=/etc/containerd -k syscalls
-a always,exit -F arch=b64 -S all -F path=/usr/bin/containerd -F key=all
-a always,exit -F arch=b64 -S execve -F path!=/usr/bin/true -k not-a-path
-w/etc/sysconfig/docker -pwa -kattached
-a always,user -F uid=0 -k user-list
`;

describe('parseAuditRules on a rules file', () => {
  const { rules, problems } = parseAuditRules(RULES_FILE, 'docker.rules');

  it('reads every rule, and nothing from comments or control lines', () => {
    expect(problems).toEqual([]);
    expect(brief(rules)).toEqual([
      '/etc/docker watch wa always,exit docker',
      '/var/lib/docker-old watch wa always,exit trap',
      '/usr/sbin/dockerd exact wa always,exit docker',
      '/run/containerd tree rwa always,exit containerd',
      '/usr/bin/runc watch rwxa always,exit -', // -w without -p audits every access
      '/etc/default/docker exact wa never,exit never',
      '/etc/containerd tree ? always,exit syscalls', // syscalls named, no perm=: not mapped
      '/usr/bin/containerd exact rwxa always,exit all', // -S all: every access
      '- - ? always,exit not-a-path', // path!= names no watched path
      '/etc/sysconfig/docker watch wa always,exit attached',
      '- - rwxa always,user user-list',
    ]);
    expect(rules[2].origin).toBe('docker.rules:11');
  });

  it('lists every key, once', () => {
    expect(ruleKeys(rules)).toEqual(['all', 'attached', 'containerd', 'docker', 'never', 'not-a-path', 'syscalls', 'trap', 'user-list']);
  });

  it('keeps only always,exit rules that name a path as path rules', () => {
    expect(pathRules(rules).map((r) => r.path)).toEqual([
      '/etc/docker',
      '/var/lib/docker-old',
      '/usr/sbin/dockerd',
      '/run/containerd',
      '/usr/bin/runc',
      '/etc/containerd',
      '/usr/bin/containerd',
      '/etc/sysconfig/docker',
    ]);
  });
});

describe('parseAuditRules semantics', () => {
  it('-D drops the rules above it in the same text', () => {
    const { rules } = parseAuditRules('-w /etc/docker -p wa -k a\n-D\n-w /var/lib/docker -p wa -k b\n', 'f');
    expect(brief(rules)).toEqual(['/var/lib/docker watch wa always,exit b']);
  });

  it('-W and -d drop an identical earlier rule, and only that one', () => {
    const text = [
      '-w /etc/docker -p wa -k a',
      '-w /etc/docker -p r -k a',
      '-a always,exit -F dir=/var/lib/docker -F perm=wa -k b',
      '-W /etc/docker -p wa -k a',
      '-d always,exit -F dir=/var/lib/docker -F perm=wa -k b',
    ].join('\n');
    expect(brief(parseAuditRules(text, 'f').rules)).toEqual(['/etc/docker watch r always,exit a']);
  });

  it('reports lines it cannot understand, and keeps the others', () => {
    const { rules, problems } = parseAuditRules('-w\n-w /etc/docker -p zz\n-a always -F path=/x\n-a always,exit -F nonsense\ngarbage here\n-w /etc/docker -k ok\n', 'bad.rules');
    expect(problems).toEqual([
      'bad.rules:1: option -w needs a value',
      'bad.rules:2: -p zz: expected some of r, w, x, a',
      'bad.rules:3: -a always: expected action,list such as always,exit',
      'bad.rules:4: -F nonsense: expected field=value',
      'bad.rules:5: unexpected word "garbage"',
    ]);
    expect(brief(rules)).toEqual(['/etc/docker watch rwxa always,exit ok']);
  });
});

describe('parseAuditRules on recorded auditctl -l output', () => {
  it('reads every listed rule (see test/fixtures/audit-rules/README.md for the rules loaded)', () => {
    const { rules, problems } = parseAuditRules(fixture('recorded-auditctl-l.txt'), 'auditctl -l');
    expect(problems).toEqual([]);
    expect(brief(rules)).toEqual([
      '/etc/docker watch wa always,exit dae-auditrules-probe',
      '/usr/sbin/dockerd watch x always,exit dae-auditrules-probe',
      '/etc/default/docker watch wa always,exit dae-auditrules-probe', // loaded as -F path=
      '/var/lib/docker watch rwa always,exit dae-auditrules-probe', // loaded as -F dir=
      '/etc/containerd tree ? always,exit dae-auditrules-probe+second',
      '/lib/systemd/system/docker.service watch rwxa always,exit dae-auditrules-probe',
      '/run/docker/containerd/containerd.sock watch rwxa always,exit dae-auditrules-probe',
      '/tmp/dae path watch wa always,exit dae-auditrules-probe', // printed unquoted
      '/var/lib/docker-old watch wa always,exit dae-auditrules-probe+second',
      '/run/containerd watch rwa always,exit dae-auditrules-probe',
      '/usr/bin/containerd exact rwxa always,exit dae-auditrules-probe',
      '/usr/bin/runc watch wa always,exit dae-auditrules-probe', // loaded as never,exit: the listing says -w
      '/etc/docker tree ? always,exit dae-auditrules-probe',
      '/etc/containerd watch w always,exit dae-auditrules-probe',
    ]);
  });

  it('reads "No rules" as no rule', () => {
    expect(fixture('recorded-auditctl-l-no-rules.txt').trim()).toBe('No rules');
    expect(parseAuditRules(fixture('recorded-auditctl-l-no-rules.txt'), 'auditctl -l')).toEqual({ rules: [], problems: [] });
  });
});

describe('coverage by path, never by substring', () => {
  const t = (p: string, recursive: boolean, perms = 'wa', keys: string[] = ['k']): WatchTarget => ({ path: p, recursive, perms, keys });

  it('the substring trap: /var/lib/docker-old covers neither /var/lib/docker nor what is below it', () => {
    const trap = t('/var/lib/docker-old', true);
    expect(targetCovers(trap, '/var/lib/docker')).toBe(false);
    expect(targetCovers(trap, '/var/lib/docker/volumes')).toBe(false);
    expect(targetCovers(t('/var/lib/docker', true), '/var/lib/docker-old')).toBe(false);
    expect(targetCovers(t('/var/lib/docker', true), '/var/lib/dockerfoo')).toBe(false);
  });

  it('a recursive target covers itself and everything below it; an exact one only itself', () => {
    expect(targetCovers(t('/var/lib/docker', true), '/var/lib/docker')).toBe(true);
    expect(targetCovers(t('/var/lib/docker', true), '/var/lib/docker/volumes/x')).toBe(true);
    expect(targetCovers(t('/etc/docker', false), '/etc/docker/daemon.json')).toBe(false);
    expect(targetCovers(t('/etc/docker', false), '/etc/docker')).toBe(true);
    expect(targetCovers(t('/', true), '/etc/docker')).toBe(true);
  });

  it('joins the permissions of every covering rule, and their keys', () => {
    expect(coverageOf('/etc/docker/daemon.json', [t('/etc/docker', true, 'w', ['a']), t('/etc/docker/daemon.json', false, 'a', ['b'])])).toEqual({
      covered: true,
      permissionsOk: true,
      keys: ['a', 'b'],
    });
    expect(coverageOf('/etc/docker', [t('/etc/docker', true, 'rw')])).toEqual({ covered: true, permissionsOk: false, keys: ['k'] });
    expect(coverageOf('/etc/docker', [t('/etc/docker', true, '')])).toMatchObject({ covered: true, permissionsOk: false });
    expect(coverageOf('/etc/docker', [t('/etc/docker-old', true)])).toEqual({ covered: false, permissionsOk: false, keys: [] });
  });
});

describe('parseAuditStatus', () => {
  it('reads recorded auditctl -s output', () => {
    expect(parseAuditStatus(fixture('recorded-auditctl-s.txt'))).toEqual({
      enabled: 1,
      failure: 1,
      lost: 0,
      backlog: 0,
      backlogLimit: 64,
      rateLimit: 0,
      pid: 9315,
    });
  });

  it('says which field is missing', () => {
    expect(() => parseAuditStatus('enabled 1\nbacklog 0\n')).toThrow('auditctl -s printed no "lost"');
    expect(() => parseAuditStatus('Error sending status request (Operation not permitted)\n')).toThrow('printed no "enabled"');
  });
});
