// The wiring of main.ts: every collector over one set of facts asks the engine once per
// collection for what they share (one /_ping, /info from one cache), over the recorded engine.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { silentLogger } from '../../../src/base/log';
import { buildRunner } from '../../../src/cli/main';
import { testConfig } from '../../helpers/options';
import { RecordedEngine } from '../../helpers/recorded-engine';

describe('buildRunner', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dae-main-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('pings the engine once per collection and reads /info once, whichever collectors ask', async () => {
    const engine = new RecordedEngine();
    let infos = 0;
    const info = engine.info.bind(engine);
    engine.info = () => (infos++, info());
    // Every collector that reads the engine; the audit ones read files and auditctl only. No
    // event stream, so the container list runs every time (a quiet stream would replace it by the ping).
    const config = testConfig([
      '--no-collector.auditlog',
      '--no-collector.auditrules',
      '--collector.containers.watch-events=false',
      `--host.root-path=${dir}`,
      `--host.proc-path=${path.join(dir, 'proc')}`,
      `--daemon.config-path=${path.join(dir, 'daemon.json')}`,
      '--daemon.probe-address=',
    ]);
    const runner = buildRunner(config, engine, silentLogger);
    try {
      const signal = new AbortController().signal;
      const first = await runner.run(signal);
      // No dockerd under the empty proc folder, but /info answers: every collector succeeds.
      expect(first.statuses.filter((s) => !s.success).map((s) => `${s.name}: ${s.error}`)).toEqual([]);
      expect(first.statuses.map((s) => s.name)).toEqual(['engine', 'containers', 'daemon', 'images', 'resources', 'events', 'cis']);
      expect({ pings: engine.calls.ping, infos }).toEqual({ pings: 1, infos: 1 });
      await runner.run(signal);
      expect({ pings: engine.calls.ping, infos }).toEqual({ pings: 2, infos: 1 });
    } finally {
      await runner.close();
    }
  });
});
