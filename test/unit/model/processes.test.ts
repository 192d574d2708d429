// The pure parts of the processes collector: process names from top's CMD column, the
// whole-OS match over answers recorded from Engine 20.10, and the schedule's maths.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  DEFAULT_FULL_OS_PROCESS_NAMES,
  commandColumn,
  pickTopReads,
  fullOsNameProblem,
  processName,
  topDueAtMs,
  topOffsetMs,
  topReadDue,
  topReadsPerCollection,
  topSummary,
} from '../../../src/model/processes';
import type { ContainerTop } from '../../../src/readers/engine-types';
import { ENGINE_FIXTURES } from '../../helpers/fixtures';

const recordedTop = (name: string): ContainerTop => JSON.parse(fs.readFileSync(path.join(ENGINE_FIXTURES, `recorded-top-${name}.json`), 'utf8')) as ContainerTop;
const DEFAULT_SET = new Set(DEFAULT_FULL_OS_PROCESS_NAMES);

describe('processName', () => {
  it.each([
    ['/sbin/init', 'init'],
    ['init', 'init'],
    ['init splash', 'init'],
    ['/lib/systemd/systemd --system --deserialize 21', 'systemd'],
    ['/lib/systemd/systemd-journald', 'systemd-journald'],
    ['sshd: user@pts/0', 'sshd'],
    ['sshd: /usr/sbin/sshd -D [listener] 0 of 10-100 startups', 'sshd'],
    ['sshd: root [priv]', 'sshd'],
    ['/usr/sbin/sshd -D', 'sshd'],
    ['[kthreadd]', 'kthreadd'],
    ['[kworker/0:1-events]', 'kworker/0:1-events'],
    ['[sh] <defunct>', 'sh'],
    ['s6-svscan /run/service', 's6-svscan'],
    ['/command/s6-svscan -d4 -- /run/service', 's6-svscan'],
    ['runit', 'runit'],
    ['/usr/bin/python3 /usr/bin/supervisord -n -c /etc/supervisor/supervisord.conf', 'python3'],
    ['/usr/bin/supervisord -n', 'supervisord'],
    ['-bash', 'bash'],
    ['/usr/sbin/cron -f', 'cron'],
    ['crond -f -l 8', 'crond'],
    ['/usr/sbin/rsyslogd -n -iNONE', 'rsyslogd'],
    ['nginx: master process nginx -g daemon off;', 'nginx'],
    ['postgres: checkpointer', 'postgres'],
    ['(sd-pam)', 'sd-pam'],
    ['/sbin/docker-init -- /docker-entrypoint.sh', 'docker-init'],
    ['  /usr/bin/tini -- app  ', 'tini'],
    ['', ''],
    ['   ', ''],
  ])('%j is %j', (cmd, name) => {
    expect(processName(cmd)).toBe(name);
  });

  it('gives for every recorded process the name of what runs', () => {
    const names = (top: ContainerTop) => top.Processes!.map((row) => processName(row[row.length - 1]));
    expect(names(recordedTop('sleeps'))).toEqual(['sh', 'sleep', 'sleep']);
    expect(names(recordedTop('fullos'))).toEqual(['init', 'crond', 'syslogd', 'sleep']);
    expect(names(recordedTop('sshd-title'))).toEqual(['sshd', 'sleep']);
  });
});

describe('commandColumn', () => {
  it('finds CMD (ps -ef, what the engine runs by default), COMMAND, ARGS or a Windows engine\'s Name, else says "the last"', () => {
    expect(commandColumn(recordedTop('sleeps').Titles)).toBe(7);
    expect(commandColumn(['PID', 'COMMAND'])).toBe(1);
    expect(commandColumn(['args', 'pid'])).toBe(0);
    expect(commandColumn(['Name', 'PID', 'CPU', 'Private Working Set'])).toBe(0);
    expect(commandColumn(['PID', 'TIME'])).toBe(-1);
    expect(commandColumn(undefined)).toBe(-1);
    expect(commandColumn('CMD' as unknown as string[])).toBe(-1);
  });
});

