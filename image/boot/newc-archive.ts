// A minimal cpio "newc" archive writer (what the kernel unpacks as an initramfs), for small
// generated initrds such as the bare busybox marker initrd.
export type ArchiveEntry = { readonly name: string; readonly mode: number; readonly data?: Buffer; readonly linkTarget?: string };

const fileType = { file: 0o100000, directory: 0o040000, symlink: 0o120000 } as const;

export function newcArchive(entries: readonly ArchiveEntry[]): Buffer {
  const parts: Buffer[] = [];
  let inode = 1;
  const push = (name: string, mode: number, data: Buffer) => {
    const fields = [inode++, mode, 0, 0, 1, 0, data.length, 0, 0, 0, 0, Buffer.byteLength(name) + 1, 0];
    const header = `070701${fields.map((field) => field.toString(16).padStart(8, '0')).join('')}`;
    const head = Buffer.concat([Buffer.from(header, 'latin1'), Buffer.from(`${name}\0`)]);
    parts.push(head, Buffer.alloc((4 - (head.length % 4)) % 4), data, Buffer.alloc((4 - (data.length % 4)) % 4));
  };
  for (const entry of entries) {
    if (entry.linkTarget !== undefined) push(entry.name, fileType.symlink | 0o777, Buffer.from(entry.linkTarget));
    else if (entry.data === undefined) push(entry.name, fileType.directory | entry.mode, Buffer.alloc(0));
    else push(entry.name, fileType.file | entry.mode, entry.data);
  }
  push('TRAILER!!!', 0, Buffer.alloc(0));
  return Buffer.concat(parts);
}
