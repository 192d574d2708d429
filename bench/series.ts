// Series per host: how many series one host's /metrics serves at 20, 300 and 2,000
// containers, with --collector.containers.detail=all and =findings.
//
// Each size is a synthetic host (bench/synthetic-host.ts): the 11 containers recorded from
// Engine 20.10 cloned N times, of which --findings-fraction (default 0.1, spread evenly) keep
// their recording's findings and the others are hardened to have none, the "most containers
// are clean" host. One real collection over it per detail, rendered as the scheduler renders
// it; the series counted are every sample line of that exposition plus the live ones
// (docker_audit_build_info and the process metrics) that /metrics adds on each scrape.
//
// It prints a table (series in all, of the containers collector, per container, the clones
// that kept their recording's posture, those with a finding, and those whose posture series
// are served), whether 2,000 containers fit --budget series with findings,
// then one JSON line.
//
// Usage: npm run bench:series [-- --sizes=20,300,2000 --findings-fraction=0.1 --budget=10000]
import * as os from 'node:os';
import { ALL_FAMILIES } from '../src/metrics/catalog';
import { CONTAINER_DETAILS, type ContainerDetail } from '../src/model/posture';
import { createLiveRegistry } from '../src/server/app';
import { benchCli, out, pad, round } from './common';
import { keepsFindings, syntheticSnapshot } from './synthetic-host';
import { snapshotText } from '../src/server/scheduler';

const { intOption, listOption, numberOption, note, usageError } = benchCli({ name: 'bench:series', flags: ['sizes', 'findings-fraction', 'budget'], env: true });

const CONTAINERS_FAMILIES = new Set(ALL_FAMILIES.filter((f) => f.collector === 'containers').map((f) => f.name));

interface Count {
  containers: number;
  detail: ContainerDetail;
  /** Clones that kept their recording's posture (the others are hardened). */
  keptRecorded: number;
  /** Containers with at least one finding (containerFindings): the kept clones but those of the recorded "hardened" one; from the findings run. */
  withFinding: number;
  /** Every series /metrics serves: the snapshot's and the live ones. */
  total: number;
  /** Of the containers collector. */
  containersCollector: number;
  /** Containers whose posture series are served (docker_audit_container_privileged is one per such container). */
  detailed: number;
}

/** The sample lines of an exposition, by family (a sample's name up to "{" or " "; _total and such stay on their own name). */
function sampleNames(text: string): string[] {
  return text
    .split('\n')
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => l.replace(/[{ ].*$/, ''));
}

async function count(n: number, detail: ContainerDetail, fraction: number, liveSeries: number): Promise<Count> {
  note(`${n} containers, detail=${detail}: one collection`);
  const snapshot = await syntheticSnapshot(n, { findingsFraction: fraction }, [`--collector.containers.detail=${detail}`]);
  const names = sampleNames(snapshotText(snapshot));
  let keptRecorded = 0;
  for (let i = 0; i < n; i++) if (keepsFindings(i, fraction)) keptRecorded++;
  return {
    containers: n,
    detail,
    keptRecorded,
    withFinding: 0, // set by main from the findings run of the same size
    total: names.length + liveSeries,
    containersCollector: names.filter((x) => CONTAINERS_FAMILIES.has(x)).length,
    detailed: names.filter((x) => x === 'docker_audit_container_privileged').length,
  };
}

async function main(): Promise<void> {
  const sizes = listOption('sizes', '20,300,2000', (n) => n >= 1 && n <= 20_000, 'a container count from 1 to 20000');
  if (sizes.length === 0) usageError('--sizes: no size');
  const fraction = numberOption('findings-fraction', 0.1, 0);
  if (fraction > 1) usageError(`--findings-fraction=${fraction}: expected a share from 0 to 1`);
  const budget = intOption('budget', 10_000, 1);
  const liveSeries = sampleNames(await createLiveRegistry('bench', true).metrics()).length;

  const results: Count[] = [];
  for (const n of sizes) {
    const runs: Count[] = [];
    for (const detail of CONTAINER_DETAILS) runs.push(await count(n, detail, fraction, liveSeries));
    // With findings, the containers whose posture series are served are exactly those with a finding.
    const withFinding = runs.find((r) => r.detail === 'findings')!.detailed;
    for (const r of runs) results.push({ ...r, withFinding });
  }

  out('Series per host, --collector.containers.detail=all and =findings (one collection over a synthetic host)');
  out(`node ${process.version}, ${os.cpus()[0]?.model ?? 'unknown CPU'} x${os.cpus().length}`);
  out(
    `mix: the 11 recorded containers cloned N times; ${round(fraction * 100, 1)}% of the clones (spread evenly) keep their recording's findings, ` +
      `the other ${round((1 - fraction) * 100, 1)}% are hardened (no finding, no failing CIS container check); audit collectors off; ` +
      `${liveSeries} live series (build info, process metrics) included`,
  );
  out();
  const header = ['containers', 'recorded posture', 'with a finding', 'detail', 'series', 'containers coll.', 'per container', 'with posture series'];
  const widths = [10, 16, 14, 8, 8, 16, 13, 19];
  out(header.map((h, i) => pad(h, widths[i], i !== 3)).join('  '));
  for (const r of results) {
    out(
      [
        pad(String(r.containers), widths[0], true),
        pad(String(r.keptRecorded), widths[1], true),
        pad(String(r.withFinding), widths[2], true),
        pad(r.detail, widths[3]),
        pad(String(r.total), widths[4], true),
        pad(String(r.containersCollector), widths[5], true),
        pad((r.total / r.containers).toFixed(1), widths[6], true),
        pad(String(r.detailed), widths[7], true),
      ].join('  '),
    );
  }
  out();
  const biggest = Math.max(...sizes);
  const target = results.find((r) => r.containers === biggest && r.detail === 'findings')!;
  const fits = target.total <= budget;
  out(`${biggest} containers with detail=findings: ${target.total} series, ${fits ? 'within' : 'OVER'} the budget of ${budget}`);
  out(
    JSON.stringify({
      bench: 'series',
      node: process.version,
      findings_fraction: fraction,
      budget,
      live_series: liveSeries,
      fits_budget: fits,
      sizes: sizes.map((n) => {
        const of = (d: ContainerDetail) => results.find((r) => r.containers === n && r.detail === d)!;
        return {
          containers: n,
          recorded_posture: of('all').keptRecorded,
          with_finding: of('all').withFinding,
          all: { series: of('all').total, containers_collector: of('all').containersCollector, detailed: of('all').detailed },
          findings: { series: of('findings').total, containers_collector: of('findings').containersCollector, detailed: of('findings').detailed },
        };
      }),
    }),
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:series failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
