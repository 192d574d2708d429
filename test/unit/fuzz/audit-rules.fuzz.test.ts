// Property-based fuzzing of the audit rules parsers (src/model/audit-rules.ts): rules files
// and `auditctl -l` listings generated from auditctl's grammar, then mutated; `auditctl -s`.
import * as posix from 'node:path/posix';
import * as fc from 'fast-check';
import { normalisePerms, normaliseRulePath, parseAuditRules, parseAuditStatus, type AuditRule } from '../../../src/model/audit-rules';
import { anyChar, mutated, runs } from './fuzz';

const ORIGIN = '/etc/audit/rules.d/fuzz.rules';

/** Invariants of every rule and problem, whatever the text. */
function expectSound(text: string, parsed: ReturnType<typeof parseAuditRules>): void {
  const lines = text.split('\n');
  const lineOf = (where: string) => {
    const m = /^\/etc\/audit\/rules\.d\/fuzz\.rules:(\d+)$/.exec(where);
    expect(m).not.toBeNull();
    const n = Number(m![1]);
    expect(n).toBeGreaterThanOrEqual(1);
    expect(n).toBeLessThanOrEqual(lines.length);
    return n;
  };
  for (const p of parsed.problems) lineOf(p.slice(0, p.indexOf(': ')));
  for (const r of parsed.rules) {
    const line = lines[lineOf(r.origin) - 1].trim();
    expect(line === '' || line.startsWith('#')).toBe(false);
    expect(['watch', 'syscall']).toContain(r.kind);
    expect(['always', 'never']).toContain(r.action);
    expect(r.list).not.toBe('');
    expect(r.perms).toMatch(/^r?w?x?a?$/);
    expect(r.path === undefined).toBe(r.match === undefined);
    if (r.path !== undefined) {
      expect(normaliseRulePath(r.path)).toBe(r.path);
      expect(r.path.length === 1 || !r.path.endsWith('/')).toBe(true);
    }
    for (const k of r.keys) expect(typeof k).toBe('string');
  }
}

// ------------------------------------------------------------------ auditctl's grammar

const segment = fc.oneof({ weight: 6, arbitrary: fc.stringMatching(/^[A-Za-z0-9._][A-Za-z0-9._-]{0,8}$/) }, fc.constantFrom('.', '..', ''));
/** An absolute path, maybe with ./.., doubled or trailing slashes. */
const rulePath = fc.tuple(fc.array(segment, { minLength: 1, maxLength: 5 }), fc.boolean()).map(([segs, trailing]) => '/' + segs.join('/') + (trailing ? '/' : ''));
/** A -w path as `auditctl -l` prints it: spaces unquoted, no word starting with "-". */
const watchPath = fc.tuple(rulePath, fc.array(fc.stringMatching(/^[A-Za-z0-9._][A-Za-z0-9._/]{0,6}$/), { maxLength: 2 })).map(([p, words]) => [p, ...words].join(' '));
const perms = fc.stringMatching(/^[rwxa]{1,6}$/);
const key = fc.oneof(fc.stringMatching(/^[A-Za-z0-9_-]{1,12}$/), fc.string({ unit: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }).filter((c) => !/[\s\x01]/.test(c)), minLength: 1, maxLength: 6 }));
const SYSCALL_NAMES = ['openat', 'unlinkat', 'rename', 'execve', 'chmod', 'all'];

/** What a rule line must give; keys and perms as the parser canonicalises them. */
interface Expected {
  readonly kind: 'watch' | 'syscall';
  readonly list: string;
  readonly action: 'always' | 'never';
  readonly path: string | undefined;
  readonly match: AuditRule['match'];
  readonly perms: string;
  readonly keys: readonly string[];
  readonly syscalls: readonly string[];
}
interface RuleLine {
  readonly text: string;
  /** The line that removes the rule again: -W for a watch, -d for a syscall rule, with the same options. */
  readonly remove: string;
  readonly rule: Expected;
}

const canonicalPerms = (p: string) => ['r', 'w', 'x', 'a'].filter((c) => p.includes(c)).join('');
const canonicalPath = (p: string) => {
  const n = posix.normalize(p);
  return n.length > 1 && n.endsWith('/') ? n.slice(0, -1) : n;
};

/** -w PATH [-p PERMS] [-k KEY]..., options in any order, -k and -p attached or not. */
const watchLine: fc.Arbitrary<RuleLine> = fc
  .record({ path: watchPath, perms: fc.option(perms, { nil: undefined }), keys: fc.array(key, { maxLength: 3 }), attached: fc.boolean(), order: fc.nat() })
  .map(({ path, perms: p, keys, attached, order }) => {
    const opts = [...(p === undefined ? [] : [attached ? `-p${p}` : `-p ${p}`]), ...keys.map((k) => (attached ? `-k${k}` : `-k ${k}`))];
    // The -w goes anywhere among the others; its path ends at the next option.
    const at = order % (opts.length + 1);
    const line = (w: string) => [...opts.slice(0, at), `${w} ${path}`, ...opts.slice(at)].join(' ');
    return {
      text: line('-w'),
      remove: line('-W'),
      rule: { kind: 'watch', list: 'exit', action: 'always', path: canonicalPath(path), match: 'watch', perms: p === undefined ? 'rwxa' : canonicalPerms(p), keys, syscalls: [] },
    } satisfies RuleLine;
  });

