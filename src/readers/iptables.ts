// Runs iptables-save (or its IPv6 twin) without a shell, under a deadline and an output
// bound, and resolves to what it printed. Reading only; parsing is src/model/iptables.ts.
import { execFile } from 'node:child_process';

/** Deadline of one run. It answers in milliseconds; a netlink socket that hangs must not hold a collection. */
export const IPTABLES_TIMEOUT_MS = 5000;
/** Most stdout taken from one run: 8 MiB is ~60,000 rules (~130 bytes each); a bigger dump fails instead of filling memory. */
export const IPTABLES_MAX_OUTPUT_BYTES = 8 * 1024 * 1024;

/** What a host needs for iptables-save to read the rules, said in every permission error. */
export const IPTABLES_PRIVILEGES =
  'iptables-save needs CAP_NET_ADMIN (iptables-nft), or CAP_NET_ADMIN and CAP_NET_RAW (iptables-legacy), in the host\'s network namespace (network_mode: host in a container)';

export interface ToolOutput {
  readonly stdout: string;
  readonly stderr: string;
}

export class IptablesError extends Error {}

/** Runs `binary args...` and resolves to its output; rejects with an error naming the command and what went wrong. */
export function runIptablesTool(binary: string, args: readonly string[], signal: AbortSignal, timeoutMs = IPTABLES_TIMEOUT_MS, maxBytes = IPTABLES_MAX_OUTPUT_BYTES): Promise<ToolOutput> {
  const what = `running ${[binary, ...args].join(' ')}`;
  return new Promise((resolve, reject) => {
    let timedOut = false;
    const child = execFile(
      binary,
      [...args],
      // LC_ALL=C: the output is parsed. No shell: the path is a flag value.
      { killSignal: 'SIGKILL', signal, maxBuffer: maxBytes, env: { ...process.env, LC_ALL: 'C' }, encoding: 'utf8' },
      (err, stdout, stderr) => {
        clearTimeout(timer);
        const said = stderr.trim().split('\n').filter(Boolean).slice(0, 3).join('; ');
        if (!err) {
          resolve({ stdout, stderr });
          return;
        }
        const e = err as NodeJS.ErrnoException & { code?: number | string };
        if (e.code === 'ENOENT') reject(new IptablesError(`${what} failed: no such file (install iptables, or set --collector.firewall.iptables-save-path)`));
        else if (e.code === 'EACCES') reject(new IptablesError(`${what} failed: not executable by this user`));
        else if (timedOut) reject(new IptablesError(`${what} failed: no answer within ${timeoutMs} ms`));
        else if (e.code === 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER') reject(new IptablesError(`${what} failed: more than ${maxBytes} bytes of output`));
        else if (typeof e.code === 'number') {
          const denied = /permission denied|you must be root|operation not permitted/i.test(said);
          reject(new IptablesError(`${what} failed: exit code ${e.code}${said ? `: ${said}` : ''}${denied ? ` (${IPTABLES_PRIVILEGES})` : ''}`));
        } else reject(new IptablesError(`${what} failed`, { cause: err }));
      },
    );
    // Our own deadline rather than execFile's `timeout`: a plain timer, which tests can drive.
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
  });
}
