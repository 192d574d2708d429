// Property-based fuzzing of the event assembler (src/model/audit-events.ts): parsed records
// in any order, with any clock, must never throw and must group as documented.
import * as fc from 'fast-check';
import { AuditCounters, COMMON_RECORD_TYPES } from '../../../src/collectors/audit-counters';
import { AUDITLOG_METRICS } from '../../../src/metrics/families/auditlog';
import { EventAssembler, type AuditEvent } from '../../../src/model/audit-events';
import { parseRecord, type AuditRecord } from '../../../src/model/audit-record';
import { ALL_SYSCALL_NAMES, archValue, auditLine, encodedValue, expectedSyscall, keyValue, renderFields, syscallValue, successValue, type Field } from './audit-grammar';
import { runs } from './fuzz';

const KEYLESS = new Set(['PATH', 'CWD', 'PROCTITLE', 'EXECVE', 'SOCKADDR', 'BPRM_FCAPS', 'MMAP', 'OPENAT2', 'EOE']);

function expectBoundedEvent(e: AuditEvent): void {
  expect(new Set(e.keys).size).toBe(e.keys.length);
  for (const k of e.keys) {
    expect(k).not.toBe('');
    expect(k).not.toContain('\x01');
  }
  // The syscall label is bounded: a table name, "other", or "" without a SYSCALL record.
  expect(e.syscall === '' || e.syscall === 'other' || ALL_SYSCALL_NAMES.has(e.syscall)).toBe(true);
  expect(Number.isFinite(e.time) && e.time >= 0).toBe(true);
  expect(typeof e.success).toBe('string');
  expect(typeof e.exe).toBe('string');
}

const nowMs = fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 5_000_000_000_000 }), fc.constantFrom(-1, Number.MAX_SAFE_INTEGER));

