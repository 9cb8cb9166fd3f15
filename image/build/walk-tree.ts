// Lists a directory tree without following symbolic links (a root has links such as
// /usr/bin/X11 -> . that would loop).
import { readdirSync, type Dirent } from 'node:fs';
import { join } from 'node:path';

export type TreeEntry = { readonly path: string; readonly relative: string; readonly entry: Dirent };

export function walkTree(dir: string, relative = ''): TreeEntry[] {
  const entries: TreeEntry[] = [];
  for (const entry of readdirSync(join(dir, relative), { withFileTypes: true })) {
    const path = relative === '' ? entry.name : `${relative}/${entry.name}`;
    entries.push({ path: join(dir, path), relative: path, entry });
    if (entry.isDirectory()) entries.push(...walkTree(dir, path));
  }
  return entries;
}
