// The systemd units of deploy/systemd/, read as systemd reads their [Service] settings, and
// their privileges turned into a setpriv(1) command line: the same uid, gid, supplementary
// groups, bounding set, ambient capabilities and no_new_privs, without a booted systemd.
// Also a throwaway root for `systemd-analyze --root`, with the unit installed the way its
// header says (npm pack, npm install -g) and its user made by systemd-sysusers.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ROOT } from './exporter-image';

export const SYSTEMD_DIR = path.join(ROOT, 'deploy', 'systemd');

export interface UnitFile {
  /** Every value of a key of a section, in order (a repeated key adds to the list). */
  values(section: string, key: string): string[];
  /** The last value of a key (a later assignment wins), or undefined. */
  value(section: string, key: string): string | undefined;
}

export function readUnit(file: string): UnitFile {
  const entries: { section: string; key: string; value: string }[] = [];
  let section = '';
  for (const raw of fs.readFileSync(file, 'utf8').split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header) {
      section = header[1];
      continue;
    }
    const eq = line.indexOf('=');
    if (eq < 0) throw new Error(`${file}: not a key=value line: ${line}`);
    entries.push({ section, key: line.slice(0, eq).trim(), value: line.slice(eq + 1).trim() });
  }
  const values = (s: string, k: string) => entries.filter((e) => e.section === s && e.key === k).map((e) => e.value);
  return { values, value: (s, k) => values(s, k).at(-1) };
}

/** A space-separated list setting (SupplementaryGroups=, AmbientCapabilities=), every assignment joined. */
export const listValue = (unit: UnitFile, key: string): string[] =>
  unit
    .values('Service', key)
    .flatMap((v) => v.split(/\s+/))
    .filter(Boolean);

/** systemd's capability names (CAP_AUDIT_CONTROL) as setpriv's (audit_control). */
const setprivCap = (name: string) => name.replace(/^CAP_/, '').toLowerCase();

export interface Identity {
  uid: number;
  gid: number;
  /** Supplementary gids, resolved from the group names on this host. */
  groups: number[];
}

/**
 * The setpriv arguments that give a process what the unit's [Service] gives it: uid, gid,
 * groups, CapabilityBoundingSet, AmbientCapabilities (inheritable too, as systemd does and the
 * kernel requires), NoNewPrivileges. `ambient` replaces the unit's ambient capabilities (and
 * the bounding set keeps only those), to try the process with fewer or other capabilities.
 */
export function setprivArgs(unit: UnitFile, id: Identity, options: { ambient?: string[] } = {}): string[] {
  const ambient = options.ambient ?? listValue(unit, 'AmbientCapabilities');
  const bounding = options.ambient ?? listValue(unit, 'CapabilityBoundingSet');
  const args = [`--reuid=${id.uid}`, `--regid=${id.gid}`];
  args.push(id.groups.length > 0 ? `--groups=${id.groups.join(',')}` : '--clear-groups');
  args.push(`--bounding-set=-all${bounding.map((c) => `,+${setprivCap(c)}`).join('')}`);
  if (ambient.length > 0) {
    const caps = ambient.map((c) => `+${setprivCap(c)}`).join(',');
    args.push(`--inh-caps=-all,${caps}`, `--ambient-caps=${caps}`);
  } else {
    args.push('--inh-caps=-all');
  }
  if (unit.value('Service', 'NoNewPrivileges') === 'yes') args.push('--no-new-privs');
  return args;
}

/** The gid of a group name on this host. */
export function gidOf(group: string): number {
  return Number(execFileSync('getent', ['group', group], { encoding: 'utf8' }).trim().split(':')[2]);
}

/** The supplementary groups of the unit, as gids of this host. */
export const supplementaryGids = (unit: UnitFile): number[] => listValue(unit, 'SupplementaryGroups').map(gidOf);

/** The command line of ExecStart= (split on blanks; single-quoted words kept whole, quotes removed). */
export function execStart(unit: UnitFile): string[] {
  const line = unit.value('Service', 'ExecStart');
  if (!line) throw new Error('the unit has no ExecStart=');
  return [...line.matchAll(/'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2]);
}

/** A passwd(5) entry. */
export interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
  home: string;
  shell: string;
}

/**
 * What `systemd-sysusers FILE` makes (or finds) on this host, without touching it: sysusers run
 * on a copy of this host's user and group databases under `root`. The uid is the one the host
 * would allocate, and no user is left behind on the test machine.
 */
export function sysusersUser(root: string, sysusersFile: string, user: string): PasswdEntry {
  fs.mkdirSync(path.join(root, 'etc'), { recursive: true });
  // The names and ids are enough to allocate as the host would; the password databases stay where they are.
  for (const db of ['passwd', 'group']) fs.copyFileSync(path.join('/etc', db), path.join(root, 'etc', db));
  execFileSync('systemd-sysusers', [`--root=${root}`, sysusersFile], { stdio: ['ignore', 'pipe', 'pipe'] });
  const line = fs
    .readFileSync(path.join(root, 'etc', 'passwd'), 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${user}:`));
  if (!line) throw new Error(`systemd-sysusers made no user ${user}`);
  const [name, , uid, gid, , home, shell] = line.split(':');
  return { name, uid: Number(uid), gid: Number(gid), home, shell };
}

/**
 * A root for `systemd-analyze --root`: this host's unit folder (sysinit.target and the rest)
 * and /bin/sh, the units under test in /etc/systemd/system, and the exporter installed under
 * /usr/local as the unit's header says (`npm pack`, then `npm install -g --omit=dev` of the
 * tarball), so ExecStart= names a real program. `npm pack --ignore-scripts`: the tests run
 * after `npm run build` (scripts/test.sh), which is what pack's prepack script would do.
 * World-readable, so the unit's user can run what is installed there.
 */
export function installRoot(units: readonly string[]): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'dae-systemd-'));
  fs.chmodSync(root, 0o755);
  for (const dir of ['usr/lib/systemd', 'usr/bin', 'etc/systemd/system', 'usr/local']) fs.mkdirSync(path.join(root, dir), { recursive: true });
  fs.cpSync('/usr/lib/systemd/system', path.join(root, 'usr', 'lib', 'systemd', 'system'), { recursive: true, verbatimSymlinks: true });
  // Debian's merged /usr: /bin and /lib are links into /usr.
  for (const link of ['bin', 'lib', 'sbin']) fs.symlinkSync(`usr/${link}`, path.join(root, link));
  fs.copyFileSync(fs.realpathSync('/bin/sh'), path.join(root, 'usr', 'bin', 'sh'));
  fs.chmodSync(path.join(root, 'usr', 'bin', 'sh'), 0o755);
  for (const name of units) fs.copyFileSync(path.join(SYSTEMD_DIR, name), path.join(root, 'etc', 'systemd', 'system', name));

  const pack = fs.mkdtempSync(path.join(os.tmpdir(), 'dae-pack-'));
  try {
    const npm = (...args: string[]) => execFileSync('npm', [...args, '--no-audit', '--no-fund', '--loglevel=error'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 });
    const tarball = npm('pack', '--ignore-scripts', '--pack-destination', pack).trim().split('\n').at(-1)!;
    npm('install', '--global', `--prefix=${path.join(root, 'usr', 'local')}`, '--omit=dev', '--ignore-scripts', '--prefer-offline', path.join(pack, tarball));
  } finally {
    fs.rmSync(pack, { recursive: true, force: true });
  }
  return root;
}
