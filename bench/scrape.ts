// Benchmark of /metrics, plain and gzip, side by side, at 300 and 2,000 containers.
//
// For each size it builds a synthetic host (bench/synthetic-host.ts): the 11 containers
// recorded from Engine 20.10 (test/fixtures/engine-20.10) cloned N times with their own ids
// and names, behind the recorded engine, and runs one real collection over it (every
// collector that reads the engine; the audit ones are off, they read host files) into a
// snapshot, as the scheduler does. The app (createApp, process metrics included) then serves that snapshot from a child
// process, so that the client's work does not share the server's event loop. The client
// sends --requests scrapes of each kind, alternating one plain (no Accept-Encoding) and one
// gzip (Accept-Encoding: gzip, as Prometheus sends) on two keep-alive connections, so both
// kinds meet the same machine at the same moments.
//
// It prints, per size and kind: bytes on the wire per scrape (status line, headers and body,
// as the socket read them), latency to the last byte p50/p99, and gzip over plain as ratios;
// plus the client's gunzip time (what Prometheus pays instead) and the snapshot's one-off
// compression time. Then one JSON line.
//
// Usage: npm run bench:scrape [-- --sizes=300,2000 --requests=400 --warmup=20]
import { fork } from 'node:child_process';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import { gunzipSync } from 'node:zlib';
import { createApp } from '../src/server/app';
import { snapshotGzip } from '../src/server/scheduler';
import { benchCli, fmtKiB, fmtMs, median, now, out, pad, quantile, round, scrapeMetrics as scrape, type MetricsScrape as Scrape, type ScrapeKind as Kind } from './common';
import { syntheticSnapshot } from './synthetic-host';

const { intOption, listOption, option, note, usageError } = benchCli({ name: 'bench:scrape', flags: ['sizes', 'requests', 'warmup', 'role', 'size'], env: true });

// ---------------------------------------------------------------------------- the server (child process)

interface Ready {
  port: number;
  containers: number;
  snapshotBytes: number;
  snapshotGzipBytes: number;
  /** The one compression per snapshot (what the scheduler does when a collection completes). */
  snapshotGzipMs: number;
}

async function serveChild(n: number): Promise<void> {
  const snapshot = await syntheticSnapshot(n);
  const t0 = now();
  const gz = await snapshotGzip(snapshot);
  const snapshotGzipMs = now() - t0;
  const app = createApp({ snapshot: () => snapshot, readiness: () => ({ ready: true, reason: 'ready' }), version: 'bench', telemetryPath: '/metrics', collectors: [] });
  const server = http.createServer(app);
  server.listen(0, '127.0.0.1', () => {
    const ready: Ready = { port: (server.address() as AddressInfo).port, containers: n, snapshotBytes: snapshot.bytes, snapshotGzipBytes: gz.length, snapshotGzipMs };
    process.send!(ready);
  });
  // The parent ends this process when it is done (or dies: the IPC channel closes).
  process.on('disconnect', () => process.exit(0));
}

// ---------------------------------------------------------------------------- the client

interface KindResult {
  wireBytes: number;
  p50: number;
  p99: number;
  max: number;
}

interface SizeResult extends Ready {
  requests: number;
  plain: KindResult;
  gzip: KindResult;
  gunzipMs: number;
}

function stats(xs: Scrape[]): KindResult {
  const ms = xs.map((x) => x.ms).sort((a, b) => a - b);
  return { wireBytes: median(xs.map((x) => x.wireBytes)), p50: quantile(ms, 0.5), p99: quantile(ms, 0.99), max: ms[ms.length - 1] };
}

