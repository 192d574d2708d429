import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { auditRulesEvery, readAuditRulesFacts, type AuditRulesFacts } from '../../../src/facts/audit-rules';
import { readRulesFiles, runAuditctl } from '../../../src/readers/audit-rules';
import { makeHostRoot } from '../../fixtures/audit-rules/host-root';
import { testOptions } from '../../helpers/options';

const FIXTURES = path.join(__dirname, '..', '..', 'fixtures', 'audit-rules');
const signal = new AbortController().signal;

const temps: string[] = [];
const tempDir = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'dae-auditrules-'));
  temps.push(d);
  return d;
};
const hostRoot = (...args: Parameters<typeof makeHostRoot>) => {
  const r = makeHostRoot(...args);
  temps.push(r);
  return r;
};
afterAll(() => temps.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

/**
 * A stand-in for the auditctl binary that replays what the real one printed on this
 * machine (test/fixtures/audit-rules/recorded-*): the exporter runs it exactly as the real one.
 */
function fakeAuditctl(body: string): string {
  const file = path.join(tempDir(), 'auditctl');
  fs.writeFileSync(file, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  return file;
}
const replaying = () =>
  fakeAuditctl(`case "$1" in
  -l) cat '${FIXTURES}/recorded-auditctl-l.txt' ;;
  -s) cat '${FIXTURES}/recorded-auditctl-s.txt' ;;
  *) exit 2 ;;
esac`);
const notRoot = () => fakeAuditctl(`cat '${FIXTURES}/recorded-auditctl-l-not-root.stderr.txt' >&2; exit 4`);

const options = (root: string, argv: string[]) => testOptions([`--host.root-path=${root}`, ...argv]);
const coverage = (facts: AuditRulesFacts) => facts.coverage.map((c) => `${c.check} ${c.path} present=${+c.covered} ok=${+c.permissionsOk}`);

/** This host's layout (Debian 12, Docker 20.10 running its own containerd). */
const debianHost = () =>
  hostRoot(
    ['usr/sbin/dockerd', 'usr/bin/containerd', 'usr/bin/containerd-shim-runc-v2', 'usr/sbin/runc', 'usr/lib/systemd/system/docker.service', 'usr/lib/systemd/system/docker.socket', 'etc/default/docker', 'etc/containerd/config.toml', 'run/docker/containerd/containerd.sock'],
    { lib: 'usr/lib', bin: 'usr/bin', sbin: 'usr/sbin', 'usr/bin/runc': '../sbin/runc' },
    ['var/lib/docker', 'var/lib/docker-old', 'etc/docker', 'run/containerd', 'tmp/dae path'],
  );

describe('readAuditRulesFacts from auditctl (recorded output)', () => {
  it('reads the live rules and the kernel status, and judges every CIS path that exists', async () => {
    const facts = await readAuditRulesFacts(options(debianHost(), [`--audit.auditctl-path=${replaying()}`]), signal);
    expect(facts.source).toBe('auditctl');
    expect(facts.attempts).toEqual([{ source: 'auditctl', outcome: 'used' }]);
    expect(facts.error).toBeUndefined();
    expect(facts.ruleCount).toBe(14);
    expect(facts.keys).toEqual(['dae-auditrules-probe', 'second']);
    expect(facts.kernel).toEqual({ enabled: 1, failure: 1, lost: 0, backlog: 0, backlogLimit: 64, rateLimit: 0, pid: 9315 });
    expect(coverage(facts)).toEqual([
      '1.1.3 /usr/sbin/dockerd present=1 ok=0', // -p x only
      '1.1.4 /run/containerd present=1 ok=1',
      '1.1.5 /var/lib/docker present=1 ok=1', // its own rule: -w /var/lib/docker-old does not count
      '1.1.6 /etc/docker present=1 ok=1',
      '1.1.7 /usr/lib/systemd/system/docker.service present=1 ok=1', // watched as /lib/systemd/system/docker.service
      '1.1.8 /run/docker/containerd/containerd.sock present=1 ok=1',
      '1.1.9 /usr/lib/systemd/system/docker.socket present=0 ok=0',
      '1.1.10 /etc/default/docker present=1 ok=1',
      '1.1.12 /etc/containerd/config.toml present=1 ok=0', // -p w on the folder, and an openat rule
      '1.1.14 /usr/bin/containerd present=1 ok=1',
      '1.1.17 /usr/bin/containerd-shim-runc-v2 present=0 ok=0',
      '1.1.18 /usr/sbin/runc present=0 ok=0', // -w /usr/bin/runc watches the symlink, not runc
    ]);
    expect(facts.coverage.find((c) => c.check === '1.1.18')).toMatchObject({ name: 'runc', foundAt: '/usr/bin/runc', keys: [] });
    expect(facts.coverage.find((c) => c.check === '1.1.12')?.keys).toEqual(['dae-auditrules-probe', 'second']);
  });

  it('falls back to the files when auditctl is not permitted (recorded: not root), saying why', async () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'audit.rules'), '-w /etc/docker -p wa -k docker\n');
    const facts = await readAuditRulesFacts(options(debianHost(), [`--audit.auditctl-path=${notRoot()}`, `--audit.rules-paths=${dir}/audit.rules`]), signal);
    expect(facts.source).toBe('files');
    expect(facts.attempts).toEqual([
      { source: 'auditctl', outcome: 'failed', reason: expect.stringMatching(/^running \S+\/auditctl -l failed: exit code 4: You must be root to run this program\.$/) },
      { source: 'files', outcome: 'used' },
    ]);
    expect(facts.kernel).toBeUndefined();
    expect(facts.kernelError).toMatch(/auditctl -s failed: exit code 4: You must be root/);
    expect(facts.keys).toEqual(['docker']);
    expect(coverage(facts)).toContain('1.1.6 /etc/docker present=1 ok=1');
  });

  it('falls back to the files when auditctl is missing, and never runs it when its path is empty', async () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'audit.rules'), '-w /etc/docker -p wa -k docker\n');
    const missing = await readAuditRulesFacts(options(debianHost(), [`--audit.auditctl-path=${dir}/no-such-auditctl`, `--audit.rules-paths=${dir}/audit.rules`]), signal);
    expect(missing.source).toBe('files');
    expect(missing.attempts?.[0]).toEqual({ source: 'auditctl', outcome: 'missing', reason: `running ${dir}/no-such-auditctl -l failed: no such file` });

    const disabled = await readAuditRulesFacts(options(debianHost(), ['--audit.auditctl-path=', `--audit.rules-paths=${dir}/audit.rules`]), signal);
    expect(disabled.attempts).toEqual([
      { source: 'auditctl', outcome: 'disabled', reason: '--audit.auditctl-path is empty' },
      { source: 'files', outcome: 'used' },
    ]);
    expect(disabled.error).toBeUndefined();
  });

  it('gives up on an auditctl that does not answer, at its deadline', async () => {
    jest.useFakeTimers({ doNotFake: ['nextTick', 'queueMicrotask', 'setImmediate'] });
    try {
      const hung = fakeAuditctl('exec sleep 30');
      let settled = false;
      const run = runAuditctl(hung, '-l', signal, 300).finally(() => (settled = true));
      run.catch(() => undefined);
      await jest.advanceTimersByTimeAsync(299);
      expect(settled).toBe(false);
      await jest.advanceTimersByTimeAsync(1);
      await expect(run).rejects.toThrow(`running ${hung} -l failed: no answer within 300 ms`);
    } finally {
      jest.useRealTimers();
    }
  });
});

