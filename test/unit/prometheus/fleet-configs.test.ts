// The fleet's Prometheus configurations: prometheus/swarm/prometheus.yml (Swarm service
// discovery; run for real by test/integration/swarm.test.ts) and prometheus/fleet/*.yml
// (file_sd and docker_sd for standalone hosts, federation, remote_write). Each passes
// `promtool check config` next to a copy of the bundled rules, as its rule_files expects, and
// every exporter family the federation asks for is one the exporter serves.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ALL_FAMILIES, LIVE_FAMILIES } from '../../../src/metrics/catalog';

const ROOT = path.join(__dirname, '..', '..', '..');
const CONFIGS = ['prometheus/swarm/prometheus.yml', 'prometheus/fleet/file-sd.yml', 'prometheus/fleet/docker-sd.yml', 'prometheus/fleet/federate.yml', 'prometheus/fleet/remote-write.yml'];

interface ScrapeConfig {
  job_name: string;
  params?: { 'match[]'?: string[] };
}
const read = (file: string) => parseYaml(fs.readFileSync(path.join(ROOT, file), 'utf8')) as { rule_files?: string[]; scrape_configs?: ScrapeConfig[] };

describe.each(CONFIGS)('%s', (file) => {
  it('passes promtool check config, with the bundled alert rules where it loads rules', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dae-fleet-config-'));
    try {
      fs.copyFileSync(path.join(ROOT, file), path.join(dir, 'prometheus.yml'));
      for (const rules of read(file).rule_files ?? []) {
        expect(rules).toBe('alerts.yml'); // the header says: prometheus/alerts.yml, copied next to it
        fs.copyFileSync(path.join(ROOT, 'prometheus', 'alerts.yml'), path.join(dir, rules));
      }
      const r = spawnSync('promtool', ['check', 'config', path.join(dir, 'prometheus.yml')], { encoding: 'utf8' });
      expect([r.status, r.stdout + r.stderr]).toEqual([0, expect.stringContaining('SUCCESS')]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('prometheus/fleet/federate.yml', () => {
  it('asks only for families the exporter serves, and for up', () => {
    const matchers = read('prometheus/fleet/federate.yml').scrape_configs!.flatMap((s) => s.params?.['match[]'] ?? []);
    const names = [...ALL_FAMILIES, ...Object.values(LIVE_FAMILIES)].map((f) => f.name);
    const nameRegex = matchers.map((m) => /__name__=~"([^"]+)"/.exec(m)?.[1]).filter((r): r is string => r !== undefined);
    expect(nameRegex).toHaveLength(1);
    // Every alternative of the regex names a served family (a typo would federate nothing).
    const alternatives = /^docker_audit_\((.+)\)$/.exec(nameRegex[0])![1].split('|').map((a) => `docker_audit_${a}`);
    expect(alternatives.filter((a) => !names.includes(a))).toEqual([]);
    expect(matchers).toContain('up{job=~"docker-audit|docker-audit-nodes"}');
  });
});
