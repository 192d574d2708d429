// Collector "auditlog": follows the Linux audit log (--audit.log-path) incrementally and
// counts its events by key, syscall and success, its records by type, and events by
// executable. The file handling is in src/readers/audit-tailer.ts, the record format in
// src/model/audit-record.ts, event assembly in src/model/audit-events.ts; this file wires them to a
// collection. Counters live here for the life of the process and are emitted every time.
import { AuditCounters } from './audit-counters';
import { EventAssembler } from '../model/audit-events';
import { AuditLineScanner } from '../model/audit-scan';
import { AuditLogTailer, type LineSink } from '../readers/audit-tailer';
import type { Facts } from '../facts';
import type { CollectContext, Collector, CollectorDeps } from './collector';

/** The key always counted by name, on top of the keys of the loaded rules. */
export const DEFAULT_AUDIT_KEY = 'docker';

export interface AuditlogDeps extends Pick<CollectorDeps, 'options' | 'logger'> {
  readonly facts: Pick<Facts, 'auditRules'>;
}

export function createAuditlogCollector({ facts, options, logger }: AuditlogDeps): Collector {
  const audit = options.audit;
  const counters = new AuditCounters(new Set(audit.keys ?? [DEFAULT_AUDIT_KEY]), audit.maxExeSeries);
  const assembler = new EventAssembler((event) => counters.countEvent(event));
  const tailer = new AuditLogTailer({
    path: audit.logPath,
    start: audit.start,
    stateFile: audit.stateFile,
    maxLineBytes: audit.maxLineBytes,
    // --once must see the whole log; a server spreads a big backlog over collections.
    maxBytesPerPoll: options.once ? 0 : audit.maxBytesPerCollection,
    logger,
  });
  let nowMs = 0;
  // Lines are read as bytes, for the few fields counting needs (src/model/audit-scan.ts):
  // no string per line, so ingestion runs near the speed of reading and memory stays flat.
  const scanner = new AuditLineScanner();
  const sink: LineSink = {
    bytes(buf, start, end, chunk) {
      const record = scanner.scan(buf, start, end, chunk);
      if (!record) {
        counters.parseErrors++;
        return;
      }
      counters.countRecord(record.typeLabel);
      assembler.addScanned(record, nowMs);
    },
    skipped() {
      counters.parseErrors++;
    },
  };

  /** "docker" plus every key of the loaded rules, when --audit.keys is not given. */
  async function defaultKeys(ctx: CollectContext): Promise<ReadonlySet<string>> {
    try {
      const rules = await facts.auditRules.get(ctx);
      return new Set([DEFAULT_AUDIT_KEY, ...rules.keys]);
    } catch (err) {
      ctx.logger.debug('the audit rules could not be read; counting only the key "docker" by name', { err });
      return new Set([DEFAULT_AUDIT_KEY]);
    }
  }

  return {
    name: 'auditlog',
    async collect(ctx) {
      if (!audit.keys) counters.keys = await defaultKeys(ctx);
      nowMs = ctx.now();
      let failure: unknown;
      try {
        await tailer.poll(sink, ctx.signal);
      } catch (err) {
        failure = err;
      }
      // --once: the input ends here. Otherwise only events that cannot grow any more.
      if (options.once) assembler.completeAll();
      else assembler.expire(ctx.now());
      counters.bytesRead = tailer.bytesRead;
      counters.rotations = tailer.rotations;
      counters.lostFiles = tailer.lostFiles;
      counters.lagBytes = tailer.lagBytes;
      counters.samples().forEach(ctx.emit);
      if (failure !== undefined) throw failure;
    },
    close: () => tailer.close(),
  };
}
