// A real Prometheus (Debian's prometheus 2.42) on loopback for end-to-end tests: it scrapes
// one exporter every second and evaluates the shipped prometheus/alerts.yml with every
// `for:` set to 0s, so an alert fires at the first evaluation that matches instead of hours
// later (promtool's unit tests, prometheus/alerts.test.yml, cover the durations).
//
//   const prom = await startPrometheus(exporter.port!);
//   await waitUntil('...', () => prom.firingFor('DockerAuditPrivilegedContainerRunning', name), 60_000, 1000);
//   await prom.stop();
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { expandTemplateVariables, type PanelQuery } from '../../dashboards/src';
import { waitUntil } from './docker-cli';
import { httpGet } from './exporter-process';
import { dyingWithParent } from './second-daemon';

const ROOT = path.join(__dirname, '..', '..');

export interface PromResult {
  metric: Record<string, string>;
  value?: [number, string];
}

export interface PromAlert {
  name: string;
  state: string;
  labels: Record<string, string>;
}

/** The shipped alert rules with every `for:` set to 0s. */
export function rulesWithoutFor(): string {
  return fs.readFileSync(path.join(ROOT, 'prometheus', 'alerts.yml'), 'utf8').replace(/^(\s+)for: \S+$/gm, '$1for: 0s');
}

export class Prometheus {
  constructor(
    readonly url: string,
    readonly work: string,
    private readonly child: ChildProcess,
  ) {}

  /** An instant query; a scalar result is one row with no labels. */
  async query(expr: string): Promise<PromResult[]> {
    const res = await httpGet(`${this.url}/api/v1/query?query=${encodeURIComponent(expr)}`, 10_000);
    const body = JSON.parse(res.body) as { status: string; error?: string; data?: { result: PromResult[] | [number, string] } };
    if (body.status !== 'success') throw new Error(`query failed: ${expr}: ${body.error}`);
    const result = body.data!.result;
    // A scalar result is [time, value]: one value, never empty.
    return Array.isArray(result) && (result.length === 0 || typeof result[0] === 'object') ? (result as PromResult[]) : [{ metric: {} }];
  }

  /** Every alert Prometheus holds now, pending or firing. */
  async alerts(): Promise<PromAlert[]> {
    const res = await httpGet(`${this.url}/api/v1/alerts`);
    const body = JSON.parse(res.body) as { data: { alerts: { labels: Record<string, string>; state: string }[] } };
    return body.data.alerts.map((a) => ({ name: a.labels.alertname, state: a.state, labels: a.labels }));
  }

  async firingFor(alert: string, container: string): Promise<boolean> {
    return (await this.alerts()).some((a) => a.name === alert && a.state === 'firing' && a.labels.name === container);
  }

  /** Stops Prometheus and removes its directory (its log included). */
  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const exited = new Promise((resolve) => this.child.once('exit', resolve));
      this.child.kill('SIGTERM');
      await exited;
    }
    fs.rmSync(this.work, { recursive: true, force: true });
  }

  /** The tail of Prometheus's own log, for a failure message. */
  logTail(lines = 20): string {
    try {
      return fs.readFileSync(path.join(this.work, 'prometheus.log'), 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '(no log)';
    }
  }
}

/**
 * Starts Prometheus on 127.0.0.1:`port` scraping the exporter on 127.0.0.1:`exporterPort`
 * (job "docker-audit") with the shipped rules, `for:` at 0s; resolves once /-/ready answers.
 */
export async function startPrometheus(exporterPort: number, port: number): Promise<Prometheus> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'dae-prometheus-'));
  fs.writeFileSync(path.join(work, 'alerts.yml'), rulesWithoutFor());
  fs.writeFileSync(
    path.join(work, 'prometheus.yml'),
    [
      'global: { scrape_interval: 1s, evaluation_interval: 1s }',
      'rule_files: [alerts.yml]',
      'scrape_configs:',
      '  - job_name: docker-audit',
      `    static_configs: [{ targets: ["127.0.0.1:${exporterPort}"] }]`,
      '',
    ].join('\n'),
  );
  const url = `http://127.0.0.1:${port}`;
  const [cmd, args] = dyingWithParent('prometheus', [
    `--config.file=${path.join(work, 'prometheus.yml')}`,
    `--storage.tsdb.path=${path.join(work, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
  ]);
  const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', fs.openSync(path.join(work, 'prometheus.log'), 'w')] });
  const prometheus = new Prometheus(url, work, child);
  try {
    await waitUntil('Prometheus is ready', async () => (await httpGet(`${url}/-/ready`).catch(() => ({ status: 0 }))).status === 200, 30_000);
  } catch (err) {
    const log = prometheus.logTail();
    await prometheus.stop();
    throw new Error(`${(err as Error).message}; Prometheus log:\n${log}`);
  }
  return prometheus;
}

/** A dashboard query that has no data on this host, and why; the reason must hold for the exemption to apply. */
export interface NoDataExemption {
  readonly panel: RegExp;
  readonly because: string;
  readonly holds: () => boolean;
}

/**
 * The panel queries Prometheus answers with no rows (template variables expanded), and the
 * exempted ones that do have data (a wrong exemption). Asked again once a second until none
 * is left or `timeoutMs` passed: a rate() needs two scrapes of a counter after its first
 * event, and some reads (processes, image OS) land a collection after their containers.
 */
export async function panelsWithoutData(prom: Prometheus, queries: readonly PanelQuery[], exemptions: readonly NoDataExemption[] = [], extra: () => Promise<string[]> = async () => [], timeoutMs = 30_000): Promise<string[]> {
  const now = async (): Promise<string[]> => {
    const problems: string[] = [];
    for (const q of queries) {
      const expr = expandTemplateVariables(q.expr);
      const exempt = exemptions.find((e) => e.panel.test(expr) && e.holds());
      const rows = await prom.query(expr);
      if (exempt) {
        // The reason must stay true: a panel exempted here that has data is a wrong exemption.
        if (rows.length > 0) problems.push(`exempted (${exempt.because}) but has data: ${q.dashboard} / ${q.panel} [${q.refId}]`);
        continue;
      }
      if (rows.length === 0) problems.push(`${q.dashboard} / ${q.panel} [${q.refId}]: ${expr}`);
    }
    return [...problems, ...(await extra())];
  };
  let problems = await now();
  for (const deadline = Date.now() + timeoutMs; problems.length > 0 && Date.now() < deadline; problems = await now()) await new Promise((r) => setTimeout(r, 1000));
  return problems;
}