describe('EventAssembler (fuzz)', () => {
  it('never throws on any parsed records in any order, with any clock and expiries between; completeAll leaves nothing open', () => {
    // Lines share a few ids, so records of one event arrive apart, before and after others.
    const ops = fc.uniqueArray(fc.constantFrom('1.000:1', '1.500:2', '3.000:3', '100.000:4', '1795457711.974:22459'), { minLength: 1, maxLength: 3 }).chain((ids) =>
      fc.array(
        fc.oneof(
          { weight: 5, arbitrary: fc.record({ op: fc.constant('add' as const), line: fc.oneof(auditLine, auditLine.map((l) => l.replace(/msg=audit\([^)]*\)/, `msg=audit(${ids[l.length % ids.length]})`))), nowMs }) },
          fc.record({ op: fc.constant('expire' as const), nowMs }),
        ),
        { maxLength: 40 },
      ),
    );
    fc.assert(
      fc.property(ops, (list) => {
        const events: AuditEvent[] = [];
        const assembler = new EventAssembler((e) => events.push(e));
        const groups = new Set<string>();
        let records = 0;
        for (const o of list) {
          if (o.op === 'expire') {
            assembler.expire(o.nowMs);
            continue;
          }
          const r = parseRecord(o.line);
          if (!r) continue;
          records++;
          groups.add(`${r.node}|${r.id}`);
          assembler.add(r, o.nowMs);
        }
        assembler.completeAll();
        expect(assembler.openEvents).toBe(0);
        // Every record is in exactly one event; an event holds at least one record.
        expect(events.length).toBeGreaterThanOrEqual(groups.size);
        expect(events.length).toBeLessThanOrEqual(records);
        events.forEach(expectBoundedEvent);
      }),
      runs(300),
    );
  });

  // Events within 2 s of each other, none ended by PROCTITLE or EOE, at most one SYSCALL
  // record each: whatever the order of their records, each event is one event, with the
  // union of its keys and its SYSCALL record's syscall, success and exe.
  interface GenEvent {
    readonly node: string;
    readonly id: string;
    readonly syscall?: { readonly arch: string; readonly number: string; readonly success: string; readonly exe: { raw: string; decoded: string | undefined }; readonly key: { raw: string; keys: string[] } | undefined };
    readonly others: readonly { readonly type: string; readonly key: { raw: string; keys: string[] } | undefined; readonly filler: readonly Field[] }[];
  }
  const otherType = fc.constantFrom('PATH', 'CWD', 'EXECVE', 'SOCKADDR', 'CONFIG_CHANGE', 'USER_CMD', 'AVC', 'NETFILTER_CFG', 'X_UNKNOWN');
  const filler = fc.array(fc.record({ name: fc.constantFrom('a0', 'items', 'pid', 'name', 'monkey', 'res'), raw: fc.stringMatching(/^[0-9a-z"()]{0,6}$/) }), { maxLength: 3 });
  const genEvent = (node: string, id: string): fc.Arbitrary<GenEvent> =>
    fc.record({
      node: fc.constant(node),
      id: fc.constant(id),
      syscall: fc.option(fc.record({ arch: archValue, number: syscallValue, success: successValue, exe: encodedValue, key: fc.option(keyValue, { nil: undefined }) }), { nil: undefined }),
      others: fc.array(fc.record({ type: otherType, key: fc.option(keyValue, { nil: undefined }), filler }), { maxLength: 4 }),
    });
  const genEvents = fc
    .uniqueArray(fc.tuple(fc.constantFrom('', 'a', 'b'), fc.integer({ min: 0, max: 1999 }), fc.integer({ min: 1, max: 50 })), { minLength: 1, maxLength: 8, selector: ([n, , s]) => `${n}|${s}` })
    .chain((keys) => fc.tuple(...keys.map(([node, ms, serial]) => genEvent(node, `${1000 + Math.floor(ms / 1000)}.${String(ms % 1000).padStart(3, '0')}:${serial}`))));

  function recordsOf(e: GenEvent): AuditRecord[] {
    const out: AuditRecord[] = [];
    if (e.syscall) {
      const s = e.syscall;
      const fs: Field[] = [{ name: 'arch', raw: s.arch }, { name: 'syscall', raw: s.number }, { name: 'success', raw: s.success }, { name: 'exe', raw: s.exe.raw }];
      if (s.key) fs.push({ name: 'key', raw: s.key.raw });
      out.push({ node: e.node, type: 'SYSCALL', id: e.id, fields: renderFields(fs) });
    }
    for (const o of e.others) out.push({ node: e.node, type: o.type, id: e.id, fields: renderFields([...o.filler, ...(o.key ? [{ name: 'key', raw: o.key.raw }] : [])]) });
    return out;
  }

  const expected = (e: GenEvent) => ({
    keys: [...new Set([...(e.syscall?.key?.keys ?? []), ...e.others.filter((o) => !KEYLESS.has(o.type)).flatMap((o) => o.key?.keys ?? [])])].sort(),
    syscall: e.syscall ? expectedSyscall(e.syscall.arch, e.syscall.number) : '',
    success: e.syscall?.success ?? '',
    exe: e.syscall?.exe.decoded ?? '',
    time: parseFloat(e.id),
  });
  const canonical = (e: { keys: readonly string[]; syscall: string; success: string; exe: string; time: number }) => JSON.stringify([[...e.keys].sort(), e.syscall, e.success, e.exe, e.time]);

  it('groups records by node and id whatever their order: one event each, with every key once', () => {
    const input = genEvents.chain((evs) => {
      const all = evs.flatMap(recordsOf);
      return fc.tuple(fc.constant(evs), fc.shuffledSubarray(all, { minLength: all.length, maxLength: all.length }));
    });
    fc.assert(
      fc.property(input, ([evs, shuffled]) => {
        const events: AuditEvent[] = [];
        const assembler = new EventAssembler((e) => events.push(e));
        for (const r of shuffled) assembler.add(r, 0);
        expect(events).toEqual([]); // nothing ends an event, nothing is 2 s older than another
        assembler.completeAll();
        const withRecords = evs.filter((e) => recordsOf(e).length > 0);
        expect(events.map(canonical).sort()).toEqual(withRecords.map(expected).map(canonical).sort());
        // success is the SYSCALL record's raw value, whatever it is: the model does not bound it to yes/no.
      }),
      runs(300),
    );
  });

  it('completes each event on its PROCTITLE or EOE, however the events interleave, and leaves nothing open', () => {
    const input = genEvents.chain((evs) =>
      fc.tuple(
        fc.constant(evs),
        fc.array(fc.constantFrom('PROCTITLE', 'EOE'), { minLength: evs.length, maxLength: evs.length }),
        fc.array(fc.nat(), { minLength: 64, maxLength: 64 }),
      ),
    );
    fc.assert(
      fc.property(input, ([evs, enders, order]) => {
        // Each event's records in order, its ender last; the events merged in a random interleaving.
        const queues = evs.map((e, i) => [...recordsOf(e), { node: e.node, type: enders[i], id: e.id, fields: enders[i] === 'PROCTITLE' ? 'proctitle=6C73' : '' }]);
        const events: AuditEvent[] = [];
        const assembler = new EventAssembler((e) => events.push(e));
        let step = 0;
        while (queues.some((q) => q.length > 0)) {
          const open = queues.filter((q) => q.length > 0);
          const q = open[order[step++ % order.length] % open.length];
          const r = q.shift()!;
          const before = events.length;
          assembler.add(r, 0);
          expect(events.length - before).toBe(r.type === 'PROCTITLE' || r.type === 'EOE' ? 1 : 0);
        }
        expect(assembler.openEvents).toBe(0);
        expect(events.map(canonical).sort()).toEqual(evs.map(expected).map(canonical).sort());
      }),
      runs(300),
    );
  });

  it('expire(now) completes every event once the clock is 2 s past it, and never an event newer than that that is still growing', () => {
    fc.assert(
      fc.property(genEvents, fc.integer({ min: 0, max: 4000 }), (evs, afterMs) => {
        const events: AuditEvent[] = [];
        const assembler = new EventAssembler((e) => events.push(e));
        const nowMs = 1_002_000 + afterMs; // the events are at 1000.000 to 1001.999
        for (const e of evs) for (const r of recordsOf(e)) assembler.add(r, nowMs);
        assembler.expire(nowMs);
        const due = evs.filter((e) => recordsOf(e).length > 0 && parseFloat(e.id) <= nowMs / 1000 - 2);
        expect(events.map(canonical).sort()).toEqual(due.map(expected).map(canonical).sort());
        assembler.expire(nowMs + 2000); // not grown for 2 s: all complete
        expect(assembler.openEvents).toBe(0);
      }),
      runs(300),
    );
  });

  it('feeds the auditlog counters only bounded key, syscall, type and exe label values, whatever the log holds', () => {
    // The documented bounds (src/collectors/audit-counters.ts, the families' HELP): keys are
    // the configured ones, "" and "other"; types the common ones and "other"; syscalls a table
    // name, "other" or ""; at most maxExeSeries executables per key, plus "other". success is
    // not checked here: it is the SYSCALL record's raw value, not bounded to yes/no.
    const KEYS = new Set(['docker', 'k']);
    const MAX_EXE = 3;
    fc.assert(
      fc.property(fc.array(auditLine, { maxLength: 40 }), (lines) => {
        const counters = new AuditCounters(KEYS, MAX_EXE);
        const assembler = new EventAssembler((e) => counters.countEvent(e));
        for (const line of lines) {
          const r = parseRecord(line);
          if (!r) continue;
          counters.countRecord(r.type);
          assembler.add(r, 0);
        }
        assembler.completeAll();
        const problems: string[] = [];
        const exesPerKey = new Map<string, number>();
        for (const s of counters.samples()) {
          const { key, syscall, type } = s.labels;
          if (key !== undefined && !(KEYS.has(key) || key === '' || key === 'other')) problems.push(`key ${JSON.stringify(key)}`);
          if (s.family === AUDITLOG_METRICS.auditLogEvents && !(syscall === '' || syscall === 'other' || ALL_SYSCALL_NAMES.has(syscall))) problems.push(`syscall ${JSON.stringify(syscall)}`);
          if (s.family === AUDITLOG_METRICS.auditLogRecords && !(type === 'other' || COMMON_RECORD_TYPES.has(type))) problems.push(`type ${JSON.stringify(type)}`);
          if (s.family === AUDITLOG_METRICS.auditLogEventsByExe) exesPerKey.set(key, (exesPerKey.get(key) ?? 0) + 1);
        }
        for (const [key, n] of exesPerKey) if (n > MAX_EXE + 1) problems.push(`${n} exe series for key ${JSON.stringify(key)}`);
        expect(problems).toEqual([]);
      }),
      runs(200),
    );
  });
});
