import * as fs from 'node:fs';
import * as path from 'node:path';
import { acceptedLogPath, DEFAULT_ERROR_PATTERNS, DEFAULT_WARNING_PATTERNS, LevelMatcher, LogLineCounter, parseJsonLogLine } from '../../../src/model/container-log';
import { logRotationConfigured } from '../../../src/model/posture';

const RECORDED = path.join(__dirname, '..', '..', 'fixtures', 'container-logs', 'recorded-20.10-json.log');
const ID = 'ab6a70a6d87f2786dd6c9c7f459f1eb09144583e1832e92af2bd56804bac9cc9';
const defaults = () => new LevelMatcher(DEFAULT_ERROR_PATTERNS, DEFAULT_WARNING_PATTERNS);

function countsOf(counter: LogLineCounter): Record<string, number> {
  return Object.fromEntries([...counter.counts].filter(([, v]) => v > 0).map(([k, v]) => [k.replace('\u0000', '/'), v]));
}

describe('acceptedLogPath', () => {
  it('accepts only <data root>/containers/<id>/<id>-json.log', () => {
    expect(acceptedLogPath('/var/lib/docker', ID, `/var/lib/docker/containers/${ID}/${ID}-json.log`)).toBe(`/var/lib/docker/containers/${ID}/${ID}-json.log`);
    expect(acceptedLogPath('/var/lib/docker/', ID, `/var/lib/docker/containers/${ID}/${ID}-json.log`)).toBeDefined();
    expect(acceptedLogPath('/data/docker', ID, `/data/docker/containers/${ID}/${ID}-json.log`)).toBeDefined();
  });

  it.each([
    ['/etc/shadow'],
    [`/var/lib/docker/containers/${ID}/../../../../etc/shadow`],
    [`/var/lib/docker/containers/${ID}/config.v2.json`],
    [`/var/lib/docker/containers/${'0'.repeat(64)}/${'0'.repeat(64)}-json.log`],
    [`var/lib/docker/containers/${ID}/${ID}-json.log`],
    [''],
  ])('rejects %s (a hostile or broken engine)', (logPath) => {
    expect(acceptedLogPath('/var/lib/docker', ID, logPath)).toBeUndefined();
  });

  it('rejects an id that is not 64 hex digits', () => {
    expect(acceptedLogPath('/var/lib/docker', '../x', '/var/lib/docker/containers/../x/../x-json.log')).toBeUndefined();
  });
});

describe('logRotationConfigured', () => {
  it.each([
    [{ Type: 'json-file', Config: { 'max-size': '10m' } }, true],
    [{ Type: 'json-file', Config: { 'max-size': '10m', 'max-file': '3' } }, true],
    [{ Type: 'json-file', Config: { 'max-file': '3' } }, false],
    [{ Type: 'json-file', Config: {} }, false],
    [{ Type: 'json-file', Config: null }, false],
    [{ Type: 'local', Config: {} }, true],
    [{ Type: 'none', Config: {} }, false],
    [{ Type: 'journald', Config: { 'max-size': '10m' } }, false],
    [undefined, false],
  ])('%j -> %s', (config, expected) => {
    expect(logRotationConfigured(config)).toBe(expected);
  });
});

describe('parseJsonLogLine', () => {
  it('reads a json-file entry', () => {
    expect(parseJsonLogLine('{"log":"ok 1\\n","stream":"stdout","time":"2026-12-02T16:15:06.334894435Z"}')).toEqual({ stream: 'stdout', log: 'ok 1\n' });
  });

  it.each(['not json', '{"log":"x\\n","stream":"stdin"}', '{"log":5,"stream":"stdout"}', '[1]', 'null', '{"log":"trunc'])('rejects %s', (line) => {
    expect(parseJsonLogLine(line)).toBeUndefined();
  });
});

describe('LevelMatcher', () => {
  it('matches case-insensitively, error winning over warning', () => {
    const m = defaults();
    expect(m.level('ERROR 1')).toBe('error');
    expect(m.level('Warning: an error')).toBe('error');
    expect(m.level('WARN x')).toBe('warning');
    expect(m.level('ok')).toBe('other');
    expect(m.level('Segfault at 0')).toBe('error');
  });

  it('takes patterns literally (no regular expression) and allows none', () => {
    const m = new LevelMatcher(['a.b', '(x'], []);
    expect(m.level('aXb')).toBe('other');
    expect(m.level('a.b')).toBe('error');
    expect(m.level('(x')).toBe('error');
    expect(new LevelMatcher([], []).level('error warn')).toBe('other');
  });
});

describe('LogLineCounter', () => {
  it('counts the recorded log by stream and level, the 16 KiB partial line once', () => {
    const counter = new LogLineCounter(defaults());
    for (const line of fs.readFileSync(RECORDED, 'utf8').split('\n').filter(Boolean)) counter.line(line);
    expect(countsOf(counter)).toEqual({ 'stdout/error': 5, 'stdout/other': 4, 'stderr/warning': 4 });
    expect(counter.parseErrors).toBe(0);
  });

  it('finds a pattern cut by a part boundary, and keeps the streams\' partial lines apart', () => {
    const counter = new LogLineCounter(defaults());
    counter.entry({ stream: 'stdout', log: 'x'.repeat(100) + 'seg' });
    counter.entry({ stream: 'stderr', log: 'warn\n' });
    counter.entry({ stream: 'stdout', log: 'fault\n' });
    expect(countsOf(counter)).toEqual({ 'stdout/error': 1, 'stderr/warning': 1 });
  });

  it('keeps the highest level of a line\'s parts', () => {
    const counter = new LogLineCounter(defaults());
    counter.entry({ stream: 'stdout', log: 'fatal ' });
    counter.entry({ stream: 'stdout', log: 'y'.repeat(50) });
    counter.entry({ stream: 'stdout', log: ' done\n' });
    expect(countsOf(counter)).toEqual({ 'stdout/error': 1 });
  });

  it('does not count output that has no newline yet', () => {
    const counter = new LogLineCounter(defaults());
    counter.entry({ stream: 'stdout', log: 'error without newline' });
    expect(countsOf(counter)).toEqual({});
  });

  it('counts malformed lines as parse errors and the good lines around them', () => {
    const counter = new LogLineCounter(defaults());
    counter.line('{"log":"ok\\n","stream":"stdout"}');
    counter.line('{"log":"trunc');
    counter.line('garbage');
    counter.skipped();
    counter.line('{"log":"error\\n","stream":"stderr"}');
    expect(countsOf(counter)).toEqual({ 'stdout/other': 1, 'stderr/error': 1 });
    expect(counter.parseErrors).toBe(3);
  });
});
