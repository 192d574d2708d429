// The Linux audit rules as the host has them: the live rules and the kernel's audit status
// from auditctl (run without a shell, with a deadline), and the rules files augenrules
// loads. Reading only; parsing is src/model/audit-rules.ts.
import { execFile } from 'node:child_process';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { describeError } from '../base/log';
import { readTextFile } from './files';

/** Deadline of one auditctl run. It answers in milliseconds; a hung netlink socket must not hold a collection. */
export const AUDITCTL_TIMEOUT_MS = 5000;

export class AuditctlError extends Error {
  constructor(
    message: string,
    readonly missing: boolean,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** Runs auditctl with one option and resolves to its stdout. */
export function runAuditctl(auditctlPath: string, option: '-l' | '-s', signal: AbortSignal, timeoutMs = AUDITCTL_TIMEOUT_MS): Promise<string> {
  const what = `running ${auditctlPath} ${option}`;
  return new Promise((resolve, reject) => {
    let timedOut = false;
    const child = execFile(
      auditctlPath,
      [option],
      // LC_ALL=C: the output is parsed. No shell: the path is a flag value.
      { killSignal: 'SIGKILL', signal, maxBuffer: 32 * 1024 * 1024, env: { ...process.env, LC_ALL: 'C' }, encoding: 'utf8' },
      (err, stdout, stderr) => {
        clearTimeout(timer);
        const said = stderr.trim().split('\n').slice(0, 3).join('; ');
        if (err) {
          const e = err as NodeJS.ErrnoException & { code?: number | string };
          if (e.code === 'ENOENT') reject(new AuditctlError(`${what} failed: no such file`, true));
          else if (timedOut) reject(new AuditctlError(`${what} failed: no answer within ${timeoutMs} ms`, false));
          else if (typeof e.code === 'number') reject(new AuditctlError(`${what} failed: exit code ${e.code}${said ? `: ${said}` : ''}`, false));
          else reject(new AuditctlError(`${what} failed`, false, { cause: err }));
          return;
        }
        // auditctl reports some netlink errors on stderr with exit code 0 and prints nothing else.
        if (stdout.trim() === '' && said !== '') reject(new AuditctlError(`${what} failed: ${said}`, false));
        else resolve(stdout);
      },
    );
    // Our own deadline rather than execFile's `timeout`: a plain timer, which tests can drive.
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
  });
}

/** augenrules reads rules.d in version order (`ls -1v`): 9-x.rules before 10-x.rules. */
const versionOrder = (a: string, b: string): number => a.localeCompare(b, 'en', { numeric: true });

/** Reads the rules files: each path is a file, or a folder whose *.rules are read. */
export async function readRulesFiles(paths: readonly string[]): Promise<{ texts: { origin: string; text: string }[]; missing: string[]; errors: string[] }> {
  const texts: { origin: string; text: string }[] = [];
  const missing: string[] = [];
  const errors: string[] = [];
  const readOne = async (file: string) => {
    try {
      texts.push({ origin: file, text: await readTextFile(file) });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') missing.push(file);
      else errors.push(describeError(new Error(`reading ${file} failed`, { cause: err })));
    }
  };
  for (const p of paths) {
    let isDirectory = false;
    try {
      isDirectory = (await fs.stat(p)).isDirectory();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') missing.push(p);
      else errors.push(describeError(new Error(`reading ${p} failed`, { cause: err })));
      continue;
    }
    if (!isDirectory) {
      await readOne(p);
      continue;
    }
    let names: string[];
    try {
      names = (await fs.readdir(p)).filter((n) => n.endsWith('.rules')).sort(versionOrder);
    } catch (err) {
      errors.push(describeError(new Error(`listing ${p} failed`, { cause: err })));
      continue;
    }
    for (const n of names) await readOne(path.join(p, n));
  }
  return { texts, missing, errors };
}
