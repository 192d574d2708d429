// The daemon files CIS section 3 is about, and how one is judged against the owner and mode
// a check asks for. The rules themselves (which owner, which loosest mode) are in the CIS
// catalog (src/cis/checks.ts), the one place they are written; the daemon collector's
// docker_audit_daemon_file_owner_ok and the checks 3.1-3.24 both judge with fileOwnerOk and
// fileModeOk below, from those rules.

/** What a daemon file is, as CIS names it. */
export const DAEMON_FILE_ROLES = [
  'docker.service',
  'docker.socket',
  '/etc/docker',
  'daemon.json',
  'docker.sock',
  'containerd.sock',
  '/etc/default/docker',
  '/etc/sysconfig/docker',
  'tlscacert',
  'tlscert',
  'tlskey',
  'registry-certs',
] as const;
export type DaemonFileRole = (typeof DAEMON_FILE_ROLES)[number];

export interface DaemonFile {
  /** The host path (without --host.root-path), e.g. /lib/systemd/system/docker.service. */
  readonly path: string;
  readonly role: DaemonFileRole;
  /** Permission bits (mode & 0o7777). */
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  readonly isDirectory: boolean;
}

/** The owner a check asks for: root:root, or root:docker (which root:root, letting fewer users in, also passes). */
export type FileOwner = 'root:root' | 'root:docker';

/** Owned as asked. `dockerGid` is the gid of the host's docker group, when it has one; `rootlessUser` the user of a rootless daemon. */
export function fileOwnerOk(file: Pick<DaemonFile, 'uid' | 'gid'>, owner: FileOwner, dockerGid: number | undefined, rootlessUser?: { uid: number; gid: number }): boolean {
  // A rootless daemon's files are its user's, as root's are root's. Its socket's group is dockerd's docker group
  // inside the user namespace, which the host sees as one of the user's subordinate gids: the group is not judged there.
  if (rootlessUser) return file.uid === rootlessUser.uid && (owner === 'root:docker' || file.gid === rootlessUser.gid || file.gid === 0);
  return file.uid === 0 && (file.gid === 0 || (owner === 'root:docker' && dockerGid !== undefined && file.gid === dockerGid));
}

/** No permission bit outside `maxMode`: "644 or more restrictive" (0560 fails: group may write). */
export function fileModeOk(file: Pick<DaemonFile, 'mode'>, maxMode: number): boolean {
  return (file.mode & 0o7777 & ~maxMode) === 0;
}

/** The gid of a group in an /etc/group text; undefined when there is no such group. */
export function groupGid(etcGroup: string, name: string): number | undefined {
  const gid = etcGroup
    .split('\n')
    .find((l) => l.startsWith(`${name}:`))
    ?.split(':')[2];
  return gid !== undefined && /^\d+$/.test(gid) ? Number(gid) : undefined;
}
