// Churn soak: the built exporter, collecting every --schedule-s seconds (default 2), while
// --total containers (default 10,000) are created and removed over --minutes (default 20),
// at most --max-alive (default 300) at once, one in --start-every (default 10) started, and
// /metrics scraped every second.
//
// It answers the questions a long-lived exporter on a busy CI host raises: do the series of
// removed containers go (the docker_audit_* series count returns to its idle baseline), does
// the heap stay flat (the median heap used of the last third of the run against the first
// third's), are collections skipped, does the event stream reconnect, and what does a scrape
// take (p50, p99) under churn.
//
// The idle baseline is taken after a warm-up churn of a few containers, so the event counters'
// create/start/die/destroy series (docker_audit_engine_events_total keeps a series per type
// and action for the life of the process, as counters do) already exist; process_* and
// nodejs_* series are not counted (the GC histogram grows a series per GC kind as they occur).
//
// The containers are made through the Engine API on the local socket (the CLI costs a process
// per call), labelled dae.soak=<run> and removed at the end, and at the start (a crashed run's).
// test/integration/soak.test.ts runs a 2-minute version of it and asserts the series return
// to the baseline and no collection is skipped.
//
// Usage (as root): npm run bench:soak [-- --total=10000 --minutes=20 --max-alive=300 --start-every=10 --schedule-s=2]
import * as http from 'node:http';
import { performance } from 'node:perf_hooks';
import { mapLimit } from '../src/base/concurrency';
import { ExporterProcess } from '../test/helpers/exporter-process';
import { TEST_IMAGE } from '../test/helpers/docker-cli';
import { parseExposition } from '../test/helpers/exposition';
import { benchCli, fmtMiB, fmtMs, keyValueTable, median, out, quantile, round, sleep } from './common';

export interface SoakOptions {
  total: number;
  minutes: number;
  maxAlive: number;
  startEvery: number;
  scheduleSeconds: number;
  socket: string;
  image: string;
  /** Progress lines (stderr). */
  note(line: string): void;
}

export interface ScrapeSample {
  atMs: number;
  durationMs: number;
  /** docker_audit_* sample lines. */
  series: number;
  lastCollectionSeconds: number;
  heapUsedBytes: number;
  rssBytes: number;
}

export interface SoakResult {
  created: number;
  started: number;
  removed: number;
  peakAlive: number;
  churnSeconds: number;
  baselineSeries: number;
  peakSeries: number;
  /** After the last container went and three more collections completed. */
  finalSeries: number;
  /** The families whose series count differs between the baseline and the end, with both counts. */
  seriesDrift: Array<{ family: string; baseline: number; final: number; added: string[]; gone: string[] }>;
  heapFirstThirdMedianBytes: number;
  heapLastThirdMedianBytes: number;
  rssMaxBytes: number;
  rssLastBytes: number;
  skippedCollections: number;
  eventReconnects: number;
  collections: number;
  scrapes: number;
  scrapeFailures: number;
  scrapeP50Ms: number;
  scrapeP99Ms: number;
  engineErrors: number;
}

// ---------------------------------------------------------------- the Engine API, on the socket

function engineCall(socket: string, method: string, requestPath: string, body?: unknown): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const req = http.request(
      { socketPath: socket, method, path: requestPath, headers: payload ? { 'Content-Type': 'application/json', 'Content-Length': payload.length } : {} },
      (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    req.setTimeout(60_000, () => req.destroy(new Error(`${method} ${requestPath} timed out`)));
    req.on('error', reject);
    req.end(payload);
  });
}

async function removeLabelled(socket: string, label: string): Promise<number> {
  const filters = encodeURIComponent(JSON.stringify({ label: [label] }));
  const listed = await engineCall(socket, 'GET', `/containers/json?all=1&filters=${filters}`);
  if (listed.status !== 200) throw new Error(`listing the soak's containers failed: HTTP ${listed.status} ${listed.text.slice(0, 200)}`);
  const ids = (JSON.parse(listed.text) as Array<{ Id: string }>).map((c) => c.Id);
  await mapLimit(ids, 8, (id) => engineCall(socket, 'DELETE', `/containers/${id}?force=1`));
  return ids.length;
}

