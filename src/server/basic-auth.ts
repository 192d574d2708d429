// HTTP basic auth against the bcrypt hashes of the web configuration's basic_auth_users, as
// exporter-toolkit checks them: one bcrypt comparison at a time (it is CPU work, ~70 ms at
// cost 10), an unknown user compared like a known one so that timing does not tell users
// apart, and each comparison's result cached per credential, so that a scraper that sends the
// same user and password every 15 s pays bcrypt once, not on every scrape.
//
// The cache never holds a password: its keys are an HMAC, under a key made at start, of the
// user, the hash and the password. Successes and failures are kept apart, each bounded (the
// least recently used goes first), so a brute force fills only the failure side and never
// pushes the scraper's credential out; and comparisons waiting their turn are bounded too, so
// a flood of wrong passwords cannot queue up unbounded work: past the bound, an answer is
// "busy" (429) at once.
import { createHmac, randomBytes } from 'node:crypto';
import bcrypt from 'bcryptjs';

export type AuthResult = 'ok' | 'denied' | 'busy';

/** The user and password of an `Authorization: Basic ...` header, as Go's Request.BasicAuth reads it; undefined if there is none. */
export function parseBasicAuth(header: string | undefined): { user: string; password: string } | undefined {
  if (header === undefined || header.length < 6 || header.slice(0, 6).toLowerCase() !== 'basic ') return undefined;
  const encoded = header.slice(6).trim();
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(encoded) || encoded.length % 4 !== 0) return undefined;
  const decoded = Buffer.from(encoded, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

export interface BasicAuthOptions {
  /** bcrypt's comparison; tests count the runs. */
  readonly compare?: (password: string, hash: string) => Promise<boolean>;
  /** Most cached successful credentials. */
  readonly maxCached?: number;
  /** Most cached failed credentials. */
  readonly maxFailedCached?: number;
  /** Most comparisons running or waiting; past it, a credential not in the cache is "busy". */
  readonly maxPending?: number;
}

/** Bounded, least recently used first out. */
class LruSet {
  private readonly keys = new Map<string, true>();
  constructor(private readonly max: number) {}
  has(key: string): boolean {
    if (!this.keys.has(key)) return false;
    this.keys.delete(key);
    this.keys.set(key, true);
    return true;
  }
  add(key: string): void {
    this.keys.delete(key);
    this.keys.set(key, true);
    while (this.keys.size > this.max) this.keys.delete(this.keys.keys().next().value!);
  }
  get size(): number {
    return this.keys.size;
  }
}

export class BasicAuthenticator {
  private readonly hmacKey = randomBytes(32);
  private readonly succeeded: LruSet;
  private readonly failed: LruSet;
  /** Comparisons running or waiting, by cache key: a second request with the same credential waits for the first. */
  private readonly inFlight = new Map<string, Promise<boolean>>();
  /** The tail of the chain of comparisons: one at a time. */
  private queue: Promise<unknown> = Promise.resolve();
  private readonly compare: (password: string, hash: string) => Promise<boolean>;
  private readonly maxPending: number;
  /** bcrypt comparisons run so far. */
  comparisons = 0;

  constructor(options: BasicAuthOptions = {}) {
    this.compare = options.compare ?? ((password, hash) => bcrypt.compare(password, hash));
    this.succeeded = new LruSet(options.maxCached ?? 256);
    this.failed = new LruSet(options.maxFailedCached ?? 256);
    this.maxPending = options.maxPending ?? 16;
  }

  /** Cached credentials: successes and failures. */
  get cached(): { succeeded: number; failed: number } {
    return { succeeded: this.succeeded.size, failed: this.failed.size };
  }

  /** Whether the Authorization header names a user of `users` with its password. */
  async check(users: ReadonlyMap<string, string>, header: string | undefined): Promise<AuthResult> {
    const credential = parseBasicAuth(header);
    if (!credential || users.size === 0) return 'denied';
    const hash = users.get(credential.user);
    // An unknown user is compared with a known user's hash, and denied whatever it gives:
    // the answer takes as long as a real user's.
    const against = hash ?? users.values().next().value!;
    const key = createHmac('sha256', this.hmacKey).update(`${credential.user}\0${against}\0${credential.password}`).digest('base64');
    if (this.succeeded.has(key)) return hash !== undefined ? 'ok' : 'denied';
    if (this.failed.has(key)) return 'denied';
    let comparison = this.inFlight.get(key);
    if (!comparison) {
      if (this.inFlight.size >= this.maxPending) return 'busy';
      comparison = this.enqueue(credential.password, against);
      this.inFlight.set(key, comparison);
      void comparison.finally(() => this.inFlight.delete(key)).catch(() => undefined);
    }
    const match = (await comparison) && hash !== undefined;
    if (match) this.succeeded.add(key);
    else this.failed.add(key);
    return match ? 'ok' : 'denied';
  }

  private enqueue(password: string, hash: string): Promise<boolean> {
    const run = this.queue.then(() => {
      this.comparisons++;
      return this.compare(password, hash).catch(() => false);
    });
    this.queue = run.catch(() => undefined);
    return run;
  }
}
