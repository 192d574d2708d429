// What the web configuration asks of every request, in exporter-toolkit's order, before any
// route: the rate limit (429), the configured headers, then basic auth (401 with
// WWW-Authenticate: Basic). It guards every path, the landing page and /-/healthy and
// /-/ready included, as exporter-toolkit guards its whole handler.
import type { RequestHandler } from 'express';
import { BasicAuthenticator } from './basic-auth';
import type { WebConfigSource } from './web-config';

/** Go's rate.Limiter(rate.Every(interval), burst): starts full, one token back per interval, Allow() takes one. */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    readonly intervalMs: number,
    readonly burst: number,
    private readonly now: () => number = Date.now,
  ) {
    this.tokens = burst;
    this.last = now();
  }

  allow(): boolean {
    const t = this.now();
    this.tokens = Math.min(this.burst, this.tokens + Math.max(0, t - this.last) / this.intervalMs);
    this.last = t;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

export interface WebSecurityOptions {
  readonly authenticator?: BasicAuthenticator;
  readonly now?: () => number;
}

export function webSecurity(source: WebConfigSource, options: WebSecurityOptions = {}): RequestHandler {
  const authenticator = options.authenticator ?? new BasicAuthenticator();
  let bucket: TokenBucket | undefined;
  return async (req, res, next) => {
    // A changed file (a new password, new headers) is in force for this very request.
    await source.refresh();
    const { config } = source.current;
    const limit = config.rateLimit;
    if (!limit) bucket = undefined;
    else if (!bucket || bucket.intervalMs !== limit.intervalMs || bucket.burst !== limit.burst) bucket = new TokenBucket(limit.intervalMs, limit.burst, options.now);
    if (bucket && !bucket.allow()) {
      res.status(429).type('text/plain').send('Too Many Requests\n');
      return;
    }
    for (const [name, value] of Object.entries(config.headers)) res.set(name, value);
    if (config.users.size === 0) return next();
    const result = await authenticator.check(config.users, req.headers.authorization);
    if (result === 'ok') return next();
    if (result === 'busy') {
      res.set('Retry-After', '1').status(429).type('text/plain').send('Too Many Requests: too many password checks waiting\n');
      return;
    }
    res.set('WWW-Authenticate', 'Basic').status(401).type('text/plain').send('Unauthorized\n');
  };
}
