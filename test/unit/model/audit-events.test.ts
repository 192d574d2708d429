import * as fs from 'node:fs';
import * as path from 'node:path';
import { EventAssembler, type AuditEvent } from '../../../src/model/audit-events';
import { parseRecord } from '../../../src/model/audit-record';

const FIXTURES = path.join(__dirname, '..', '..', 'fixtures', 'audit');
const records = (name: string) =>
  fs
    .readFileSync(path.join(FIXTURES, name))
    .toString('latin1')
    .split('\n')
    .map((l) => parseRecord(l))
    .filter((r) => r !== undefined);

function assemble(lines: string[], finish: 'all' | 'none' = 'all'): AuditEvent[] {
  const events: AuditEvent[] = [];
  const assembler = new EventAssembler((e) => events.push(e));
  for (const line of lines) assembler.add(parseRecord(line)!, 0);
  if (finish === 'all') assembler.completeAll();
  return events;
}

describe('EventAssembler', () => {
  it('keeps the two recorded events whose records interleave apart', () => {
    const events: AuditEvent[] = [];
    const assembler = new EventAssembler((e) => events.push(e));
    const all = records('interleaved-from-recorded.log');
    for (const r of all.slice(0, -1)) assembler.add(r, 0);
    // The unlink's PROCTITLE came; the exec's (the last line) has not.
    expect(events.map((e) => [e.keys, e.syscall, e.success, e.exe])).toEqual([[['dae_al_fx_w'], 'unlinkat', 'yes', '/usr/bin/rm']]);
    assembler.add(all[all.length - 1], 0);
    expect(events.map((e) => [e.keys, e.syscall, e.success])).toEqual([
      [['dae_al_fx_w'], 'unlinkat', 'yes'],
      [['dae_al_fx_x'], 'execve', 'yes'],
    ]);
    expect(events[1].exe).toMatch(/\/bin\/echo$/);
    expect(assembler.openEvents).toBe(0);
  });

  it('counts a recorded event with a hex key of two keys once, with both keys', () => {
    const events: AuditEvent[] = [];
    const assembler = new EventAssembler((e) => events.push(e));
    for (const r of records('recorded-enriched.log')) assembler.add(r, 0);
    assembler.completeAll();
    const multi = events.filter((e) => e.keys.includes('dae_al_fx_a'));
    expect(multi).toHaveLength(2); // the rule's CONFIG_CHANGE and the watched touch
    for (const e of multi) expect(e.keys).toEqual(['dae_al_fx_a', 'dae_al_fx_b']);
    expect(events.filter((e) => e.success === 'no').map((e) => [e.keys, e.syscall])).toEqual([[['dae_al_fx_w'], 'mkdir']]);
    // key=(null) is no key
    expect(events.some((e) => e.keys.length === 0)).toBe(true);
  });

  it('completes an event on EOE', () => {
    const events = assemble(
      ['type=SYSCALL msg=audit(100.000:1): arch=c000003e syscall=2 success=no exit=-2 key="k"', 'type=EOE msg=audit(100.000:1): '],
      'none',
    );
    expect(events).toEqual([{ keys: ['k'], syscall: 'open', success: 'no', exe: '', time: 100 }]);
  });

  it('completes an event when one 2 s newer starts; a straggler makes a new event, as in ausearch', () => {
    const events = assemble(
      [
        'type=SYSCALL msg=audit(100.000:1): arch=c000003e syscall=2 success=yes key="k"',
        'type=SYSCALL msg=audit(101.000:2): arch=c000003e syscall=2 success=yes key="k"',
        'type=SYSCALL msg=audit(102.500:3): arch=c000003e syscall=2 success=yes key="k"',
        'type=PATH msg=audit(100.000:1): item=0 name="/late"',
      ],
      'all',
    );
    expect(events.map((e) => [e.time, e.keys, e.syscall])).toEqual([
      [100, ['k'], 'open'],
      [101, ['k'], 'open'],
      [102.5, ['k'], 'open'],
      [100, [], ''], // the key was counted once, with the SYSCALL record
    ]);
  });

  it('gives events without a SYSCALL record syscall="" and success=""', () => {
    const events = assemble(['type=DAEMON_START msg=audit(5.000:9): op=start ver=3.0.9 format=enriched res=success']);
    expect(events).toEqual([{ keys: [], syscall: '', success: '', exe: '', time: 5 }]);
  });

  it('tells events of different nodes with the same serial apart', () => {
    const events = assemble(['node=a type=SYSCALL msg=audit(5.000:9): arch=c000003e syscall=0 success=yes key="x"', 'node=b type=SYSCALL msg=audit(5.000:9): arch=c000003e syscall=1 success=yes key="x"']);
    expect(events.map((e) => e.syscall)).toEqual(['read', 'write']);
  });

  it('expire() completes only events that can no longer grow', () => {
    const events: AuditEvent[] = [];
    const assembler = new EventAssembler((e) => events.push(e));
    const nowSeconds = 1_000_000;
    assembler.add(parseRecord(`type=SYSCALL msg=audit(${nowSeconds - 1}.000:1): arch=c000003e syscall=0 success=yes`)!, nowSeconds * 1000);
    assembler.add(parseRecord(`type=SYSCALL msg=audit(${nowSeconds - 5}.000:2): arch=c000003e syscall=0 success=yes`)!, nowSeconds * 1000);
    assembler.expire(nowSeconds * 1000);
    expect(events.map((e) => e.time)).toEqual([nowSeconds - 5]);
    assembler.expire(nowSeconds * 1000 + 2000); // not seen for 2 s
    expect(events.map((e) => e.time)).toEqual([nowSeconds - 5, nowSeconds - 1]);
    expect(assembler.openEvents).toBe(0);
  });
});