describe('topSummary', () => {
  it('counts the recorded processes and finds the whole-OS names among them', () => {
    expect(topSummary(recordedTop('sleeps'), DEFAULT_SET)).toEqual({ processes: 3, fullOsProcesses: [] });
    // busybox init respawning crond, syslogd and sleep: syslogd is not rsyslogd.
    expect(topSummary(recordedTop('fullos'), DEFAULT_SET)).toEqual({ processes: 4, fullOsProcesses: ['crond', 'init'] });
    expect(topSummary(recordedTop('sshd-title'), DEFAULT_SET)).toEqual({ processes: 2, fullOsProcesses: ['sshd'] });
  });

  it('reports each name once, sorted, and only names of the set given', () => {
    const top: ContainerTop = {
      Titles: ['PID', 'CMD'],
      Processes: [['1', '/usr/sbin/sshd -D'], ['7', 'sshd: a@pts/0'], ['8', 'sshd: b@pts/1'], ['9', '/usr/sbin/cron -f'], ['10', 'bash']],
    };
    expect(topSummary(top, DEFAULT_SET)).toEqual({ processes: 5, fullOsProcesses: ['cron', 'sshd'] });
    expect(topSummary(top, new Set(['bash']))).toEqual({ processes: 5, fullOsProcesses: ['bash'] });
    expect(topSummary(top, new Set())).toEqual({ processes: 5, fullOsProcesses: [] });
  });

  it('reads the last column when no title names the command, and survives answers of the wrong shape', () => {
    expect(topSummary({ Titles: ['PID', 'TIME'], Processes: [['1', 'init']] }, DEFAULT_SET)).toEqual({ processes: 1, fullOsProcesses: ['init'] });
    expect(topSummary({ Titles: ['Name', 'PID', 'CPU'], Processes: [['sshd', '4', '0:00']] }, DEFAULT_SET)).toEqual({ processes: 1, fullOsProcesses: ['sshd'] });
    expect(topSummary({ Processes: [['1', 'sshd: x']] }, DEFAULT_SET)).toEqual({ processes: 1, fullOsProcesses: ['sshd'] });
    expect(topSummary({}, DEFAULT_SET)).toEqual({ processes: 0, fullOsProcesses: [] });
    expect(topSummary({ Titles: null, Processes: null }, DEFAULT_SET)).toEqual({ processes: 0, fullOsProcesses: [] });
    const odd = { Titles: ['CMD'], Processes: [[], [42], 'init', null] } as unknown as ContainerTop;
    expect(topSummary(odd, DEFAULT_SET)).toEqual({ processes: 4, fullOsProcesses: [] });
    expect(topSummary({ Processes: 'init' } as unknown as ContainerTop, DEFAULT_SET)).toEqual({ processes: 0, fullOsProcesses: [] });
  });
});

describe('fullOsNameProblem', () => {
  it('accepts every default name and refuses what processName() can never return', () => {
    for (const name of DEFAULT_FULL_OS_PROCESS_NAMES) expect([name, fullOsNameProblem(name)]).toEqual([name, undefined]);
    for (const name of ['/sbin/init', 'ssh d', '-bash', 'sshd:', '[kthreadd]', 'x'.repeat(65)]) expect([name, fullOsNameProblem(name)]).toEqual([name, expect.any(String)]);
    expect(fullOsNameProblem('x'.repeat(64))).toBeUndefined();
  });
});

