// os-release(5) (https://www.freedesktop.org/software/systemd/man/latest/os-release.html):
// the file that names an image's operating system, and where to find it. Pure.
//
// The format is a newline-separated list of KEY=value assignments, a subset of shell: values
// in double or single quotes or bare, shell special characters ("$", quotes, backslash,
// backtick) escaped with a backslash, lines starting with "#" comments, blank lines ignored.
// /etc/os-release takes precedence over /usr/lib/os-release; on Debian, Ubuntu and others the
// first is a relative symbolic link to the second (../usr/lib/os-release).
import * as path from 'node:path';

/** Where os-release is looked for, in order (os-release(5): "/etc/os-release ... /usr/lib/os-release"). */
export const OS_RELEASE_PATHS = ['/etc/os-release', '/usr/lib/os-release'] as const;
/** Symbolic links followed from one os-release path before giving up (a loop, or a chain nobody writes). */
export const MAX_OS_RELEASE_LINK_HOPS = 4;

/**
 * How reading an image's os-release went: read; no_container (no container of the image to
 * read it from); not_found (neither path is in the image); failed (tried again next time).
 */
export const OS_RELEASE_STATUSES = ['read', 'no_container', 'not_found', 'failed'] as const;
export type OsReleaseStatus = (typeof OS_RELEASE_STATUSES)[number];

export interface OsRelease {
  /** ID: lower-case, as "debian", "ubuntu", "alpine", "rhel", "amzn"; "linux" when unset (the spec's default). */
  readonly id: string;
  /** VERSION_ID: "12", "18.04", "3.19.1"; "" when unset (no default: rolling releases have none). */
  readonly versionId: string;
  /** PRETTY_NAME; "Linux" when unset (the spec's default). */
  readonly prettyName: string;
  /** NAME; "Linux" when unset. Tells CentOS Stream ("CentOS Stream") from CentOS Linux, which share ID "centos". */
  readonly name: string;
  /** ID_LIKE, split at spaces. */
  readonly idLike: readonly string[];
}

const KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * The value of one assignment, shell style: bare text, '...' taken as it is, "..." in which a
 * backslash escapes the next character; outside single quotes a backslash escapes the next
 * character too. Quoted pieces next to each other are joined (the spec does not support
 * that, but a shell would read it so). A quote left open runs to the end of the line.
 */
export function unquoteOsReleaseValue(raw: string): string {
  let out = '';
  let i = 0;
  while (i < raw.length) {
    const c = raw[i];
    if (c === "'") {
      const end = raw.indexOf("'", i + 1);
      out += end < 0 ? raw.slice(i + 1) : raw.slice(i + 1, end);
      i = end < 0 ? raw.length : end + 1;
    } else if (c === '"') {
      i++;
      while (i < raw.length && raw[i] !== '"') {
        // Inside double quotes a shell gives the backslash its meaning only before $ ` " \ and a newline.
        if (raw[i] === '\\' && i + 1 < raw.length && '$`"\\\n'.includes(raw[i + 1])) {
          out += raw[i + 1];
          i += 2;
        } else out += raw[i++];
      }
      i++; // the closing quote
    } else if (c === '\\') {
      out += raw[i + 1] ?? '';
      i += 2;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

/** Every assignment of an os-release file, the last one of a key winning (as a shell would). Lines that are not KEY=value are skipped. */
export function parseOsReleaseFields(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const eq = trimmed.indexOf('=');
    if (eq <= 0) continue;
    const key = trimmed.slice(0, eq);
    if (!KEY.test(key)) continue;
    fields.set(key, unquoteOsReleaseValue(trimmed.slice(eq + 1)));
  }
  return fields;
}

/** The fields the exporter reports, with the spec's defaults. */
export function parseOsRelease(text: string): OsRelease {
  const f = parseOsReleaseFields(text);
  const nonEmpty = (key: string): string | undefined => {
    const v = f.get(key)?.trim();
    return v === '' ? undefined : v;
  };
  return {
    id: nonEmpty('ID') ?? 'linux',
    versionId: nonEmpty('VERSION_ID') ?? '',
    prettyName: nonEmpty('PRETTY_NAME') ?? 'Linux',
    name: nonEmpty('NAME') ?? 'Linux',
    idLike: (nonEmpty('ID_LIKE') ?? '').split(/\s+/).filter((s) => s !== ''),
  };
}

/**
 * Where a symbolic link at `linkPath` points, as an absolute path in the same root: a
 * relative target is taken from the link's folder; ".." never climbs above "/" (as the
 * kernel resolves it inside a chroot, and as the engine resolves paths in a container).
 */
export function resolveLinkTarget(linkPath: string, target: string): string {
  const joined = target.startsWith('/') ? target : path.posix.join(path.posix.dirname(linkPath), target);
  // normalize() keeps a leading "/.."; resolve() from "/" drops it, as a root does.
  return path.posix.resolve('/', joined);
}
