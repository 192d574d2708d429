// The host the golden exposition is collected on: a temporary --host.root-path tree with
// the daemon files CIS section 3 names (with fixed modes), a --host.proc-path with one
// dockerd command line, an auditctl that answers with fixed rules and a recorded status,
// and the recorded audit log and Trivy reports (copied, with a fixed modification time),
// the kernel files of an Ubuntu host with AppArmor and cgroup v2 (test/fixtures/host/ubuntu-apparmor-v2) under the
// proc and sys paths, and an iptables-save that prints the recorded firewall of a host with
// a published container (test/fixtures/firewall), with the firewall collector turned on.
// Together with the recorded engine, nothing of the machine running the test leaks into the
// golden file, except file owners: the test runs as root (as CI does), so they are root.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const FIXTURES = path.join(__dirname, '..', 'fixtures');

/** Host files and their modes; directories end in "/". */
const HOST_FILES: Record<string, number> = {
  'etc/docker/': 0o755,
  'etc/docker/daemon.json': 0o644,
  'etc/default/docker': 0o644,
  'lib/systemd/system/docker.service': 0o644,
  'lib/systemd/system/docker.socket': 0o644,
  'lib/systemd/system/containerd.service': 0o644,
  'run/containerd/containerd.sock': 0o660,
  'var/run/docker.sock': 0o666, // too open: CIS 3.16 fails on it
  'run/podman/podman.sock': 0o660, // for the Podman golden: the socket /libpod/info names
  'var/lib/docker/': 0o710,
  'usr/bin/dockerd': 0o755,
  'usr/bin/containerd': 0o755,
  'usr/bin/containerd-shim-runc-v2': 0o755,
  'usr/sbin/runc': 0o755,
};

/** dockerd as Debian's docker.service starts it, plus a TCP listener where nothing answers. */
const DOCKERD_ARGV = ['/usr/sbin/dockerd', '-H', 'fd://', '-H', 'tcp://127.0.0.1:1', '--containerd=/run/containerd/containerd.sock', '--config-file=/etc/docker/daemon.json'];

/** `auditctl -l`: watches some of the CIS 1.1.x paths, one of them without "a", one a substring trap. */
const AUDIT_RULES = ['-w /usr/bin/dockerd -p wa -k docker', '-w /etc/docker -p wa -k docker', '-w /var/lib/docker -p w -k docker', '-w /usr/sbin/runc-old -p wa -k docker', ''].join('\n');

/** The modification time of the copied Trivy reports (Unix seconds). */
const REPORT_MTIME = 1795457403;

export interface GoldenHost {
  readonly args: readonly string[];
  cleanup(): void;
}

export function makeGoldenHost(): GoldenHost {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dae-golden-'));
  const root = path.join(dir, 'root');
  for (const [file, mode] of Object.entries(HOST_FILES)) {
    const full = path.join(root, file);
    if (file.endsWith('/')) fs.mkdirSync(full, { recursive: true });
    else {
      fs.mkdirSync(path.dirname(full), { recursive: true });
      fs.writeFileSync(full, file.endsWith('daemon.json') ? fs.readFileSync(path.join(FIXTURES, 'daemon', 'daemon-hardened.json')) : '');
    }
    fs.chmodSync(full, mode);
  }
  fs.writeFileSync(path.join(root, 'etc', 'group'), 'root:x:0:\ndocker:x:0:\n');
  const proc = path.join(dir, 'proc', '4242');
  fs.mkdirSync(proc, { recursive: true });
  fs.writeFileSync(path.join(proc, 'cmdline'), DOCKERD_ARGV.join('\0') + '\0');
  fs.writeFileSync(path.join(proc, 'stat'), '4242 (dockerd) S 1 4242 4242 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 12 0 1000 0 0\n');
  // The host collector's kernel files: an Ubuntu host with AppArmor and docker-default loaded, cgroup v2.
  const kernel = path.join(FIXTURES, 'host', 'ubuntu-apparmor-v2');
  fs.cpSync(path.join(kernel, 'proc'), path.join(dir, 'proc'), { recursive: true });
  fs.cpSync(path.join(kernel, 'sys'), path.join(dir, 'sys'), { recursive: true });
  // iptables-save: the recorded nft ruleset for -t filter, its recorded version for --version.
  const iptablesSave = path.join(dir, 'iptables-save');
  const firewall = path.join(FIXTURES, 'firewall');
  fs.writeFileSync(iptablesSave, `#!/bin/sh
case "$1" in --version|-V) cat '${path.join(firewall, 'nft-version.txt')}' ;; -t) cat '${path.join(firewall, 'nft-20.10-published.rules')}' ;; *) exit 1 ;; esac
`, { mode: 0o755 });
  // auditctl: the rules above for -l, the status recorded on this machine for -s.
  const rules = path.join(dir, 'auditctl-l.txt');
  fs.writeFileSync(rules, AUDIT_RULES);
  const auditctl = path.join(dir, 'auditctl');
  const status = path.join(FIXTURES, 'audit-rules', 'recorded-auditctl-s.txt');
  fs.writeFileSync(auditctl, `#!/bin/sh\ncase "$1" in -l) cat '${rules}' ;; -s) cat '${status}' ;; *) exit 1 ;; esac\n`, { mode: 0o755 });
  // The Trivy reports, copied with a fixed modification time: a report without CreatedAt
  // is dated by its file, and a checkout's file times are the time of the checkout.
  const trivy = path.join(dir, 'trivy');
  fs.mkdirSync(trivy);
  for (const report of fs.readdirSync(path.join(FIXTURES, 'trivy'))) {
    if (!report.endsWith('.json')) continue;
    fs.copyFileSync(path.join(FIXTURES, 'trivy', report), path.join(trivy, report));
    fs.utimesSync(path.join(trivy, report), REPORT_MTIME, REPORT_MTIME);
  }
  return {
    args: [
      `--host.root-path=${root}`,
      `--host.proc-path=${path.join(dir, 'proc')}`,
      `--host.sys-path=${path.join(dir, 'sys')}`,
      '--collector.firewall',
      `--collector.firewall.iptables-save-path=${iptablesSave}`,
      '--daemon.probe-address=',
      `--audit.log-path=${path.join(FIXTURES, 'audit', 'recorded-enriched.log')}`,
      '--audit.start=beginning',
      `--audit.auditctl-path=${auditctl}`,
      `--trivy.reports-dir=${trivy}`,
    ],
    cleanup: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}