/** -a ACTION,LIST [-F arch=b64] [-S calls] [-F path=|dir=] [-F perm=] [-F key=|-k] [-F uid!=0 ...]. */
const syscallLine: fc.Arbitrary<RuleLine> = fc
  .record({
    action: fc.constantFrom('always', 'never'),
    list: fc.constantFrom('exit', 'entry', 'user', 'task', 'exclude', 'filesystem'),
    swapped: fc.boolean(),
    upper: fc.constantFrom('-a', '-A'),
    arch: fc.boolean(),
    syscalls: fc.array(fc.subarray(SYSCALL_NAMES, { minLength: 1 }), { maxLength: 2 }),
    target: fc.option(fc.tuple(fc.constantFrom('path', 'dir'), rulePath), { nil: undefined }),
    perm: fc.option(perms, { nil: undefined }),
    keys: fc.array(fc.tuple(key, fc.boolean()), { maxLength: 3 }),
    filters: fc.array(fc.constantFrom('-F auid>=1000', '-F uid!=0', '-F path!=/usr/bin/true', '-F success=0', '-F exit=-EACCES'), { maxLength: 2 }),
  })
  .map((g) => {
    const actionList = g.swapped ? `${g.list},${g.action}` : `${g.action},${g.list}`;
    const parts: string[] = [];
    if (g.arch) parts.push('-F arch=b64');
    for (const s of g.syscalls) parts.push(`-S ${s.join(',')}`);
    if (g.target) parts.push(`-F ${g.target[0]}=${g.target[1]}`);
    if (g.perm !== undefined) parts.push(`-F perm=${g.perm}`);
    parts.push(...g.filters);
    for (const [k, asField] of g.keys) parts.push(asField ? `-F key=${k}` : `-k ${k}`);
    const syscalls = g.syscalls.flat();
    return {
      text: [`${g.upper} ${actionList}`, ...parts].join(' '),
      remove: [`-d ${actionList}`, ...parts].join(' '),
      rule: {
        kind: 'syscall',
        list: g.list === 'entry' ? 'exit' : g.list,
        action: g.action,
        path: g.target ? canonicalPath(g.target[1]) : undefined,
        match: g.target ? (g.target[0] === 'dir' ? 'tree' : 'exact') : undefined,
        perms: g.perm !== undefined ? canonicalPerms(g.perm) : syscalls.length === 0 || syscalls.includes('all') ? 'rwxa' : '',
        keys: g.keys.map(([k]) => k),
        syscalls,
      },
    } satisfies RuleLine;
  });

/** Lines that add no rule: comments, blanks, "No rules", control options. */
const quietLine = fc.oneof(
  fc.constantFrom('', '   ', '# -w /etc/shadow -p wa -k commented-out', '## a comment', 'No rules', '-b 8192', '-f 1', '-e 1', '-e 2', '-r 0', '-i', '-c', '--backlog_wait_time 60000', '--loginuid-immutable', '--reset-lost'),
  fc.string({ unit: anyChar, maxLength: 20 }).map((t) => `# ${t.replace(/\n/g, '')}`),
);

type Op = { readonly op: 'add'; readonly line: RuleLine } | { readonly op: 'remove'; readonly index: number } | { readonly op: 'clear' } | { readonly op: 'quiet'; readonly text: string };
const ops = fc.array(
  fc.oneof(
    { weight: 6, arbitrary: fc.record({ op: fc.constant('add' as const), line: fc.oneof(watchLine, syscallLine) }) },
    { weight: 2, arbitrary: fc.record({ op: fc.constant('remove' as const), index: fc.nat() }) },
    fc.record({ op: fc.constant('clear' as const) }),
    { weight: 3, arbitrary: fc.record({ op: fc.constant('quiet' as const), text: quietLine }) },
  ),
  { maxLength: 25 },
);

const same = (a: Expected, b: Expected) => JSON.stringify(a) === JSON.stringify(b);
const brief = (r: AuditRule): Expected => ({ kind: r.kind, list: r.list, action: r.action, path: r.path, match: r.match, perms: r.perms, keys: r.keys, syscalls: r.syscalls });

/** The text of the ops, with leading and trailing space here and there, and the rules a -D/-W/-d aware model keeps. */
function model(list: readonly Op[]): { text: string; rules: Expected[] } {
  const lines: string[] = [];
  let rules: Expected[] = [];
  const added: RuleLine[] = [];
  for (const o of list) {
    if (o.op === 'add') {
      lines.push(o.line.text);
      added.push(o.line);
      rules.push(o.line.rule);
    } else if (o.op === 'remove') {
      if (added.length === 0) continue;
      const target = added[o.index % added.length];
      lines.push(target.remove);
      rules = rules.filter((r) => !same(r, target.rule));
    } else if (o.op === 'clear') {
      lines.push('-D');
      rules = [];
    } else lines.push(o.text);
  }
  return { text: lines.map((l, i) => (i % 3 === 1 ? `  ${l}\t` : l)).join('\n'), rules };
}

