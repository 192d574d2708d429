// Basic auth against bcrypt hashes: the header as Go reads it, the answer for each case, and
// the cache that makes a scraper pay bcrypt once, counted in comparisons, not timed.
import bcrypt from 'bcryptjs';
import { BasicAuthenticator, parseBasicAuth } from '../../../src/server/basic-auth';

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
// Cost 4, the lowest bcrypt takes: the tests count comparisons, they need not pay for them.
const USERS = new Map([
  ['prometheus', bcrypt.hashSync('s3cret', 4)],
  ['grafana', bcrypt.hashSync('other', 4)],
]);

/** An authenticator over the real bcryptjs comparison, counting its runs. */
function counting(options: { maxPending?: number; maxCached?: number; maxFailedCached?: number } = {}) {
  const runs: string[] = [];
  const auth = new BasicAuthenticator({
    ...options,
    compare: (password, hash) => {
      runs.push(password);
      return bcrypt.compare(password, hash);
    },
  });
  return { auth, runs };
}

describe('parseBasicAuth', () => {
  it('reads the user and password as Go\'s Request.BasicAuth does', () => {
    expect(parseBasicAuth(basic('prometheus', 's3cret'))).toEqual({ user: 'prometheus', password: 's3cret' });
    expect(parseBasicAuth(basic('u', 'pass:with:colons'))).toEqual({ user: 'u', password: 'pass:with:colons' });
    expect(parseBasicAuth(`bAsIc ${Buffer.from('u:').toString('base64')}`)).toEqual({ user: 'u', password: '' });
  });
  it.each([undefined, '', 'Bearer abc', 'Basic', 'Basic !!!!', `Basic ${Buffer.from('no-colon').toString('base64')}`])('finds no credential in %j', (header) => {
    expect(parseBasicAuth(header)).toBeUndefined();
  });
});

describe('BasicAuthenticator', () => {
  it('accepts the right password, and denies a wrong one, an unknown user and no credential', async () => {
    const { auth } = counting();
    expect(await auth.check(USERS, basic('prometheus', 's3cret'))).toBe('ok');
    expect(await auth.check(USERS, basic('grafana', 'other'))).toBe('ok');
    expect(await auth.check(USERS, basic('prometheus', 'other'))).toBe('denied'); // another user's password
    expect(await auth.check(USERS, basic('nobody', 's3cret'))).toBe('denied');
    expect(await auth.check(USERS, undefined)).toBe('denied');
    expect(await auth.check(new Map(), basic('prometheus', 's3cret'))).toBe('denied');
  });

  it('runs bcrypt once per credential: the second request with the same one compares nothing', async () => {
    const { auth, runs } = counting();
    expect(await auth.check(USERS, basic('prometheus', 's3cret'))).toBe('ok');
    expect(runs).toEqual(['s3cret']);
    for (let i = 0; i < 10; i++) expect(await auth.check(USERS, basic('prometheus', 's3cret'))).toBe('ok');
    expect(runs).toEqual(['s3cret']);
    expect(auth.comparisons).toBe(1);
    // A failure is cached too, apart from the successes.
    expect(await auth.check(USERS, basic('prometheus', 'wrong'))).toBe('denied');
    expect(await auth.check(USERS, basic('prometheus', 'wrong'))).toBe('denied');
    expect(runs).toEqual(['s3cret', 'wrong']);
    expect(auth.cached).toEqual({ succeeded: 1, failed: 1 });
  });

  it('compares an unknown user too (so timing does not tell users apart), and caches it as denied', async () => {
    const { auth, runs } = counting();
    expect(await auth.check(USERS, basic('mallory', 's3cret'))).toBe('denied');
    expect(await auth.check(USERS, basic('mallory', 's3cret'))).toBe('denied');
    expect(runs).toEqual(['s3cret']);
  });

  it('compares again once the hash changed (a reloaded file), and the old password no longer works', async () => {
    const { auth, runs } = counting();
    expect(await auth.check(USERS, basic('prometheus', 's3cret'))).toBe('ok');
    const changed = new Map([['prometheus', bcrypt.hashSync('n3w', 4)]]);
    expect(await auth.check(changed, basic('prometheus', 's3cret'))).toBe('denied');
    expect(await auth.check(changed, basic('prometheus', 'n3w'))).toBe('ok');
    expect(runs).toEqual(['s3cret', 's3cret', 'n3w']);
  });

  it('shares one comparison among concurrent requests with the same credential', async () => {
    const { auth, runs } = counting();
    const results = await Promise.all(Array.from({ length: 8 }, () => auth.check(USERS, basic('prometheus', 's3cret'))));
    expect(results).toEqual(Array(8).fill('ok'));
    expect(runs).toEqual(['s3cret']);
  });

  it('keeps the scraper\'s cached success while a brute force fills only the failure side', async () => {
    const { auth, runs } = counting({ maxCached: 4, maxFailedCached: 4 });
    expect(await auth.check(USERS, basic('prometheus', 's3cret'))).toBe('ok');
    for (let i = 0; i < 20; i++) expect(await auth.check(USERS, basic('prometheus', `guess${i}`))).toBe('denied');
    expect(auth.cached).toEqual({ succeeded: 1, failed: 4 });
    const before = runs.length;
    expect(await auth.check(USERS, basic('prometheus', 's3cret'))).toBe('ok');
    expect(runs.length).toBe(before);
  });

  it('answers busy, at once and without comparing, past the bound of comparisons waiting', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let runs = 0;
    const auth = new BasicAuthenticator({
      maxPending: 2,
      compare: async () => {
        runs++;
        await gate;
        return false;
      },
    });
    const waiting = [auth.check(USERS, basic('prometheus', 'a')), auth.check(USERS, basic('prometheus', 'b'))];
    expect(await auth.check(USERS, basic('prometheus', 'c'))).toBe('busy');
    release();
    expect(await Promise.all(waiting)).toEqual(['denied', 'denied']);
    expect(runs).toBe(2);
    // Room again: a new credential is compared.
    expect(await auth.check(USERS, basic('prometheus', 'c'))).toBe('denied');
  });

  it('denies, and does not throw, when the comparison itself fails', async () => {
    const auth = new BasicAuthenticator({ compare: () => Promise.reject(new Error('bcrypt blew up')) });
    expect(await auth.check(USERS, basic('prometheus', 's3cret'))).toBe('denied');
  });
});
