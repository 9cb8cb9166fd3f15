// Shared libraries of ELF programs inside a root tree (readelf -d), to copy programs into the
// initrd with what they need and to check that trimming the root broke no program.
import { closeSync, existsSync, openSync, readSync } from 'node:fs';
import { join } from 'node:path';
import type { BuildProgress } from './progress.ts';
import { runLogged } from './run-logged.ts';
import { walkTree } from './walk-tree.ts';

/** Where the dynamic loader looks, relative to the root (Debian amd64, merged /usr). */
export const libraryDirs = ['usr/lib/x86_64-linux-gnu', 'usr/lib', 'usr/lib64'] as const;
export const dynamicLoader = 'usr/lib64/ld-linux-x86-64.so.2';

export function isElf(path: string): boolean {
  const fd = openSync(path, 'r');
  try {
    const magic = Buffer.alloc(4);
    return readSync(fd, magic, 0, 4, 0) === 4 && magic.toString('latin1') === '\x7fELF';
  } finally {
    closeSync(fd);
  }
}

/** readelf's "File: X" blocks -> the NEEDED entries of each file. */
export function parseReadelfNeeded(text: string): Map<string, string[]> {
  const needed = new Map<string, string[]>();
  let current: string[] | undefined;
  for (const line of text.split('\n')) {
    const file = /^File: (.+)$/.exec(line);
    if (file) {
      current = [];
      needed.set(file[1]!, current);
      continue;
    }
    const library = /\(NEEDED\)\s+Shared library: \[(.+)\]/.exec(line);
    if (library && current) current.push(library[1]!);
  }
  return needed;
}

/** NEEDED entries of host paths, in batches (one readelf per 200 files). */
export async function neededLibraries(progress: BuildProgress, files: readonly string[]): Promise<Map<string, string[]>> {
  const result = new Map<string, string[]>();
  for (let start = 0; start < files.length; start += 200) {
    // readelf prints "File:" headers only for two or more files: a lone file is named twice.
    const batch = files.slice(start, start + 200);
    const text = await runLogged(progress, 'readelf', ['-d', '-W', ...batch, ...(batch.length === 1 ? [batch[0]!] : [])], { captureStdout: true });
    for (const [file, libraries] of parseReadelfNeeded(text)) result.set(file, libraries);
  }
  return result;
}

/** The library file for a soname inside the root, as a path relative to the root. */
export function findLibrary(root: string, soname: string): string | undefined {
  for (const dir of libraryDirs) if (existsSync(join(root, dir, soname))) return `${dir}/${soname}`;
  return undefined;
}

/** Programs (paths relative to root) and every library they need, transitively. */
export async function libraryClosure(progress: BuildProgress, root: string, programs: readonly string[]): Promise<string[]> {
  const found = new Set<string>();
  let pending = [...programs];
  while (pending.length > 0) {
    const needed = await neededLibraries(
      progress,
      pending.map((path) => join(root, path)),
    );
    const next: string[] = [];
    for (const [file, libraries] of needed) {
      for (const soname of libraries) {
        const library = findLibrary(root, soname);
        if (library === undefined) throw new Error(`${file} needs ${soname}, which is not in the root`);
        if (!found.has(library)) {
          found.add(library);
          next.push(library);
        }
      }
    }
    pending = next;
  }
  return [...found].sort();
}

/** Every NEEDED library of every ELF file under the root's program and library directories must exist. */
export async function missingLibraries(progress: BuildProgress, root: string): Promise<string[]> {
  const files: string[] = [];
  for (const dir of ['usr/bin', 'usr/sbin', 'usr/libexec', 'usr/lib']) {
    if (!existsSync(join(root, dir))) continue;
    for (const { path, relative, entry } of walkTree(join(root, dir))) {
      if (!entry.isFile() || relative.startsWith('modules/') || path.endsWith('.ko')) continue;
      if (isElf(path)) files.push(path);
    }
  }
  const problems: string[] = [];
  for (const [file, libraries] of await neededLibraries(progress, files)) {
    for (const soname of libraries) {
      if (findLibrary(root, soname) === undefined && !existsSync(join(file, '..', soname))) problems.push(`${file.slice(root.length)} needs ${soname}`);
    }
  }
  return problems;
}