describe('parseAuditRules (fuzz)', () => {
  it('reads every rule of a rules file or listing made from auditctl\'s grammar, with -D, -W and -d applied, and reports no problem', () => {
    fc.assert(
      fc.property(ops, (list) => {
        const { text, rules } = model(list);
        const parsed = parseAuditRules(text, ORIGIN);
        expect(parsed.problems).toEqual([]);
        expect(parsed.rules.map(brief)).toEqual(rules);
        expectSound(text, parsed);
      }),
      runs(400),
    );
  });

  it('never throws on any text or on mutated rules, and every rule and problem it gives is sound', () => {
    const text = fc.oneof(
      fc.string({ unit: anyChar, maxLength: 120 }),
      mutated(ops.map((l) => model(l).text), 6, fc.oneof(fc.constantFrom(' -w ', ' -p ', ' -k ', ' -F ', ' -a ', ' -S ', '=', ',', '\n', ' -', '--'), fc.string({ unit: anyChar, minLength: 1, maxLength: 3 }))),
    );
    fc.assert(
      fc.property(text, (t) => {
        expectSound(t, parseAuditRules(t, ORIGIN));
      }),
      runs(500),
    );
  });

  it('normalisePerms gives the canonical rwxa-ordered set of a perm string, undefined for anything else, and is idempotent', () => {
    fc.assert(
      fc.property(fc.oneof(perms, fc.string({ unit: anyChar, maxLength: 6 })), (p) => {
        const n = normalisePerms(p);
        if (/^[rwxa]+$/.test(p)) {
          expect(n).toBe(canonicalPerms(p));
          expect(normalisePerms(n!)).toBe(n);
        } else expect(n).toBeUndefined();
      }),
      runs(300),
    );
  });
});

describe('parseAuditStatus (fuzz)', () => {
  const REQUIRED = ['enabled', 'lost', 'backlog', 'backlog_limit'] as const;
  const OPTIONAL = ['failure', 'pid', 'rate_limit'] as const;

  it('reads every field of auditctl -s output, in any order, among other lines', () => {
    const status = fc.record({
      values: fc.record(Object.fromEntries([...REQUIRED, ...OPTIONAL].map((n) => [n, fc.nat({ max: 2 ** 32 - 1 })])) as Record<(typeof REQUIRED)[number] | (typeof OPTIONAL)[number], fc.Arbitrary<number>>),
      optional: fc.subarray([...OPTIONAL]),
      extra: fc.array(fc.constantFrom('backlog_wait_time 15000', 'backlog_wait_time_actual 277', 'loginuid_immutable 0 unlocked', 'Enabled ??', '', 'garbage'), { maxLength: 4 }),
      order: fc.array(fc.nat(), { minLength: 12, maxLength: 12 }),
      indent: fc.constantFrom('', ' ', '\t'),
    });
    fc.assert(
      fc.property(status, ({ values, optional, extra, order, indent }) => {
        const lines = [...[...REQUIRED, ...optional].map((n) => `${indent}${n} ${values[n]}`), ...extra];
        const shuffled = lines.map((l, i) => [order[i % order.length], i, l] as const).sort((a, b) => a[0] - b[0] || a[1] - b[1]).map(([, , l]) => l);
        const s = parseAuditStatus(shuffled.join('\n'));
        expect(s).toEqual({
          enabled: values.enabled,
          lost: values.lost,
          backlog: values.backlog,
          backlogLimit: values.backlog_limit,
          failure: optional.includes('failure') ? values.failure : undefined,
          rateLimit: optional.includes('rate_limit') ? values.rate_limit : undefined,
          pid: optional.includes('pid') ? values.pid : undefined,
        });
      }),
      runs(300),
    );
  });

  it('on any text, returns numbers or throws the one documented error naming the missing field', () => {
    const text = fc.oneof(
      fc.string({ unit: anyChar, maxLength: 80 }),
      mutated(fc.constant('enabled 1\nfailure 1\npid 9315\nrate_limit 0\nbacklog_limit 64\nlost 0\nbacklog 0\nbacklog_wait_time 15000'), 6, fc.oneof(fc.constantFrom('-', '9'.repeat(400), ' ', '\n', 'x'), fc.string({ unit: anyChar, minLength: 1, maxLength: 3 }))),
    );
    fc.assert(
      fc.property(text, (t) => {
        let s;
        try {
          s = parseAuditStatus(t);
        } catch (err) {
          expect(err).toBeInstanceOf(Error);
          expect((err as Error).message).toMatch(/^auditctl -s printed no "(enabled|lost|backlog|backlog_limit)"$/);
          return;
        }
        for (const v of [s.enabled, s.lost, s.backlog, s.backlogLimit, s.failure, s.pid, s.rateLimit]) expect(v === undefined || typeof v === 'number').toBe(true);
      }),
      runs(400),
    );
  });
});