describe('the schedule', () => {
  const MIN = 60_000;
  const INTERVAL = 5 * MIN;
  /** Container-like ids: 64 hex, as the engine's. */
  const ids = Array.from({ length: 300 }, (_, i) => createHash('sha256').update(`container-${i}`).digest('hex'));

  it('gives each container an offset within the interval, the same every time', () => {
    for (const id of ids) {
      const offset = topOffsetMs(id, INTERVAL);
      expect(offset).toBeGreaterThanOrEqual(0);
      expect(offset).toBeLessThan(INTERVAL);
      expect(topOffsetMs(id, INTERVAL)).toBe(offset);
    }
    expect(new Set(ids.map((id) => topOffsetMs(id, INTERVAL))).size).toBeGreaterThan(290);
  });

  it('is next due at its own offset, between half an interval and one and a half after the ask', () => {
    const asked = Date.UTC(2026, 11, 2, 16, 0, 7, 123);
    for (const id of ids) {
      const due = topDueAtMs(id, asked, INTERVAL);
      expect(due).toBeGreaterThan(asked + INTERVAL / 2);
      expect(due).toBeLessThanOrEqual(asked + 1.5 * INTERVAL);
      expect((due - topOffsetMs(id, INTERVAL)) % INTERVAL).toBe(0);
      // Asked on its own time, it is due exactly one interval later.
      expect(topDueAtMs(id, due, INTERVAL)).toBe(due + INTERVAL);
    }
  });

  it('asks a container never asked, restarted or due; not one asked and not yet due', () => {
    const entry = { startedAt: '2026-12-02T15:52:00.1Z', dueAtMs: 1000, summary: { processes: 3, fullOsProcesses: [] } };
    expect(topReadDue(undefined, entry.startedAt, 0)).toBe(true);
    expect(topReadDue(entry, entry.startedAt, 999)).toBe(false);
    expect(topReadDue(entry, entry.startedAt, 1000)).toBe(true);
    expect(topReadDue(entry, '2026-12-02T15:59:00.2Z', 0)).toBe(true);
  });

  it('picks the new and restarted first, then the longest overdue, at most as many as allowed', () => {
    const summary = { processes: 1, fullOsProcesses: [] };
    const kept = (dueAtMs: number, startedAt = 's1') => ({ startedAt, dueAtMs, summary });
    const candidates = [
      { id: 'late', startedAt: 's1', entry: kept(500) },
      { id: 'not-due', startedAt: 's1', entry: kept(5000) },
      { id: 'new', startedAt: 's1', entry: undefined },
      { id: 'later', startedAt: 's1', entry: kept(900) },
      { id: 'restarted', startedAt: 's2', entry: kept(5000) },
      { id: 'latest', startedAt: 's1', entry: kept(100) },
    ];
    expect(pickTopReads(candidates, 1000, 0).map((c) => c.id)).toEqual(['new', 'restarted', 'latest', 'late', 'later']);
    expect(pickTopReads(candidates, 1000, 3).map((c) => c.id)).toEqual(['new', 'restarted', 'latest']);
    expect(pickTopReads(candidates, 1000, 1).map((c) => c.id)).toEqual(['new']);
    expect(pickTopReads([], 1000, 3)).toEqual([]);
  });

  /** Runs the schedule as the collector does: a collection every `everyMs`, each asking the due containers. */
  function simulate(everyMs: number, collections: number, start: number, max = 0): number[] {
    const kept = new Map<string, { startedAt: string; dueAtMs: number; summary: undefined }>();
    const asked: number[] = [];
    for (let k = 0; k < collections; k++) {
      const now = start + k * everyMs;
      const picked = pickTopReads(ids.map((id) => ({ id, startedAt: 's', entry: kept.get(id) })), now, max);
      for (const { id } of picked) kept.set(id, { startedAt: 's', dueAtMs: topDueAtMs(id, now, INTERVAL), summary: undefined });
      asked.push(picked.length);
    }
    return asked;
  }

  it('spreads 300 containers over the collections of a 15 s schedule: all at first, then about 15 each', () => {
    const perCollection = 15_000;
    const steps = INTERVAL / perCollection; // 20 collections per interval
    const asked = simulate(perCollection, 1 + 4 * steps, Date.UTC(2026, 11, 2, 16, 0, 3));
    expect(asked[0]).toBe(300); // cold: every container is new
    // From the second interval on, every container is asked exactly once per interval.
    for (let w = 2; w < 4; w++) {
      const window = asked.slice(1 + w * steps, 1 + (w + 1) * steps);
      expect(window.reduce((a, b) => a + b, 0)).toBe(300);
      expect(Math.max(...window)).toBeLessThanOrEqual(30); // about 15 (300 / 20), never all at once
    }
    // Nothing is asked twice within one interval after the cold start.
    expect(asked.slice(1, 1 + steps).reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(300);
    expect(topReadsPerCollection(300, perCollection, INTERVAL)).toBe(15);

    // With at most 50 a collection (the default), the cold start takes 6 collections, and the
    // steady state is the same: every container once per interval.
    const capped = simulate(perCollection, 1 + 4 * steps, Date.UTC(2026, 11, 2, 16, 0, 3), 50);
    expect(capped.slice(0, 6)).toEqual([50, 50, 50, 50, 50, 50]);
    expect(Math.max(...capped)).toBe(50);
    for (let w = 2; w < 4; w++) expect(capped.slice(1 + w * steps, 1 + (w + 1) * steps).reduce((a, b) => a + b, 0)).toBe(300);
    expect(topReadsPerCollection(300, 10 * MIN, INTERVAL)).toBe(300);
  });
});
