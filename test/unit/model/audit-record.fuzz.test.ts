// Counterexamples the property-based fuzzing (test/unit/fuzz/audit-*.fuzz.test.ts) found,
// kept as plain tests.
import { EventAssembler, type AuditEvent } from '../../../src/model/audit-events';
import { parseRecord, syscallName } from '../../../src/model/audit-record';

describe('syscallName: counterexamples found by fuzzing', () => {
  it('takes an arch named like a property of every object (arch=__proto__, arch=constructor) as an unknown arch, instead of throwing', () => {
    expect(syscallName('__proto__', '1')).toBe('other');
    expect(syscallName('constructor', '1')).toBe('other');
    expect(syscallName('CONSTRUCTOR', '0')).toBe('other');
  });

  it('a SYSCALL record with such an arch counts as syscall "other" and does not throw out of the assembler', () => {
    const events: AuditEvent[] = [];
    const assembler = new EventAssembler((e) => events.push(e));
    expect(() => assembler.add(parseRecord('type=SYSCALL msg=audit(1000.921:47): arch=__proto__ syscall=0 success=yes exe=20')!, 0)).not.toThrow();
    assembler.completeAll();
    expect(events).toEqual([{ keys: [], syscall: 'other', success: 'yes', exe: ' ', time: 1000.921 }]);
  });

  it('reads only a decimal syscall number: an empty or hex one is "other", not syscall 0 (read, restart_syscall) or 59 (execve)', () => {
    expect(syscallName('40000003', '')).toBe('other'); // was restart_syscall
    expect(syscallName('c000003e', '')).toBe('other'); // was read
    expect(syscallName('c000003e', '0x3b')).toBe('other'); // was execve
    expect(syscallName('c000003e', '1e1')).toBe('other'); // was mprotect
    expect(syscallName('c000003e', '59')).toBe('execve');
    expect(syscallName('C000003E', '0')).toBe('read');
  });
});
