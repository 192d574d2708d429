// Files that are not files: a FIFO (or a device) where the exporter expects daemon.json, an
// audit rules file or a Trivy report. In 0.1 a FIFO hung the collection forever (readFile
// waits for a writer), every later tick was skipped, and SIGTERM was never acted on. Now each
// is refused at once, reported, and the collection completes. The engine is the hostile one
// on a unix socket (recorded JSON): only the files matter here.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ExporterProcess, metricLines, runExporter, seriesValue } from '../helpers/exporter-process';
import { HostileEngine } from '../helpers/hostile-engine';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dae-hostile-files-'));
const fifo = (name: string) => {
  const p = path.join(dir, name);
  fs.mkdirSync(path.dirname(p), { recursive: true });
  expect(spawnSync('mkfifo', [p]).status).toBe(0);
  return p;
};

describe('FIFOs where the exporter reads files', () => {
  const engine = new HostileEngine();
  let args: string[];

  beforeAll(async () => {
    await engine.start();
    const daemonJson = fifo('daemon.json');
    const rules = fifo('audit.rules');
    fifo('trivy/report.json');
    fs.writeFileSync(path.join(dir, 'trivy', 'fine.json'), fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'trivy', 'trivy-schema-v2-image-clean.json')));
    args = [
      '--docker.host', engine.host,
      `--daemon.config-path=${daemonJson}`,
      '--audit.auditctl-path=', `--audit.rules-paths=${rules}`,
      `--trivy.reports-dir=${path.join(dir, 'trivy')}`,
      '--no-collector.auditlog', '--no-collector.events',
    ];
  });

  afterAll(async () => {
    await engine.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('--once completes, reports each FIFO, and exits', async () => {
    const res = await runExporter(['--once', ...args], 30_000);
    expect(res.timedOut).toBe(false);
    const lines = metricLines(res.stdout);
    expect(lines).toContain('docker_audit_daemon_source_available{source="config"} 0');
    expect(lines).toContain('docker_audit_rules_source{source="none"} 1');
    expect(lines).toContain('docker_audit_trivy_reports{status="ok"} 1');
    expect(lines).toContain('docker_audit_trivy_reports{status="unreadable"} 1');
    expect(res.stderr).toContain(`${path.join(dir, 'daemon.json')} is a FIFO, not a regular file; not read`);
    expect(res.stderr).toContain(`${path.join(dir, 'trivy', 'report.json')} is a FIFO, not a regular file; not read`);
    expect(res.stderr).toContain(`${path.join(dir, 'audit.rules')} is a FIFO, not a regular file; not read`);
  }, 60_000);

  it('keeps collecting in server mode, ignores SIGHUP, and stops promptly on SIGTERM', async () => {
    const exporter = new ExporterProcess([...args, '--web.listen-address', '127.0.0.1:0', '--collection.schedule', '* * * * * *']);
    await exporter.start();
    try {
      const first = await exporter.waitFor((m) => seriesValue(m, 'docker_audit_last_collection_timestamp_seconds') !== undefined, 15_000, 'a first snapshot');
      const since = seriesValue(first, 'docker_audit_last_collection_timestamp_seconds')!;
      process.kill(exporter.pid!, 'SIGHUP');
      await exporter.waitFor((m) => seriesValue(m, 'docker_audit_last_collection_timestamp_seconds')! >= since + 2, 15_000, 'two more collections after SIGHUP');
      expect(exporter.stderr).toContain('SIGHUP received: there is nothing to reload (no --web.config.file); ignored');
      expect((await exporter.get('/-/ready')).status).toBe(200);
    } finally {
      const stopped = await exporter.stop(15_000);
      expect(stopped).toMatchObject({ code: 0, signal: null, killed: false });
      expect(stopped!.durationMs).toBeLessThan(5000);
    }
  }, 60_000);
});

describe('the audit log and its state file where they are not regular files', () => {
  const engine = new HostileEngine();
  const only = ['--docker.host', '', '--no-collector.engine', '--no-collector.containers', '--no-collector.daemon', '--no-collector.images', '--no-collector.resources', '--no-collector.events', '--no-collector.auditrules', '--no-collector.cis'];

  beforeAll(() => engine.start());
  afterAll(() => engine.stop());
  const args = () => only.map((a) => (a === '' ? engine.host : a));

  it('a FIFO at --audit.log-path fails the auditlog collector at once, and --once exits', async () => {
    const log = fifo('audit/audit.log');
    const res = await runExporter(['--once', ...args(), `--audit.log-path=${log}`, '--audit.start=beginning'], 30_000);
    expect(res.timedOut).toBe(false);
    expect(res.code).toBe(1);
    expect(metricLines(res.stdout)).toContain('docker_audit_collector_success{collector="auditlog"} 0');
    expect(res.stderr).toContain(`${log} is a FIFO, not a regular file; not read`);
  }, 60_000);

  // In 0.1 the state file was written by renaming a temporary file over whatever was there:
  // pointed at a character device, it turned the device node into a JSON file.
  it('refuses at start-up a --audit.state-file that is a device, a FIFO or a folder, and leaves it as it was', async () => {
    const log = path.join(dir, 'audit2', 'audit.log');
    fs.mkdirSync(path.dirname(log), { recursive: true });
    fs.writeFileSync(log, '');
    const device = path.join(dir, 'null-device');
    expect(spawnSync('mknod', [device, 'c', '1', '3']).status).toBe(0); // a copy of /dev/null
    for (const [state, kind] of [[device, 'a character device'], [fifo('state.fifo'), 'a FIFO'], [dir, 'a folder']] as const) {
      const res = await runExporter(['--once', ...args(), `--audit.log-path=${log}`, `--audit.state-file=${state}`], 30_000);
      expect(res.code).toBe(2);
      expect(res.stderr).toContain(`the audit state file ${state} exists and is not a regular file (${kind}); it is never written over`);
    }
    expect(fs.statSync(device).isCharacterDevice()).toBe(true);
    // A regular file, or none yet, is fine.
    const res = await runExporter(['--once', ...args(), `--audit.log-path=${log}`, `--audit.state-file=${path.join(dir, 'state.json')}`], 30_000);
    expect(res.code).toBe(0);
    expect(fs.statSync(path.join(dir, 'state.json')).isFile()).toBe(true);
  }, 90_000);
});