// ---------------------------------------------------------------- the exporter's own figures

/** The docker_audit_* sample lines of an exposition, per family name. */
function seriesByFamily(text: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const s of parseExposition(text)) if (s.name.startsWith('docker_audit_')) counts.set(s.name, (counts.get(s.name) ?? 0) + 1);
  return counts;
}

/** The label sets of one family's series, as `{a="1",b="2"}` strings. */
function labelSets(text: string, family: string): Set<string> {
  const sets = new Set<string>();
  for (const s of parseExposition(text)) if (s.name === family) sets.add(`{${Object.entries(s.labels).map(([k, v]) => `${k}="${v}"`).join(',')}}`);
  return sets;
}

const total = (m: Map<string, number>): number => [...m.values()].reduce((a, b) => a + b, 0);

function valueOf(text: string, name: string): number {
  const s = parseExposition(text).find((x) => x.name === name);
  return s === undefined ? NaN : s.value;
}

/** Unix time of the last completed collection: it moves on once per collection. */
const lastCollection = (text: string): number => valueOf(text, 'docker_audit_last_collection_timestamp_seconds');

/** Waits until the exporter finished `n` more collections; resolves to the /metrics text then. */
async function waitCollections(exporter: ExporterProcess, n: number, timeoutMs: number): Promise<string> {
  let seen = lastCollection(await exporter.metrics());
  let done = 0;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const text = await exporter.metrics();
    const at = lastCollection(text);
    if (at !== seen) {
      seen = at;
      if (++done >= n) return text;
    }
    if (Date.now() > deadline) throw new Error(`the exporter did not finish ${n} collections within ${timeoutMs} ms`);
    await sleep(200);
  }
}

// ---------------------------------------------------------------- the soak

