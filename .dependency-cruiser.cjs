// The layers of src/, and the one direction imports may go: down. Type imports count (a
// type import is a dependency too: it is what tied 23 files into one cycle in 0.1).
// test/unit/architecture.test.ts runs this on every `npm test`; `npm run lint:deps` runs it
// by hand. ARCHITECTURE.md describes each layer.
//
// Bottom to top; a layer may import the layers listed before it, and nothing after it.
// metrics and facts sit side by side: neither may import the other.
const LAYERS = [
  ['base', 'shared helpers with no knowledge of Docker: logging, paths, concurrency, version'],
  ['readers', 'the Engine API client and the host readers (procfs, host paths, auditctl, the audit log, the TCP probe)'],
  ['model', 'pure models: container posture, daemon settings and files, audit records, events and rules, Trivy reports'],
  ['metrics', 'the metric catalog, samples and the exposition renderer'],
  ['facts', 'the facts read once per collection, shared by the collectors'],
  ['cis', 'the CIS Docker Benchmark catalog and its evaluators'],
  ['collectors', 'the collectors, their table and the runner'],
  ['server', 'the HTTP app and the scheduler'],
  ['cli', 'flags, configuration and the entry point'],
];
/** Peers at one height: neither may import the other. */
const PEERS = [['metrics', 'facts']];

const names = LAYERS.map(([name]) => name);
const upward = names.map((name, i) => ({
  name: `${name}-imports-only-downward`,
  comment: `src/${name} (${LAYERS[i][1]}) may import only ${names.slice(0, i).join(', ') || 'node built-ins and packages'}`,
  severity: 'error',
  from: { path: `^src/${name}/` },
  to: { path: `^src/(${names.slice(i + 1).join('|') || '$^'})/` },
}));
const peers = PEERS.flatMap(([a, b]) => [
  { name: `${a}-not-${b}`, comment: `src/${a} and src/${b} are peers`, severity: 'error', from: { path: `^src/${a}/` }, to: { path: `^src/${b}/` } },
  { name: `${b}-not-${a}`, comment: `src/${b} and src/${a} are peers`, severity: 'error', from: { path: `^src/${b}/` }, to: { path: `^src/${a}/` } },
]);

/** @type {import('dependency-cruiser').IConfiguration} */
const config = {
  forbidden: [
    { name: 'no-circular', comment: 'no import cycle, type imports included', severity: 'error', from: {}, to: { circular: true } },
    {
      name: 'every-file-in-a-layer',
      comment: 'every source file lives in the folder of its layer',
      severity: 'error',
      from: { path: '^src/', pathNot: `^src/(${names.join('|')})/` },
      to: {},
    },
    {
      name: 'src-never-imports-tests-or-tools',
      comment: 'the exporter does not depend on its tests, benchmarks, scripts or dashboards',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^(test|bench|scripts|dashboards)/' },
    },
    { name: 'no-unresolvable', comment: 'every import resolves', severity: 'error', from: {}, to: { couldNotResolve: true } },
    ...upward,
    ...peers,
  ],
  options: {
    // Type-only imports are dependencies too.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|node_modules)/' },
  },
};
// The layer names, for the test that checks every file is in one; not enumerable, so
// dependency-cruiser's validation of its options does not see it.
Object.defineProperty(config, 'LAYERS', { value: names, enumerable: false });
module.exports = config;
