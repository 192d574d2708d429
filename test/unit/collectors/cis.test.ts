import type { EngineKind } from '../../../src/model/engine-kind';
import { CIS_CHECKS } from '../../../src/cis/checks';
import { createCisCollector } from '../../../src/collectors/cis';
import type { CollectContext } from '../../../src/collectors/collector';
import { WAIVE_LABEL } from '../../../src/cis/evaluate';
import type { ContainerPosture } from '../../../src/model/posture';
import type { Logger } from '../../../src/base/log';
import { ALL_FAMILIES } from '../../../src/metrics/catalog';
import type { Sample } from '../../../src/metrics/sample';
import type { Facts } from '../../../src/facts';
import type { AuditRulesFacts } from '../../../src/facts/audit-rules';
import type { DaemonFacts } from '../../../src/facts/daemon';
import { PerCollection } from '../../../src/facts/per-collection';
import { readEngineDefaults } from '../../../src/facts/engine-defaults';
import { ALL_RECORDED, daemonFacts, file, recorded } from '../cis/facts';

interface Fakes {
  containers?: () => ContainerPosture[];
  daemon?: () => DaemonFacts;
  auditRules?: () => AuditRulesFacts;
  /** Images succeed (with none) unless told to fail. */
  imagesFail?: boolean;
  /** The exec audit of the shared event stream (server mode only). */
  execs?: () => Map<string, { id: string; name: string; image: string; execs: number; privileged: number; asRoot: number }>;
  /** The engine kind (dockerd unless told), or an engine whose kind cannot be read. */
  engine?: EngineKind | Error;
  rootless?: boolean;
}
const fail = (what: string) => () => {
  throw new Error(`${what}: boom`);
};

function fakeSources(f: Fakes): Facts {
  const of = <T>(read: (() => T) | undefined, what: string) => new PerCollection<T>(async () => (read ?? fail(what))());
  const kind = f.engine ?? 'docker';
  const engine = { identity: async () => { if (kind instanceof Error) throw kind; return { kind, rootless: f.rootless ?? false }; } };
  // The engine's defaults as the facts derive them: dockerd's from the daemon's settings, Podman's built-in ones.
  const daemonSettings = of(f.daemon && (() => ({ settings: f.daemon!().settings })), 'daemon settings');
  const podman = of(undefined, 'podman');
  return {
    engine,
    engineDefaults: new PerCollection((ref) => readEngineDefaults(engine as never, { daemonSettings: daemonSettings as never, podman: podman as never }, ref)),
    containers: of(f.containers && (() => ({ inspects: [], postures: f.containers!(), unchanged: false, listed: 0, inspected: 0, duplicates: 0 })), 'containers'),
    daemon: of(f.daemon, 'daemon'),
    images: of(f.imagesFail ? undefined : () => [], 'images'),
    auditRules: of(f.auditRules, 'audit rules'),
    execs: f.execs && { read: async () => ({ byContainer: f.execs!(), totals: { execs: 0, privileged: 0, asRoot: 0 }, inspectFailures: 0, healthcheckProbes: 0 }) },
  } as unknown as Facts;
}

async function collect(collector: ReturnType<typeof createCisCollector>, collection = 1) {
  const samples: Sample[] = [];
  const warnings: string[] = [];
  const logger: Logger = { debug() {}, info() {}, error() {}, warn: (msg, fields) => warnings.push(`${msg} ${JSON.stringify(fields)}`) };
  const ctx: CollectContext = { signal: new AbortController().signal, emit: (s) => void samples.push(s), logger, now: () => 0, collection };
  let error: Error | undefined;
  await collector.collect(ctx).catch((e: Error) => (error = e));
  const lines = samples.map((s) => `${s.family.name}{${Object.entries(s.labels).map(([k, v]) => `${k}=${v}`).join(',')}} ${s.value}`);
  return { samples, lines, warnings, error };
}

