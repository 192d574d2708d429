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
  it('keeps events apart when a field holds a NUL: "x\\0y" and "x" are two series, never one duplicated', () => {
    const c = new AuditCounters(new Set(['k']), 20);
    c.countEvent({ ...event(['k'], '/x'), success: 'x\u0000y' });
    c.countEvent({ ...event(['k'], '/x'), success: 'x' });
    c.countEvent({ ...event(['k'], '/x'), syscall: 'openat\u0000x', success: 'x' });
    const events = c.samples().filter((s) => s.family.name === 'docker_audit_log_events_total');
    expect(events.map((s) => [s.labels.key, s.labels.syscall, s.labels.success, s.value])).toEqual([
      ['k', 'openat', 'x\u0000y', 1],
      ['k', 'openat', 'x', 1],
      ['k', 'openat\u0000x', 'x', 1],
    ]);
    expect(Object.fromEntries(c.eventsByKey())).toEqual({ k: 3 });
  });
});
