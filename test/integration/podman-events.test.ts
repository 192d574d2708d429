// The events collector and the container inventory's cache against Podman's compat /events
// stream: the exporter in server mode pointed at the real `podman system service`
// (scripts/provision-podman.sh), collecting every second.
//
// What Podman 4.3 emits differs from dockerd (docs/podman.md, "Known differences"): one
// "exec" per `podman exec`, with no execID, where dockerd has exec_create and exec_start
// with one; "remove" where dockerd has destroy. So each podman exec counts on
// docker_audit_container_exec_total, but whether it was privileged or as root cannot be read:
// it counts as an inspect failure, and the host-wide privileged and as-root totals stay.
//
// The tests run in order and share one exporter and one target container.
import { ExporterProcess, seriesValue } from '../helpers/exporter-process';
import { PODMAN_HOST, PODMAN_IMAGE, podman, removePodmanContainers } from '../helpers/podman-cli';

const P = `dae-pev-${process.pid}-`;
const TARGET = `${P}target`;
const EXECS = (name: string) => `docker_audit_container_exec_total{name="${name}",`;
const PRIVILEGED = 'docker_audit_exec_privileged_total';
const AS_ROOT = 'docker_audit_exec_as_root_total';
const FAILURES = 'docker_audit_exec_inspect_failures_total';
const STATE = (name: string) => `docker_audit_container_state{name="${name}",`;

const exporter = new ExporterProcess(
  [
    ...['--web.listen-address', '127.0.0.1:0', '--collection.schedule', '* * * * * *'],
    // A long inspect cache: only the event stream can tell the inventory that something changed.
    '--collector.containers.inspect-max-age=1h',
    ...['daemon', 'images', 'imageos', 'resources', 'processes', 'auditrules', 'auditlog', 'logs', 'host', 'cis', 'firewall'].map((c) => `--no-collector.${c}`),
  ],
  { env: { DOCKER_HOST: PODMAN_HOST } },
);
const value = (text: string, series: string): number => seriesValue(text, series) ?? 0;
const collectedAt = (text: string): number => value(text, 'docker_audit_last_collection_timestamp_seconds');
/** The metrics of a collection that finished after the one `text` shows. */
async function nextCollection(text: string): Promise<string> {
  return exporter.waitFor((m) => collectedAt(m) > collectedAt(text), 5000, 'a later collection');
}
const stateOf = (text: string, name: string): string | undefined => new RegExp(`^docker_audit_container_state\\{name="${name}",id="[0-9a-f]{12}",state="([a-z]+)"\\} 1$`, 'm').exec(text)?.[1];

beforeAll(async () => {
  removePodmanContainers(P);
  podman('run', '-d', '--name', TARGET, '--network', 'none', PODMAN_IMAGE, 'sleep', '3600');
  await exporter.start();
  await exporter.waitFor((m) => value(m, 'docker_audit_engine_events_stream_up') === 1 && stateOf(m, TARGET) === 'running', 30_000, 'the stream up and the target running');
}, 90_000);

afterAll(async () => {
  removePodmanContainers(P);
  await exporter.stop();
}, 60_000);

describe('the events collector on Podman', () => {
  it('counts every podman exec on the container, privileged and as root included, as an exec whose privileges cannot be read', async () => {
    const before = await exporter.metrics();
    // The container has no USER: without -u the exec runs as root.
    const runs: string[][] = [[], [], ['-u', '0'], ['-u', 'nobody'], ['--privileged'], ['--privileged', '-u', 'nobody']];
    for (const flags of runs) podman('exec', ...flags, TARGET, 'id');
    const moved = (m: string) => ({
      execs: value(m, EXECS(TARGET)) - value(before, EXECS(TARGET)),
      privileged: value(m, PRIVILEGED) - value(before, PRIVILEGED),
      root: value(m, AS_ROOT) - value(before, AS_ROOT),
    });
    const after = await exporter.waitFor((m) => moved(m).execs >= runs.length, 15_000, `${TARGET}'s exec count to move by ${runs.length}`);
    // Another collection later, not by more.
    const later = await nextCollection(after);
    // dockerd would say privileged 2 and root 4 (events.test.ts); Podman's events give no exec to inspect.
    expect(moved(later)).toEqual({ execs: 6, privileged: 0, root: 0 });
    // Host-wide: another user of this podman may exec meanwhile, so at least these six.
    expect(value(later, FAILURES) - value(before, FAILURES)).toBeGreaterThanOrEqual(6);
  }, 45_000);

  it('does not count a healthcheck run (Podman emits health_status and exec_died for it, no exec)', async () => {
    const health = `${P}health`;
    podman('run', '-d', '--name', health, '--network', 'none', '--health-cmd', 'true', '--health-interval', 'disable', PODMAN_IMAGE, 'sleep', '3600');
    podman('exec', health, 'true');
    await exporter.waitFor((m) => value(m, EXECS(health)) === 1, 15_000, `${health}'s podman exec counted`);
    podman('healthcheck', 'run', health);
    podman('exec', health, 'true');
    // The second exec is counted once the healthcheck before it has been seen: the stream is in order.
    const m = await nextCollection(await exporter.waitFor((t) => value(t, EXECS(health)) >= 2, 15_000, `${health}'s second podman exec counted`));
    expect(value(m, EXECS(health))).toBe(2);
    expect(value(m, 'docker_audit_engine_events_total{type="container",action="health_status"}')).toBeGreaterThanOrEqual(1);
  }, 45_000);

  it('shows a created container at the next collection, a stopped one as exited, and drops a removed one\'s series', async () => {
    const created = `${P}created`;
    podman('create', '--name', created, '--network', 'none', PODMAN_IMAGE, 'sleep', '3600');
    await exporter.waitFor((m) => stateOf(m, created) === 'created', 10_000, `${created} to appear`);
    podman('start', created);
    await exporter.waitFor((m) => stateOf(m, created) === 'running', 10_000, `${created} to show running`);
    podman('stop', '-t', '0', created);
    await exporter.waitFor((m) => stateOf(m, created) === 'exited', 10_000, `${created} to show exited`);
    // The target's exec count goes with it when it is removed (Podman's remove, not destroy).
    const before = await exporter.metrics();
    expect(value(before, EXECS(TARGET))).toBeGreaterThanOrEqual(6);
    podman('rm', '-f', '-t', '0', created, TARGET);
    const gone = await exporter.waitFor(
      (m) => seriesValue(m, STATE(created)) === undefined && seriesValue(m, STATE(TARGET)) === undefined && seriesValue(m, EXECS(TARGET)) === undefined,
      10_000,
      'the removed containers\' series to go',
    );
    expect(gone).not.toContain(`name="${TARGET}"`);
    expect(gone).not.toContain(`name="${created}"`);
    expect(value(gone, 'docker_audit_collector_success{collector="events"}')).toBe(1);
    expect(value(gone, 'docker_audit_engine_events_stream_up')).toBe(1);
  }, 60_000);
});