describe('the cis collector', () => {
  it('on a Podman engine: sections 2 and 3 are not applicable (absent, counted), dockerd\'s facts are not read, the rest is judged', async () => {
    let daemonReads = 0;
    const base = { containers: ALL_RECORDED, daemon: () => (daemonReads++, daemonFacts()), auditRules: () => ({ source: 'none' as const, coverage: [], keys: [] }) };
    const podman = await collect(createCisCollector({ facts: fakeSources({ ...base, engine: 'podman' }) }));
    expect(podman.error).toBeUndefined();
    expect(daemonReads).toBe(0);
    const daemonChecks = CIS_CHECKS.filter((c) => c.evaluate && (c.section === '2' || c.section === '3'));
    expect(daemonChecks.length).toBeGreaterThan(10);
    expect(podman.lines).toContain(`docker_audit_cis_checks_not_applicable{reason=daemonless_engine} ${daemonChecks.length}`);
    expect(podman.lines.filter((l) => /^docker_audit_cis_check_passed\{check=[23]\./.test(l))).toEqual([]);
    expect(podman.lines.some((l) => l.startsWith('docker_audit_cis_check_passed{check=5.5}'))).toBe(true);
    expect(podman.lines.some((l) => l.startsWith('docker_audit_cis_source_up{source=daemon}'))).toBe(false);
    // The same facts on dockerd, and on an engine whose kind cannot be read: judged, none counted.
    for (const engine of ['docker' as const, new Error('ping failed')]) {
      const docker = await collect(createCisCollector({ facts: fakeSources({ ...base, engine }) }));
      expect(docker.lines).toContain('docker_audit_cis_checks_not_applicable{reason=daemonless_engine} 0');
      expect(docker.lines.filter((l) => /^docker_audit_cis_check_passed\{check=[23]\./.test(l)).length).toBeGreaterThan(0);
    }
    expect(daemonReads).toBe(4); // per dockerd run: the daemon's facts, and its settings behind the engine's defaults
  });

  it('on a rootless dockerd: the system service\'s socket unit and environment files are not applicable, its other files judged', async () => {
    const files = [file('docker.socket', '/lib/systemd/system/docker.socket', 0o644), file('/etc/default/docker', '/etc/default/docker', 0o644), file('daemon.json', '/home/u/.config/docker/daemon.json', 0o644, 1000, 1000)];
    const base = { containers: ALL_RECORDED, daemon: () => daemonFacts({}, { files }), auditRules: () => ({ source: 'none' as const, coverage: [], keys: [] }) };
    const rootless = await collect(createCisCollector({ facts: fakeSources({ ...base, rootless: true }) }));
    const rootful = await collect(createCisCollector({ facts: fakeSources(base) }));
    const judged = (lines: string[]) => lines.filter((l) => /^docker_audit_cis_check_passed\{check=3\.(3|4|17|18|19|20)\}/.test(l)).map((l) => l.replace(/^.*check=([\d.]+)\}.*$/, '$1'));
    expect(judged(rootful.lines)).toEqual(['3.3', '3.4', '3.17', '3.18', '3.19', '3.20']);
    expect(judged(rootless.lines)).toEqual(['3.17', '3.18']);
    expect(rootless.lines).toContain('docker_audit_cis_checks_not_applicable{reason=rootless_engine} 6');
    expect(rootful.lines).toContain('docker_audit_cis_checks_not_applicable{reason=rootless_engine} 0');
  });

  it('emits passed, failures, one failure series per offender, waived counts and the score, with the catalog\'s labels', async () => {
    const waived = recorded('hostns', (c) => (c.Config!.Labels = { [WAIVE_LABEL]: '5.10' }));
    const { samples, lines, error } = await collect(
      createCisCollector({ facts: fakeSources({ containers: () => [waived, recorded('hardened')], daemon: () => daemonFacts(), auditRules: () => ({ source: 'none', coverage: [], keys: [] }) }) }),
    );
    expect(error).toBeUndefined();
    for (const s of samples) expect(Object.keys(s.labels).sort()).toEqual([...ALL_FAMILIES.find((f) => f.name === s.family.name)!.labels].sort());
    expect(lines).toContain('docker_audit_cis_check_passed{check=5.10} 1');
    expect(lines).toContain("docker_audit_cis_check_info{check=5.10,title=Ensure that the host's network namespace is not shared,section=5,level=1,benchmark=Automated} 1");
    expect(lines).toContain('docker_audit_cis_check_failures{check=5.10} 0');
    expect(lines).toContain('docker_audit_cis_check_waived{check=5.10} 1');
    expect(lines).toContain('docker_audit_cis_check_passed{check=5.16} 0');
    expect(lines).toContain('docker_audit_cis_check_failures{check=5.16} 1');
    expect(lines).toContain('docker_audit_cis_check_failure{check=5.16,object=fixture-rec-hostns} 1');
    expect(lines).toContain('docker_audit_cis_check_waived{check=5.16} 0');
    expect(lines).toContain('docker_audit_cis_check_failure{check=2.2,object=daemon} 1');
    expect(lines.filter((l) => l.startsWith('docker_audit_cis_check_waived{check=2.'))).toEqual([]); // not container checks
    expect(lines.filter((l) => l.startsWith('docker_audit_cis_source_up'))).toEqual([
      'docker_audit_cis_source_up{source=containers} 1',
      'docker_audit_cis_source_up{source=daemon} 1',
      'docker_audit_cis_source_up{source=images} 1',
      'docker_audit_cis_source_up{source=audit_rules} 1',
    ]);
    const passed = samples.filter((s) => s.family.name === 'docker_audit_cis_check_passed');
    const score = samples.find((s) => s.family.name === 'docker_audit_cis_score_ratio')!.value;
    expect(score).toBeCloseTo(passed.filter((s) => s.value === 1).length / passed.length, 12);
    // Every judged check has a failures series equal to its failure series.
    for (const p of passed) {
      const check = p.labels.check;
      const failures = samples.find((s) => s.family.name === 'docker_audit_cis_check_failures' && s.labels.check === check)!.value;
      expect(samples.filter((s) => s.family.name === 'docker_audit_cis_check_failure' && s.labels.check === check)).toHaveLength(failures);
      expect(p.value).toBe(failures === 0 ? 1 : 0);
    }
  });

  it('serves the last collection\'s sample objects for a check whose verdict and offenders are unchanged, and new ones for a check that changed', async () => {
    let containers = [recorded('hostns'), recorded('hardened')];
    const collector = createCisCollector({ facts: fakeSources({ containers: () => containers, daemon: () => daemonFacts(), auditRules: () => ({ source: 'none', coverage: [], keys: [] }) }) });
    const ofCheck = (samples: Sample[], check: string) => samples.filter((s) => s.labels.check === check && s.family.name !== 'docker_audit_cis_check_info');
    const first = (await collect(collector)).samples;
    const second = (await collect(collector, 2)).samples;
    // The same objects, not equal copies: the render keeps the text of a family whose objects are unchanged.
    expect(second).toHaveLength(first.length);
    for (const check of ['5.10', '5.16', '2.2']) ofCheck(second, check).forEach((s, i) => expect(s).toBe(ofCheck(first, check)[i]));
    containers = [recorded('hardened')];
    const third = (await collect(collector, 3)).samples;
    expect(ofCheck(third, '5.16').map((s) => `${s.family.name} ${s.labels.object ?? ''} ${s.value}`)).toEqual([
      'docker_audit_cis_check_passed  1',
      'docker_audit_cis_check_failures  0',
      'docker_audit_cis_check_waived  0',
    ]);
    ofCheck(third, '2.2').forEach((s, i) => expect(s).toBe(ofCheck(first, '2.2')[i]));
  });

  it('still judges what it can when a source fails, leaves the rest absent, and then fails', async () => {
    const { lines, error } = await collect(createCisCollector({ facts: fakeSources({ containers: ALL_RECORDED }) }));
    expect(error?.message).toMatch(/^reading the facts of the CIS checks failed/);
    expect(error?.message).toContain('daemon: daemon: boom');
    expect(error?.message).toContain('audit_rules: audit rules: boom');
    expect(lines).toContain('docker_audit_cis_source_up{source=daemon} 0');
    expect(lines).toContain('docker_audit_cis_source_up{source=containers} 1');
    expect(lines.some((l) => l.startsWith('docker_audit_cis_check_passed{check=5.5}'))).toBe(true);
    expect(lines.some((l) => l.startsWith('docker_audit_cis_check_passed{check=5.26}'))).toBe(false); // needs the daemon
    expect(lines.some((l) => l.startsWith('docker_audit_cis_check_passed{check=2.'))).toBe(false);
  });

  it('emits no score when nothing can be judged', async () => {
    const { lines, error } = await collect(createCisCollector({ facts: fakeSources({ imagesFail: true }) }));
    expect(error).toBeDefined();
    // The catalog and the not-applicable counts are listed whatever can be judged; nothing else is emitted.
    expect(lines.filter((l) => !l.startsWith('docker_audit_cis_source_up') && !l.startsWith('docker_audit_cis_check_info'))).toEqual(['docker_audit_cis_checks_not_applicable{reason=daemonless_engine} 0', 'docker_audit_cis_checks_not_applicable{reason=rootless_engine} 0']);
    expect(lines.filter((l) => l.startsWith('docker_audit_cis_check_info'))).toHaveLength(CIS_CHECKS.length);
  });

  it('logs unknown waiver ids once per container, and again when the label changes', async () => {
    let label = '5.10, 7.1';
    const sources = fakeSources({ containers: () => [recorded('hostns', (c) => (c.Config!.Labels = { [WAIVE_LABEL]: label }))], daemon: () => daemonFacts(), auditRules: () => ({ source: 'none', coverage: [], keys: [] }) });
    const collector = createCisCollector({ facts: sources });
    const first = await collect(collector, 1);
    const second = await collect(collector, 2);
    label = '5.10, 7.2';
    const third = await collect(collector, 3);
    expect(first.warnings).toEqual(['container waives ids that are not CIS container checks; they waive nothing {"container":"fixture-rec-hostns","ids":"7.1"}']);
    expect(second.warnings).toEqual([]);
    expect(third.warnings).toEqual(['container waives ids that are not CIS container checks; they waive nothing {"container":"fixture-rec-hostns","ids":"7.2"}']);
  });

  it('judges 5.23 and 5.24 from the exec audit of the event stream, and leaves them out without one (--once)', async () => {
    const c = recorded('hardened');
    const base = { containers: () => [c], daemon: () => daemonFacts(), auditRules: () => ({ source: 'none' as const, coverage: [], keys: [] }) };
    const served = await collect(createCisCollector({ facts: fakeSources({ ...base, execs: () => new Map([[c.id, { id: c.id, name: 'fixture-rec-hardened', image: c.image, execs: 3, privileged: 1, asRoot: 0 }]]) }) }));
    expect(served.error).toBeUndefined();
    expect(served.lines).toContain('docker_audit_cis_check_failure{check=5.23,object=fixture-rec-hardened} 1');
    expect(served.lines).toContain('docker_audit_cis_check_failures{check=5.24} 0');
    expect(served.lines).toContain('docker_audit_cis_source_up{source=execs} 1');
    const once = await collect(createCisCollector({ facts: fakeSources(base) }));
    expect(once.lines.filter((l) => (/check=5\.2[34]\b/.test(l) && !l.startsWith('docker_audit_cis_check_info')) || l.includes('source=execs'))).toEqual([]);
    // An injected input wins, and its failure is a source failure like any other.
    const failing = await collect(createCisCollector({ facts: fakeSources(base) }, { execs: () => Promise.reject(new Error('stream down')) }));
    expect(failing.lines).toContain('docker_audit_cis_source_up{source=execs} 0');
    expect(failing.error?.message).toContain('execs: stream down');
  });
});
