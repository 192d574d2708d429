// --collector.containers.detail: "findings" serves a container's per-container series only
// when it has a finding (src/model/posture.ts, containerFindings); its state and info
// series, and every count, stay the same as with "all". Proved on the recorded fixtures of
// test/fixtures/engine-20.10, through the pure sample function and through one whole --once
// collection over the recorded engine.
import { silentLogger } from '../../../src/base/log';
import { parseConfig } from '../../../src/cli/config';
import { runOnce } from '../../../src/cli/main';
import { containerSamples, createContainersCollector } from '../../../src/collectors/containers';
import { CONTAINERS_METRICS } from '../../../src/metrics/families/containers';
import type { Sample } from '../../../src/metrics/sample';
import { containerPosture, hasContainerFinding, type ContainerPosture } from '../../../src/model/posture';
import { makeGoldenHost } from '../../golden/golden-host';
import { RECORDED_CONTAINERS, recordedInspect } from '../../helpers/fixtures';
import { RecordedEngine } from '../../helpers/recorded-engine';
import { POSTURE_OPTIONS } from '../cis/facts';

const AGGREGATES = new Set(Object.values(CONTAINERS_METRICS).filter((f) => f.name.startsWith('docker_audit_containers')).map((f) => f.name));
const ALWAYS = new Set([CONTAINERS_METRICS.containerState.name, CONTAINERS_METRICS.containerInfo.name]);
const key = (s: Sample) => `${s.family.name}${JSON.stringify(s.labels)} ${s.value}`;
const postures: ContainerPosture[] = RECORDED_CONTAINERS.map((n) => containerPosture(recordedInspect(n), POSTURE_OPTIONS));

describe.each([false, true])('containerSamples with detail=findings (daemon no-new-privileges default %s)', (nnp) => {
  const all = containerSamples(postures, nnp, 'all');
  const findings = containerSamples(postures, nnp, 'findings');

  it('keeps every aggregate series identical to detail=all', () => {
    const aggregates = (xs: Sample[]) => xs.filter((s) => AGGREGATES.has(s.family.name)).map(key);
    expect(aggregates(findings)).toEqual(aggregates(all));
    expect(aggregates(all).length).toBe(AGGREGATES.size * 7);
  });

  it('keeps the state and info series of every container, and is the same as detail=all for a container with a finding', () => {
    for (const p of postures) {
      const own = (xs: Sample[]) => xs.filter((s) => s.labels.id === p.shortId).map(key);
      if (hasContainerFinding(p, nnp)) expect(own(findings)).toEqual(own(all));
      else expect(own(findings)).toEqual(own(all).filter((k) => [...ALWAYS].some((f) => k.startsWith(`${f}{`))));
      expect(own(findings).filter((k) => k.startsWith('docker_audit_container_state{'))).toHaveLength(1);
      expect(own(findings).filter((k) => k.startsWith('docker_audit_container_info{'))).toHaveLength(1);
    }
  });

  it('hides only clean containers: among the recordings, "hardened", and no other', () => {
    expect(postures.filter((p) => !hasContainerFinding(p, nnp)).map((p) => p.name)).toEqual(['fixture-rec-hardened']);
    expect(findings.length).toBeLessThan(all.length);
    // every sample with detail=findings is one of detail=all
    const allKeys = new Set(all.map(key));
    for (const s of findings) expect(allKeys.has(key(s))).toBe(true);
  });

  it('keeps the detail of every container an aggregate counts (privileged, root, no memory or CPU limit)', () => {
    const detailed = new Set(findings.filter((s) => s.family.name === 'docker_audit_container_privileged').map((s) => s.labels.id));
    for (const p of postures) {
      if (p.privileged || p.runningAsRoot || p.memoryLimitBytes === 0 || p.cpuLimitCores === 0) expect(detailed.has(p.shortId)).toBe(true);
    }
  });
});

describe('one --once collection over the recorded engine, detail=all and detail=findings', () => {
  async function exposition(args: string[]): Promise<string[]> {
    const host = makeGoldenHost();
    // The host collector reads /proc and /sys, not the golden host: not what this compares.
    const parsed = parseConfig(['--once', ...host.args, '--no-collector.host', ...args]);
    if (parsed.kind !== 'config') throw new Error('expected a config');
    let out = '';
    const spy = jest.spyOn(Date, 'now').mockReturnValue(Date.parse('2026-11-23T16:23:00Z'));
    try {
      const code = await runOnce(parsed.config, new RecordedEngine(), silentLogger, { stdout: (t) => (out += t), stderr: () => {} }, '0.0.0-test');
      expect(code).toBe(0);
    } finally {
      spy.mockRestore();
      host.cleanup();
    }
    return out.split('\n').filter((l) => l !== '' && !l.startsWith('#') && !/^(process_|nodejs_|docker_audit_collector_duration_seconds|docker_audit_last_collection_timestamp_seconds|docker_audit_collector_last_success)/.test(l));
  }

  it('serves the same aggregates, the same series of every other collector, and state and info for every container', async () => {
    const all = await exposition([]);
    const findings = await exposition(['--collector.containers.detail=findings']);
    const family = (l: string) => l.replace(/[{ ].*$/, '');
    const perContainer = (l: string) => family(l).startsWith('docker_audit_container_') && !l.startsWith('docker_audit_container_exec_total');
    expect(findings.filter((l) => !perContainer(l))).toEqual(all.filter((l) => !perContainer(l)));
    expect(findings.filter((l) => AGGREGATES.has(family(l))).length).toBe(AGGREGATES.size * 7);
    for (const f of ALWAYS) expect(findings.filter((l) => family(l) === f)).toEqual(all.filter((l) => family(l) === f));
    const hardenedId = recordedInspect('hardened').Id.slice(0, 12);
    expect(findings.filter((l) => l.includes(`id="${hardenedId}"`)).map(family).sort()).toEqual([...ALWAYS].sort());
    expect(all.filter((l) => l.includes(`id="${hardenedId}"`)).length).toBeGreaterThan(10);
  });
});

describe('the containers collector over a list read again', () => {
  it('serves the same sample objects for a posture it has seen, and new ones when the daemon\'s no-new-privileges default changes', async () => {
    let nnp = false;
    const facts = {
      containers: { get: async () => ({ inspects: [], postures, unchanged: false, listed: postures.length, inspected: 0, duplicates: 0 }) },
      engineDefaults: { get: async () => ({ noNewPrivileges: nnp }) },
    } as unknown as Parameters<typeof createContainersCollector>[0]['facts'];
    const collector = createContainersCollector({ facts });
    const collect = async () => {
      const samples: Sample[] = [];
      await collector.collect({ signal: new AbortController().signal, emit: (s) => void samples.push(s), logger: silentLogger, now: Date.now, collection: 1 });
      return samples.filter((s) => !AGGREGATES.has(s.family.name));
    };
    const first = await collect();
    const second = await collect();
    expect(second).toHaveLength(first.length);
    second.forEach((s, i) => expect(s).toBe(first[i]));
    nnp = true;
    const third = await collect();
    expect(third.map(key)).toEqual(postures.flatMap((p) => containerSamples([p], true, 'all')).filter((s) => !AGGREGATES.has(s.family.name)).map(key));
    expect(third.filter((s, i) => s === first[i])).toEqual([]);
  });
});
