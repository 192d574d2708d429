// The folder of Trivy reports (--trivy.reports-dir): every *.json file in it, each parsed
// again only when its modification time or size changed. A file that is not a report is
// logged once per change, with its name, and counted as unreadable; it never stops the others.
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { describeError, logWhenNew, type Logger } from '../base/log';
import { parseTrivyReport, type TrivyReportCounts } from '../model/trivy-report';
import { readTextFile } from '../readers/files';

export interface TrivyReport extends TrivyReportCounts {
  readonly file: string;
  /** The file's modification time, Unix seconds. */
  readonly mtimeSeconds: number;
}

export interface TrivyReports {
  /** Every report that could be read (the images collector keeps the newest of each image). */
  readonly reports: readonly TrivyReport[];
  readonly ok: number;
  readonly unreadable: number;
}

interface CacheEntry {
  readonly mtimeMs: number;
  readonly size: number;
  readonly report: TrivyReport | undefined;
}

export class TrivyReportsDir {
  private readonly cache = new Map<string, CacheEntry>();
  private readonly logFailures = logWhenNew();
  /** Files parsed by the last read (the rest came from the cache). */
  lastParsed = 0;

  constructor(
    readonly dir: string,
    private readonly logger: Logger,
  ) {}

  async read(): Promise<TrivyReports> {
    let names: string[];
    try {
      // Symlinks too: a Kubernetes ConfigMap or Secret mount holds nothing else. Anything but a
      // folder is taken: a FIFO or device named *.json is reported, not skipped in silence.
      names = (await fs.readdir(this.dir, { withFileTypes: true })).filter((e) => !e.isDirectory() && e.name.endsWith('.json')).map((e) => e.name);
    } catch (cause) {
      throw new Error(`reading Trivy reports from ${this.dir} failed`, { cause });
    }
    const present = new Set(names);
    for (const name of this.cache.keys()) if (!present.has(name)) this.cache.delete(name);
    let parsed = 0;
    const entries: CacheEntry[] = [];
    const failures = new Map<string, () => void>();
    for (const name of names.sort()) {
      const file = path.join(this.dir, name);
      let entry = this.cache.get(name);
      try {
        const stat = await fs.stat(file);
        if (stat.isDirectory()) continue; // a symlink to a folder
        // Anything else but a file is refused by readTextFile, and counted as unreadable.
        if (!entry || entry.mtimeMs !== stat.mtimeMs || entry.size !== stat.size) {
          parsed++;
          entry = { mtimeMs: stat.mtimeMs, size: stat.size, report: this.parse(file, await readTextFile(file), stat.mtimeMs) };
          this.cache.set(name, entry);
        }
      } catch (err) {
        // Removed since readdir, a dangling symlink, or unreadable (permissions): not cached, so it is retried.
        const message = describeError(err);
        failures.set(`${file} ${message}`, () => this.logger.warn('reading a Trivy report failed', { file, err: message }));
        entry = { mtimeMs: 0, size: 0, report: undefined };
      }
      entries.push(entry);
    }
    this.logFailures(failures);
    this.lastParsed = parsed;
    const reports = entries.flatMap((e) => (e.report ? [e.report] : []));
    return { reports, ok: reports.length, unreadable: entries.length - reports.length };
  }

  private parse(file: string, text: string, mtimeMs: number): TrivyReport | undefined {
    try {
      return { ...parseTrivyReport(text), file, mtimeSeconds: mtimeMs / 1000 };
    } catch (err) {
      this.logger.warn('unreadable Trivy report: not counted', { file, err: describeError(err) });
      return undefined;
    }
  }
}
