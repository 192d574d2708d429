import { logWhenNew } from '../../../src/base/log';

describe('logWhenNew', () => {
  it('logs a problem the first collection it appears in, not while it persists, and again after a collection without it', () => {
    const logged: string[] = [];
    const logNew = logWhenNew();
    const collect = (...keys: string[]) => logNew(new Map(keys.map((k) => [k, () => void logged.push(k)])));
    collect('a');
    collect('a', 'b');
    collect('a', 'b');
    collect('b');
    collect('a', 'b');
    collect();
    collect('b');
    expect(logged).toEqual(['a', 'b', 'a', 'b']);
  });
});
