import { AuditCounters } from '../../../src/collectors/audit-counters';
import type { Sample } from '../../../src/metrics/sample';

const event = (keys: string[], exe: string) => ({ keys, syscall: 'openat', success: 'yes', exe, time: 1 });
const values = (samples: Sample[], name: string) =>
  Object.fromEntries(samples.filter((s) => s.family.name === name).map((s) => [JSON.stringify(s.labels), s.value]));

describe('AuditCounters', () => {
  it('counts an event once per key; unknown keys as "other", no key as ""', () => {
    const c = new AuditCounters(new Set(['docker', 'a']), 20);
    c.countEvent(event(['docker', 'a'], '/x'));
    c.countEvent(event(['zzz'], '/x'));
    c.countEvent(event([], '/x'));
    expect(Object.fromEntries(c.eventsByKey())).toEqual({ docker: 1, a: 1, other: 1, '': 1 });
  });

  it('caps executables per key, first come first kept, and loses no count', () => {
    const c = new AuditCounters(new Set(['k']), 2);
    for (const exe of ['/a', '/b', '/c', '/d', '/a', '/c']) c.countEvent(event(['k'], exe));
    expect(values(c.samples(), 'docker_audit_log_events_by_exe_total')).toEqual({
      '{"key":"k","exe":"/a"}': 2,
      '{"key":"k","exe":"/b"}': 1,
      '{"key":"k","exe":"other"}': 3,
    });
  });

  it('counts uncommon record types as "other"', () => {
    const c = new AuditCounters(new Set(), 20);
    for (const t of ['SYSCALL', 'PATH', 'WEIRD_NEW_TYPE', 'SYSCALL']) c.countRecord(t);
    expect(values(c.samples(), 'docker_audit_log_records_total')).toEqual({ '{"type":"SYSCALL"}': 2, '{"type":"PATH"}': 1, '{"type":"other"}': 1 });
  });
});

describe('AuditCounters with label values holding any byte', () => {
  it('keeps success within yes, no, "" and "other": 5,000 distinct values from the log make one series, and no count is lost', () => {
    const c = new AuditCounters(new Set(['k']), 20);
    for (let i = 0; i < 5000; i++) c.countEvent({ ...event(['k'], '/x'), success: `forged-${i}` });
    c.countEvent({ ...event(['k'], '/x'), success: 'x\u0000y' }); // the NUL that froze 0.1's snapshot
    c.countEvent({ ...event(['k'], '/x'), success: 'yes' });
    c.countEvent({ ...event(['k'], '/x'), success: 'no' });
    c.countEvent({ ...event(['k'], '/x'), syscall: '', success: '' });
    expect(values(c.samples(), 'docker_audit_log_events_total')).toEqual({
      '{"key":"k","syscall":"openat","success":"other"}': 5001,
      '{"key":"k","syscall":"openat","success":"yes"}': 1,
      '{"key":"k","syscall":"openat","success":"no"}': 1,
      '{"key":"k","syscall":"","success":""}': 1,
    });
    expect(Object.fromEntries(c.eventsByKey())).toEqual({ k: 5004 });
  });

  it('keeps events apart when a syscall name holds a NUL: "openat\\0x" and "openat" are two series, never one duplicated', () => {
    const c = new AuditCounters(new Set(['k']), 20);
    c.countEvent({ ...event(['k'], '/x'), syscall: 'openat\u0000x' });
    c.countEvent({ ...event(['k'], '/x'), syscall: 'openat' });
    const events = c.samples().filter((s) => s.family.name === 'docker_audit_log_events_total');
    expect(events.map((s) => [s.labels.syscall, s.value])).toEqual([
      ['openat\u0000x', 1],
      ['openat', 1],
    ]);
  });
});