describe('readAuditRulesFacts from rules files written by the test', () => {
  it('reads files and *.rules folders in augenrules order, and matches rules by path', async () => {
    const dir = tempDir();
    fs.mkdirSync(path.join(dir, 'rules.d'));
    fs.writeFileSync(path.join(dir, 'audit.rules'), ['## generated', '-D', '-b 8192', '-w /var/lib/docker-old -p wa -k trap', '-a always,exit -F path=/etc/docker -F perm=wa -k docker', '-e 1', ''].join('\n'));
    fs.writeFileSync(path.join(dir, 'rules.d', '9-a.rules'), '# binaries\n-w /sbin/runc -p wa -k runc\n-w /usr/bin/containerd -p r -k containerd\n');
    fs.writeFileSync(path.join(dir, 'rules.d', '10-b.rules'), '-D\n-a always,exit -F dir=/etc/containerd -F perm=aw -F key=ctr\n-w /run/containerd -p wa -k ctr\n-w /usr/bin/runc -p wa -k symlink\n');
    fs.writeFileSync(path.join(dir, 'rules.d', 'notes.txt'), '-w /etc/default/docker -p wa -k not-a-rules-file\n');
    const root = hostRoot(
      ['etc/docker/daemon.json', 'etc/default/docker', 'etc/containerd/config.toml', 'usr/sbin/runc', 'usr/bin/containerd', 'run/containerd/containerd.sock'],
      { sbin: '/usr/sbin', 'usr/bin/runc': '../sbin/runc' },
      ['var/lib/docker', 'var/lib/docker-old'],
    );

    const read = await readRulesFiles([`${dir}/audit.rules`, `${dir}/rules.d`, `${dir}/absent.rules`]);
    expect(read.texts.map((t) => path.relative(dir, t.origin))).toEqual(['audit.rules', 'rules.d/9-a.rules', 'rules.d/10-b.rules']);
    expect(read.missing).toEqual([`${dir}/absent.rules`]);

    const facts = await readAuditRulesFacts(options(root, ['--audit.auditctl-path=', `--audit.rules-paths=${dir}/audit.rules,${dir}/rules.d`]), signal);
    expect(facts.source).toBe('files');
    expect(facts.problems).toEqual([]);
    expect(facts.keys).toEqual(['containerd', 'ctr', 'docker', 'runc', 'symlink', 'trap']);
    expect(coverage(facts)).toEqual([
      '1.1.4 /run/containerd present=1 ok=1',
      '1.1.5 /var/lib/docker present=0 ok=0', // the substring trap: -w /var/lib/docker-old
      '1.1.6 /etc/docker present=1 ok=1', // -F path= on the folder itself
      '1.1.8 /run/containerd/containerd.sock present=1 ok=1', // below -w /run/containerd, a folder: recursive
      '1.1.10 /etc/default/docker present=0 ok=0', // notes.txt is not a *.rules file
      '1.1.11 /etc/docker/daemon.json present=0 ok=0', // -F path= is exact
      '1.1.12 /etc/containerd/config.toml present=1 ok=1', // below -F dir=
      '1.1.14 /usr/bin/containerd present=1 ok=0', // -p r
      '1.1.18 /usr/sbin/runc present=1 ok=1', // -w /sbin/runc: /sbin is a link to /usr/sbin
    ]);
  });

  it('reports none, with no coverage, when no source can be read', async () => {
    const absent = await readAuditRulesFacts(options(debianHost(), ['--audit.auditctl-path=', '--audit.rules-paths=/nonexistent/audit.rules']), signal);
    expect(absent).toMatchObject({ source: 'none', coverage: [], keys: [], error: 'none of /nonexistent/audit.rules exists' });
    expect(absent.attempts?.[1]).toMatchObject({ source: 'files', outcome: 'missing' });

    const file = path.join(tempDir(), 'a-file');
    fs.writeFileSync(file, '');
    const unreadable = await readAuditRulesFacts(options(debianHost(), ['--audit.auditctl-path=', `--audit.rules-paths=${file}/audit.rules`]), signal);
    expect(unreadable.source).toBe('none');
    expect(unreadable.attempts?.[1]).toEqual({ source: 'files', outcome: 'failed', reason: `reading ${file}/audit.rules failed: ENOTDIR: not a directory, stat '${file}/audit.rules'` });
  });

  it('reports lines it cannot understand and still judges the rest', async () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'bad.rules'), '-w /etc/docker -p wx -k docker\n-w /etc/docker -p nonsense\n-w /loop/x -p wa -k loop\n');
    const facts = await readAuditRulesFacts(options(hostRoot([], { loop: '/loop' }, ['etc/docker']), ['--audit.auditctl-path=', `--audit.rules-paths=${dir}/bad.rules`]), signal);
    expect(facts.problems).toEqual([`${dir}/bad.rules:2: -p nonsense: expected some of r, w, x, a`]);
    expect(coverage(facts)).toEqual(['1.1.6 /etc/docker present=1 ok=0']);
  });
});

