import { AuditCounters } from '../../../src/audit/counters';
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
