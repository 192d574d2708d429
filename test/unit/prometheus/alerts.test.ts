// prometheus/alerts.yml: valid for promtool, every alert tested firing and not firing by
// prometheus/alerts.test.yml, every alert documented with a runbook line in docs/alerts.md, and
// every metric it names served by the exporter (the catalog is the one list of them).
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ALL_FAMILIES, LIVE_FAMILIES } from '../../../src/metrics/catalog';

const ROOT = path.join(__dirname, '..', '..', '..');
const RULES = path.join(ROOT, 'prometheus', 'alerts.yml');
const TESTS = path.join(ROOT, 'prometheus', 'alerts.test.yml');
const rules = fs.readFileSync(RULES, 'utf8');
const tests = fs.readFileSync(TESTS, 'utf8');
const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
const runbooks = fs.readFileSync(path.join(ROOT, 'docs', 'alerts.md'), 'utf8');

/** Each alert's name and the text of its rule (up to the next rule). */
const alerts = [...rules.matchAll(/^ {6}- alert: (\S+)\n((?: {8}.*\n|\s*\n)*)/gm)].map((m) => ({ name: m[1], body: m[2] }));

function promtool(...args: string[]) {
  const result = spawnSync('promtool', args, { encoding: 'utf8', cwd: path.join(ROOT, 'prometheus') });
  expect(result.error).toBeUndefined();
  return { status: result.status, output: result.stdout + result.stderr };
}

describe('prometheus/alerts.yml', () => {
  it('passes promtool check rules', () => {
    const { status, output } = promtool('check', 'rules', RULES);
    expect(output).toContain(`SUCCESS: ${alerts.length} rules found`);
    expect(status).toBe(0);
  });

  it('passes its promtool unit tests', () => {
    const { status, output } = promtool('test', 'rules', TESTS);
    expect(output).toContain('SUCCESS');
    expect(status).toBe(0);
  });

  it('has unit tests for every alert, both firing and not firing', () => {
    expect(alerts.length).toBeGreaterThanOrEqual(10);
    // Each alert_rule_test entry: its alertname and whether it expects alerts.
    const cases = [...tests.matchAll(/alertname: (\S+)\n\s+exp_alerts:(\s*\[\])?/g)].map((m) => ({ name: m[1], firing: m[2] === undefined }));
    for (const { name } of alerts) {
      const own = cases.filter((c) => c.name === name);
      // A firing case lists the exact alerts expected, so every other input series of that
      // test is a not-firing case too; an explicit [] case shows the threshold or `for`.
      expect([name, own.some((c) => c.firing)]).toEqual([name, true]);
    }
    const notFiring = new Set(cases.filter((c) => !c.firing).map((c) => c.name));
    expect(notFiring.size).toBeGreaterThanOrEqual(8);
  });

  it('gives every alert a severity, a summary, a description and a runbook line in docs/alerts.md', () => {
    for (const { name, body } of alerts) {
      expect([name, /severity: (critical|warning)\n/.test(body)]).toEqual([name, true]);
      expect([name, /summary: "/.test(body), /description: "/.test(body)]).toEqual([name, true, true]);
      const anchor = `runbook-${name.toLowerCase()}`;
      expect(body).toContain(`runbook: "docs/alerts.md#${anchor}"`);
      expect([name, runbooks.includes(`<a id="${anchor}"></a>`)]).toEqual([name, true]);
    }
    expect(readme).toContain(`holds ${alerts.length} alert rules`);
    // One runbook line per alert, none for an alert that is gone.
    expect([...runbooks.matchAll(/<a id="runbook-/g)].length).toBe(alerts.length);
  });

  it('names only metrics the exporter serves', () => {
    const served = new Set([...ALL_FAMILIES, ...Object.values(LIVE_FAMILIES)].map((f) => f.name));
    const named = new Set([...rules.matchAll(/\b(docker_audit_[a-z0-9_]+)/g)].map((m) => m[1]));
    expect(named.size).toBeGreaterThanOrEqual(10);
    for (const name of named) expect([name, served.has(name)]).toEqual([name, true]);
  });
});
