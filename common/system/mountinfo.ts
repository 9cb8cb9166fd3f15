// Parses /proc/self/mountinfo: which device (major:minor and source) is mounted where, with which
// options. Pure: the caller reads the file. vdd-image flash uses it to refuse mounted disks, the
// broker to see whether a password file's file system records access times.

export type Mount = { readonly device: string; readonly mountPoint: string; readonly source: string; readonly options: readonly string[] };

/** Mount points and sources escape space, tab, newline and backslash as \NNN octal. */
function unescapeOctal(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
}

export function parseMountinfo(text: string): Mount[] {
  const mounts: Mount[] = [];
  for (const line of text.split('\n')) {
    const fields = line.split(' ');
    // id parent major:minor root mount-point options [optional...] - fstype source super-options
    const separator = fields.indexOf('-', 6);
    const device = fields[2];
    const mountPoint = fields[4];
    const source = fields[separator + 2];
    if (separator < 0 || device === undefined || mountPoint === undefined || source === undefined) continue;
    mounts.push({ device, mountPoint: unescapeOctal(mountPoint), source: unescapeOctal(source), options: (fields[5] ?? '').split(',') });
  }
  return mounts;
}

/** The mount a path lies on: the longest mount point that is the path or a directory above it. */
export function mountOf(mounts: readonly Mount[], path: string): Mount | undefined {
  let found: Mount | undefined;
  for (const mount of mounts) {
    const prefix = mount.mountPoint.endsWith('/') ? mount.mountPoint : `${mount.mountPoint}/`;
    if ((path === mount.mountPoint || path.startsWith(prefix)) && mount.mountPoint.length >= (found?.mountPoint.length ?? -1)) found = mount;
  }
  return found;
}