export async function runSoak(o: SoakOptions): Promise<SoakResult> {
  const run = `${process.pid}-${Date.now()}`;
  await removeLabelled(o.socket, 'dae.soak');
  const exporter = new ExporterProcess([
    '--web.listen-address=127.0.0.1:0',
    `--docker.host=unix://${o.socket}`,
    `--collection.schedule=*/${o.scheduleSeconds} * * * * *`,
    // The host's audit log grows with whatever else runs here; it is not what is soaked.
    '--no-collector.auditlog',
  ]);
  let engineErrors = 0;
  let created = 0;
  let started = 0;
  let removed = 0;
  let peakAlive = 0;
  const alive: string[] = [];
  const createOne = async (name: string, start: boolean): Promise<void> => {
    const c = await engineCall(o.socket, 'POST', `/containers/create?name=${name}`, { Image: o.image, Cmd: ['sleep', '3600'], Labels: { 'dae.soak': run } });
    if (c.status !== 201) {
      engineErrors++;
      return;
    }
    const id = (JSON.parse(c.text) as { Id: string }).Id;
    created++;
    alive.push(id);
    peakAlive = Math.max(peakAlive, alive.length);
    if (start) {
      const s = await engineCall(o.socket, 'POST', `/containers/${id}/start`);
      if (s.status === 204) started++;
      else engineErrors++;
    }
  };
  const removeOne = async (id: string): Promise<void> => {
    const r = await engineCall(o.socket, 'DELETE', `/containers/${id}?force=1`);
    if (r.status === 204) removed++;
    else engineErrors++;
  };

  try {
    await exporter.start();
    // The event stream first: events before its subscription are not counted, and the
    // warm-up's must be.
    await exporter.waitFor((m) => valueOf(m, 'docker_audit_engine_events_stream_up') === 1, 60_000, 'the engine event stream up');
    // Warm-up: a container created, started and force-removed, and one created and removed,
    // so the event counters' series of those actions (create, start, top, network connect,
    // kill, die, network disconnect, destroy) exist before the baseline.
    await createOne(`dae-soak-${run}-warm`, true);
    // The processes collector's `docker top` of a new running container is an engine event
    // of its own (container top): wait for it before the container goes.
    await exporter.waitFor((m) => /^docker_audit_engine_events_total\{[^}]*action="top"/m.test(m), 60_000, 'the warm-up container read by the processes collector');
    await removeOne(alive.shift()!);
    await createOne(`dae-soak-${run}-warm-created`, false);
    await removeOne(alive.shift()!);
    await waitCollections(exporter, 3, 60_000);
    const baselineText = await waitCollections(exporter, 1, 60_000);
    const baseline = seriesByFamily(baselineText);
    const baselineSeries = total(baseline);
    const skippedBefore = valueOf(baselineText, 'docker_audit_collections_skipped_total');
    const reconnectsBefore = valueOf(baselineText, 'docker_audit_engine_events_reconnects_total');
    o.note(`baseline: ${baselineSeries} docker_audit_* series; churning ${o.total} containers over ${o.minutes} min, at most ${o.maxAlive} alive`);

    const scrapes: ScrapeSample[] = [];
    let scrapeFailures = 0;
    let churning = true;
    const churnStarted = performance.now();
    const scraper = (async () => {
      while (churning) {
        const t0 = performance.now();
        try {
          const text = await exporter.metrics();
          const durationMs = performance.now() - t0;
          scrapes.push({
            atMs: t0 - churnStarted,
            durationMs,
            series: total(seriesByFamily(text)),
            lastCollectionSeconds: lastCollection(text),
            heapUsedBytes: valueOf(text, 'nodejs_heap_size_used_bytes'),
            rssBytes: valueOf(text, 'process_resident_memory_bytes'),
          });
        } catch {
          scrapeFailures++;
        }
        await sleep(Math.max(0, 1000 - (performance.now() - t0)));
      }
    })();

    // Paced: container i is due at i * interval; removals keep at most maxAlive alive.
    const intervalMs = (o.minutes * 60_000) / o.total;
    let lastReport = 0;
    for (let i = 0; i < o.total; i++) {
      const due = churnStarted + i * intervalMs;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      while (alive.length >= o.maxAlive) await removeOne(alive.shift()!);
      await createOne(`dae-soak-${run}-${i}`, i % o.startEvery === 0).catch(() => void engineErrors++);
      if (performance.now() - lastReport > 60_000) {
        lastReport = performance.now();
        const last = scrapes.at(-1);
        o.note(`${i + 1}/${o.total} created, ${alive.length} alive, ${last?.series ?? '?'} series, heap ${last ? fmtMiB(last.heapUsedBytes) : '?'}`);
      }
    }
    await mapLimit(alive.splice(0), 8, removeOne);
    const churnSeconds = (performance.now() - churnStarted) / 1000;
    churning = false;
    await scraper;

    // Three full collections after the last removal: the list, the inspect cache and the
    // event watcher have all seen the containers go.
    const finalText = await waitCollections(exporter, 3, 120_000);
    const final = seriesByFamily(finalText);
    const families = new Set([...baseline.keys(), ...final.keys()]);
    const seriesDrift = [...families]
      .filter((family) => (baseline.get(family) ?? 0) !== (final.get(family) ?? 0))
      .map((family) => {
        // Which series came or went: a handful, so the report says what to look at.
        const before = labelSets(baselineText, family);
        const after = labelSets(finalText, family);
        return {
          family,
          baseline: baseline.get(family) ?? 0,
          final: final.get(family) ?? 0,
          added: [...after].filter((l) => !before.has(l)).slice(0, 5),
          gone: [...before].filter((l) => !after.has(l)).slice(0, 5),
        };
      });

    const third = Math.floor(scrapes.length / 3);
    const heaps = scrapes.map((s) => s.heapUsedBytes);
    const durations = scrapes.map((s) => s.durationMs).sort((a, b) => a - b);
    return {
      created,
      started,
      removed,
      peakAlive,
      churnSeconds,
      baselineSeries,
      peakSeries: Math.max(baselineSeries, ...scrapes.map((s) => s.series)),
      finalSeries: total(final),
      seriesDrift,
      heapFirstThirdMedianBytes: median(heaps.slice(0, third)),
      heapLastThirdMedianBytes: median(heaps.slice(heaps.length - third)),
      rssMaxBytes: Math.max(...scrapes.map((s) => s.rssBytes)),
      rssLastBytes: valueOf(finalText, 'process_resident_memory_bytes'),
      skippedCollections: valueOf(finalText, 'docker_audit_collections_skipped_total') - skippedBefore,
      eventReconnects: valueOf(finalText, 'docker_audit_engine_events_reconnects_total') - reconnectsBefore,
      // Each completed collection moves the timestamp on; scraped every second against a schedule of 2 s or more, none is missed.
      collections: new Set(scrapes.map((s) => s.lastCollectionSeconds)).size,
      scrapes: scrapes.length,
      scrapeFailures,
      scrapeP50Ms: quantile(durations, 0.5),
      scrapeP99Ms: quantile(durations, 0.99),
      engineErrors,
    };
  } finally {
    await exporter.stop();
    await removeLabelled(o.socket, `dae.soak=${run}`).catch(() => 0);
  }
}

