import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { auditRulesSamples, createAuditRulesCollector } from '../../../src/collectors/auditrules';
import { CollectorRunner } from '../../../src/collectors/runner';
import { createLogger } from '../../../src/base/log';
import { readAuditRulesFacts, type AuditRulesFacts } from '../../../src/facts/audit-rules';
import { PerCollection } from '../../../src/facts/per-collection';
import { makeHostRoot } from '../../fixtures/audit-rules/host-root';
import { series, valueOf } from '../../helpers/fixtures';
import { testOptions } from '../../helpers/options';

const FIXTURES = path.join(__dirname, '..', '..', 'fixtures', 'audit-rules');
const signal = new AbortController().signal;
const temps: string[] = [];
afterAll(() => temps.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

describe('auditRulesSamples', () => {
  const facts: AuditRulesFacts = {
    source: 'files',
    coverage: [
      { check: '1.1.5', path: '/var/lib/docker', covered: true, permissionsOk: true },
      { check: '1.1.6', path: '/etc/docker', covered: true, permissionsOk: false },
      { check: '1.1.3', path: '/usr/sbin/dockerd', covered: false, permissionsOk: false },
    ],
    keys: ['docker'],
    kernel: { enabled: 2, lost: 17, backlog: 3, backlogLimit: 8192 },
  };

  it('says which source was used, with every source present, and one series per existing path', () => {
    const samples = auditRulesSamples(facts);
    expect(series(samples, 'docker_audit_rules_source', [])).toEqual(['source=auditctl => 0', 'source=files => 1', 'source=none => 0']);
    expect(series(samples, 'docker_audit_rule_present', [])).toEqual(['check=1.1.3,path=/usr/sbin/dockerd => 0', 'check=1.1.5,path=/var/lib/docker => 1', 'check=1.1.6,path=/etc/docker => 1']);
    expect(series(samples, 'docker_audit_rule_permissions_ok', [])).toEqual(['check=1.1.3,path=/usr/sbin/dockerd => 0', 'check=1.1.5,path=/var/lib/docker => 1', 'check=1.1.6,path=/etc/docker => 0']);
  });

  it('reports the kernel status as auditctl -s gave it, and nothing when it was not read', () => {
    const samples = auditRulesSamples(facts);
    expect(valueOf(samples, 'docker_audit_kernel_audit_enabled')).toBe(2);
    expect(valueOf(samples, 'docker_audit_kernel_audit_lost')).toBe(17);
    expect(valueOf(samples, 'docker_audit_kernel_audit_backlog')).toBe(3);
    expect(valueOf(samples, 'docker_audit_kernel_audit_backlog_limit')).toBe(8192);
    const without = auditRulesSamples({ ...facts, kernel: undefined });
    expect(without.filter((s) => s.family.name.startsWith('docker_audit_kernel_audit_'))).toEqual([]);
  });
});

describe('the auditrules collector', () => {
  const run = async (argv: string[], runs = 1) => {
    const lines: string[] = [];
    const logger = createLogger('info', 'logfmt', (l) => lines.push(l));
    const options = testOptions(argv);
    // The source as createFacts builds it (src/sources/index.ts).
    const collector = createAuditRulesCollector({ facts: { auditRules: new PerCollection(({ signal }) => readAuditRulesFacts(options, signal)) } });
    const runner = new CollectorRunner([collector], logger);
    const results = [];
    for (let i = 0; i < runs; i++) results.push(await runner.run(signal));
    await runner.close();
    return { results, lines };
  };

  it('reads the rules files when auditctl cannot run, logs why once, and succeeds', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dae-auditrules-'));
    temps.push(dir);
    fs.writeFileSync(path.join(dir, 'audit.rules'), '-w /var/lib/docker-old -p wa -k trap\n-w /etc/docker -p wa -k docker\n-w /etc/docker -p bogus\n');
    const root = makeHostRoot([], {}, ['var/lib/docker', 'etc/docker']);
    temps.push(root);
    const { results, lines } = await run([`--host.root-path=${root}`, `--audit.auditctl-path=${dir}/missing-auditctl`, `--audit.rules-paths=${dir}/audit.rules`], 2);
    for (const { samples, statuses } of results) {
      expect(statuses[0]).toMatchObject({ name: 'auditrules', success: true });
      expect(series(samples, 'docker_audit_rules_source', [])).toEqual(['source=auditctl => 0', 'source=files => 1', 'source=none => 0']);
      expect(series(samples, 'docker_audit_rule_present', [])).toEqual(['check=1.1.5,path=/var/lib/docker => 0', 'check=1.1.6,path=/etc/docker => 1']);
    }
    // Two collections, each reason logged once.
    expect(lines.filter((l) => l.includes('msg="audit rules read from files"'))).toEqual([
      expect.stringContaining(`reasons="auditctl: missing (running ${dir}/missing-auditctl -l failed: no such file)"`),
    ]);
    expect(lines.filter((l) => l.includes('audit rule not understood'))).toEqual([expect.stringContaining(`${dir}/audit.rules:3: -p bogus`)]);
    expect(lines.filter((l) => l.includes('kernel audit status not read'))).toHaveLength(1);
  });

  it('fails, saying why, when reading the rules failed rather than there being none', async () => {
    const notRoot = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'dae-auditrules-')), 'auditctl');
    temps.push(path.dirname(notRoot));
    fs.writeFileSync(notRoot, `#!/bin/sh\ncat '${FIXTURES}/recorded-auditctl-l-not-root.stderr.txt' >&2; exit 4\n`, { mode: 0o755 });
    const failed = await run([`--audit.auditctl-path=${notRoot}`, '--audit.rules-paths=/nonexistent/audit.rules']);
    const { samples, statuses } = failed.results[0];
    expect(statuses[0].success).toBe(false);
    expect(statuses[0].error).toMatch(/^reading the audit rules failed: running \S+ -l failed: exit code 4: You must be root to run this program\.; none of \/nonexistent\/audit.rules exists$/);
    expect(series(samples, 'docker_audit_rules_source', [])).toEqual(['source=auditctl => 0', 'source=files => 0', 'source=none => 1']);
    expect(series(samples, 'docker_audit_rule_present', [])).toEqual([]);

    // A host with neither auditctl nor rules files has no audit rules: that is a finding, not a failure.
    const absent = await run(['--audit.auditctl-path=', '--audit.rules-paths=/nonexistent/audit.rules']);
    expect(absent.results[0].statuses[0].success).toBe(true);
    expect(series(absent.results[0].samples, 'docker_audit_rules_source', [])).toContain('source=none => 1');
    expect(absent.lines.filter((l) => l.includes('level=warn msg="audit rules read from none"'))).toHaveLength(1);
  });
});