describe('auditRulesEvery (--collector.auditrules.interval)', () => {
  /** The replaying auditctl, counting its runs in a file. */
  const counting = () => {
    const runs = path.join(tempDir(), 'runs');
    fs.writeFileSync(runs, '');
    const bin = fakeAuditctl(`echo "$1" >> '${runs}'
case "$1" in
  -l) cat '${FIXTURES}/recorded-auditctl-l.txt' ;;
  -s) cat '${FIXTURES}/recorded-auditctl-s.txt' ;;
esac`);
    return { bin, runs: () => fs.readFileSync(runs, 'utf8').split('\n').filter(Boolean).length };
  };
  const ref = (collection: number, nowMs: number, aborted = false) => {
    const c = new AbortController();
    if (aborted) c.abort(new Error('the collection\'s deadline passed'));
    return { collection, signal: c.signal, now: () => nowMs };
  };

  it('runs auditctl once per interval and serves that answer between, and on every collection at 0 (--once)', async () => {
    const { bin, runs } = counting();
    const every = auditRulesEvery(options(debianHost(), [`--audit.auditctl-path=${bin}`, '--collector.auditrules.interval=1m']));
    const first = await every(ref(1, 1_000_000));
    expect(first.source).toBe('auditctl');
    expect(runs()).toBe(2); // -l and -s
    expect(await every(ref(2, 1_000_000 + 59_999))).toBe(first);
    expect(runs()).toBe(2);
    const later = await every(ref(3, 1_000_000 + 60_000));
    expect(later).not.toBe(first);
    expect(later.coverage).toEqual(first.coverage);
    expect(runs()).toBe(4);

    const once = counting();
    const each = auditRulesEvery({ ...options(debianHost(), [`--audit.auditctl-path=${once.bin}`]), audit: { ...options(debianHost(), [`--audit.auditctl-path=${once.bin}`]).audit, rulesIntervalMs: 0 } });
    await each(ref(1, 0));
    await each(ref(2, 0));
    expect(once.runs()).toBe(4);
  });

  it('does not serve a read its collection aborted: the next collection reads again', async () => {
    const { bin, runs } = counting();
    const every = auditRulesEvery(options(debianHost(), [`--audit.auditctl-path=${bin}`]));
    const cut = await every(ref(1, 5_000, true));
    expect(cut.source).not.toBe('auditctl');
    const before = runs(); // Node starts the process, then kills it (an aborted signal)
    const next = await every(ref(2, 6_000));
    expect(next.source).toBe('auditctl');
    expect(runs()).toBe(before + 2);
    expect(await every(ref(3, 7_000))).toBe(next);
  });
});