export function soakReport(r: SoakResult): string {
  const heapRatio = r.heapLastThirdMedianBytes / r.heapFirstThirdMedianBytes;
  return keyValueTable([
    ['containers created / started / removed', `${r.created} / ${r.started} / ${r.removed} in ${r.churnSeconds.toFixed(0)} s (peak ${r.peakAlive} alive)`],
    ['docker_audit_* series: baseline, peak, final', `${r.baselineSeries}, ${r.peakSeries}, ${r.finalSeries} (${r.finalSeries === r.baselineSeries ? 'back to baseline' : 'NOT back to baseline'})`],
    ...r.seriesDrift.map((d): [string, string] => [`  drift ${d.family}`, `${d.baseline} -> ${d.final}; new ${d.added.join(' ') || '-'}; gone ${d.gone.join(' ') || '-'}`]),
    ['heap used, median of first / last third', `${fmtMiB(r.heapFirstThirdMedianBytes)} / ${fmtMiB(r.heapLastThirdMedianBytes)} (${((heapRatio - 1) * 100).toFixed(1)}%, target ≤ +5%)`],
    ['RSS: max, at the end', `${fmtMiB(r.rssMaxBytes)}, ${fmtMiB(r.rssLastBytes)}`],
    ['collections completed during the churn / skipped', `${r.collections} / ${r.skippedCollections}`],
    ['event stream reconnects', String(r.eventReconnects)],
    ['scrapes (failed): p50, p99', `${r.scrapes} (${r.scrapeFailures}): ${fmtMs(r.scrapeP50Ms)}, ${fmtMs(r.scrapeP99Ms)}`],
    ['engine calls refused', String(r.engineErrors)],
  ]);
}

if (require.main === module) {
  const { intOption, numberOption, option, note } = benchCli({ name: 'bench:soak', flags: ['total', 'minutes', 'max-alive', 'start-every', 'schedule-s', 'socket'], env: true });
  const options: SoakOptions = {
    total: intOption('total', 10_000, 1),
    minutes: numberOption('minutes', 20, 0.1),
    maxAlive: intOption('max-alive', 300, 1),
    startEvery: intOption('start-every', 10, 1),
    scheduleSeconds: intOption('schedule-s', 2, 1),
    socket: option('socket', '/var/run/docker.sock'),
    image: TEST_IMAGE,
    note,
  };
  runSoak(options).then(
    (r) => {
      out(`churn soak: ${options.total} containers over ${options.minutes} min, schedule ${options.scheduleSeconds} s, scraped every second`);
      out(soakReport(r));
      out(JSON.stringify({ bench: 'soak', ...r, heapFirstThirdMedianBytes: round(r.heapFirstThirdMedianBytes, 0), heapLastThirdMedianBytes: round(r.heapLastThirdMedianBytes, 0) }));
    },
    (err: unknown) => {
      process.stderr.write(`bench:soak failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exit(1);
    },
  );
}