async function measure(n: number, requests: number, warmup: number): Promise<SizeResult> {
  note(`${n} containers: building the snapshot and starting the server`);
  const child = fork(__filename, [`--role=server`, `--size=${n}`], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  try {
    const ready = await new Promise<Ready>((resolve, reject) => {
      child.once('message', (m) => resolve(m as Ready));
      child.once('exit', (code) => reject(new Error(`the server process exited (${code}) before it was ready`)));
    });
    const agents: Record<Kind, http.Agent> = { plain: new http.Agent({ keepAlive: true, maxSockets: 1 }), gzip: new http.Agent({ keepAlive: true, maxSockets: 1 }) };
    const results: Record<Kind, Scrape[]> = { plain: [], gzip: [] };
    try {
      for (let i = 0; i < warmup; i++) for (const kind of ['plain', 'gzip'] as const) await scrape(agents[kind], ready.port, kind);
      note(`${n} containers: ${requests} scrapes of each kind, alternating`);
      for (let i = 0; i < requests; i++) {
        // Alternate which goes first, so neither always follows the other.
        const order: Kind[] = i % 2 === 0 ? ['plain', 'gzip'] : ['gzip', 'plain'];
        for (const kind of order) results[kind].push(await scrape(agents[kind], ready.port, kind));
      }
    } finally {
      agents.plain.destroy();
      agents.gzip.destroy();
    }
    // The gzip body must be the plain body (the live part differs between two scrapes only in its values).
    const last = results.gzip[results.gzip.length - 1].body;
    const unzipped = gunzipSync(last).toString();
    if (!unzipped.includes('docker_audit_container_privileged{') || !unzipped.includes('process_resident_memory_bytes')) throw new Error('the gzip body does not gunzip to an exposition');
    const gunzipMs = median(results.gzip.slice(0, 50).map((s) => {
      const t0 = now();
      gunzipSync(s.body);
      return now() - t0;
    }));
    return { ...ready, requests, plain: stats(results.plain), gzip: stats(results.gzip), gunzipMs };
  } finally {
    if (child.connected) child.disconnect();
  }
}

// ---------------------------------------------------------------------------- report

function report(results: SizeResult[]): void {
  out('/metrics, plain and gzip side by side (alternating keep-alive scrapes on loopback; latency to the last byte)');
  out(`node ${process.version}, ${os.cpus()[0]?.model ?? 'unknown CPU'} x${os.cpus().length}`);
  out();
  const header = ['containers', 'kind', 'wire bytes/scrape', 'p50', 'p99', 'max'];
  const widths = [10, 5, 18, 10, 10, 10];
  out(header.map((h, i) => pad(h, widths[i], i >= 2)).join('  '));
  for (const r of results) {
    for (const kind of ['plain', 'gzip'] as const) {
      const k = r[kind];
      out([pad(String(r.containers), widths[0]), pad(kind, widths[1]), pad(`${k.wireBytes} (${fmtKiB(k.wireBytes)})`, widths[2], true), pad(fmtMs(k.p50), widths[3], true), pad(fmtMs(k.p99), widths[4], true), pad(fmtMs(k.max), widths[5], true)].join('  '));
    }
    out(
      [pad('', widths[0]), pad('ratio', widths[1]), pad(`gzip/plain ${(r.gzip.wireBytes / r.plain.wireBytes).toFixed(3)}`, widths[2], true), pad(`${(r.gzip.p50 / r.plain.p50).toFixed(2)}x`, widths[3], true), pad(`${(r.gzip.p99 / r.plain.p99).toFixed(2)}x`, widths[4], true), pad('', widths[5])].join('  '),
    );
  }
  out();
  for (const r of results) {
    out(
      `${r.containers} containers: snapshot ${fmtKiB(r.snapshotBytes)}, gzipped once per collection to ${fmtKiB(r.snapshotGzipBytes)} in ${fmtMs(r.snapshotGzipMs)} (thread pool); ` +
        `a gzip scrape costs the client a gunzip of ${fmtMs(r.gunzipMs)} (median)`,
    );
  }
  out(
    JSON.stringify({
      bench: 'scrape',
      node: process.version,
      sizes: results.map((r) => ({
        containers: r.containers,
        requests: r.requests,
        snapshot_bytes: r.snapshotBytes,
        snapshot_gzip_bytes: r.snapshotGzipBytes,
        snapshot_gzip_ms: round(r.snapshotGzipMs, 2),
        client_gunzip_ms: round(r.gunzipMs, 3),
        plain: { wire_bytes: r.plain.wireBytes, p50_ms: round(r.plain.p50, 3), p99_ms: round(r.plain.p99, 3), max_ms: round(r.plain.max, 3) },
        gzip: { wire_bytes: r.gzip.wireBytes, p50_ms: round(r.gzip.p50, 3), p99_ms: round(r.gzip.p99, 3), max_ms: round(r.gzip.max, 3) },
        ratio: { wire_bytes: round(r.gzip.wireBytes / r.plain.wireBytes, 4), p50: round(r.gzip.p50 / r.plain.p50, 3), p99: round(r.gzip.p99 / r.plain.p99, 3) },
      })),
    }),
  );
}

async function main(): Promise<void> {
  if (option('role', 'client') === 'server') return serveChild(intOption('size', 300, 1));
  const sizes = listOption('sizes', '300,2000', (n) => n >= 1 && n <= 10_000, 'a container count from 1 to 10000');
  const requests = intOption('requests', 400, 10);
  const warmup = intOption('warmup', 20, 0);
  if (sizes.length === 0) usageError('--sizes: no size');
  const results: SizeResult[] = [];
  for (const n of sizes) results.push(await measure(n, requests, warmup));
  report(results);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:scrape failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
