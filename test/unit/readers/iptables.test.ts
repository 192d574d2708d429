// runIptablesTool on stand-in binaries (shell scripts written here) that print what the
// real iptables-save printed on this host (test/fixtures/firewall/), or fail as it does.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runIptablesTool } from '../../../src/readers/iptables';

const FIXTURES = path.join(__dirname, '..', '..', 'fixtures', 'firewall');
const signal = new AbortController().signal;
let dir: string;
beforeAll(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dae-iptables-'))));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

let n = 0;
function fakeTool(body: string): string {
  const file = path.join(dir, `tool-${n++}`);
  fs.writeFileSync(file, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  return file;
}

describe('runIptablesTool', () => {
  it('resolves to stdout and stderr, apart', async () => {
    const tool = fakeTool(`cat '${FIXTURES}/nft-20.10-published.rules'; cat '${FIXTURES}/nft-20.10-published.stderr' >&2`);
    const out = await runIptablesTool(tool, ['-t', 'filter'], signal);
    expect(out.stdout).toBe(fs.readFileSync(path.join(FIXTURES, 'nft-20.10-published.rules'), 'utf8'));
    expect(out.stderr).toMatch(/^# Warning: iptables-legacy tables present/);
  });

  it('passes its arguments as they are, with no shell between', async () => {
    const tool = fakeTool('printf "%s|" "$@"');
    expect((await runIptablesTool(tool, ['-t', 'filter; rm -rf /', '$(id)'], signal)).stdout).toBe('-t|filter; rm -rf /|$(id)|');
  });

  it('names the command and the missing privileges when run as a user who may not read the rules (recorded stderr)', async () => {
    const nft = fakeTool(`cat '${FIXTURES}/nft-not-root.stderr' >&2; exit 4`);
    await expect(runIptablesTool(nft, ['-t', 'filter'], signal)).rejects.toThrow(
      `running ${nft} -t filter failed: exit code 4: iptables-save v1.8.9 (nf_tables): Could not fetch rule set generation id: Permission denied (you must be root) (iptables-save needs CAP_NET_ADMIN (iptables-nft), or CAP_NET_ADMIN and CAP_NET_RAW (iptables-legacy), in the host's network namespace (network_mode: host in a container))`,
    );
    const legacy = fakeTool(`cat '${FIXTURES}/legacy-not-root.stderr' >&2; exit 1`);
    await expect(runIptablesTool(legacy, ['-t', 'filter'], signal)).rejects.toThrow(/exit code 1: iptables-save v1\.8\.9 \(legacy\): Cannot initialize: Permission denied \(you must be root\) \(iptables-save needs CAP_NET_ADMIN/);
  });

  it('says so when the binary does not exist', async () => {
    const missing = path.join(dir, 'no-such-iptables-save');
    await expect(runIptablesTool(missing, ['-t', 'filter'], signal)).rejects.toThrow(`running ${missing} -t filter failed: no such file (install iptables, or set --collector.firewall.iptables-save-path)`);
  });

  it('fails rather than keep more output than its bound', async () => {
    const big = fakeTool('i=0; while [ $i -lt 2000 ]; do echo "-A DOCKER-USER -s 10.0.0.0/8 -j DROP"; i=$((i+1)); done');
    await expect(runIptablesTool(big, ['-t', 'filter'], signal, 5000, 4096)).rejects.toThrow(`running ${big} -t filter failed: more than 4096 bytes of output`);
  });

  it('gives up on a binary that does not answer, at its deadline', async () => {
    jest.useFakeTimers({ doNotFake: ['nextTick', 'queueMicrotask', 'setImmediate'] });
    try {
      const hung = fakeTool('exec sleep 30');
      let settled = false;
      const run = runIptablesTool(hung, ['-t', 'filter'], signal, 300).finally(() => (settled = true));
      run.catch(() => undefined);
      await jest.advanceTimersByTimeAsync(299);
      expect(settled).toBe(false);
      await jest.advanceTimersByTimeAsync(1);
      await expect(run).rejects.toThrow(`running ${hung} -t filter failed: no answer within 300 ms`);
    } finally {
      jest.useRealTimers();
    }
  });
});
