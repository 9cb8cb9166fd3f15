// Shared libraries of ELF programs inside a root tree (readelf -d), to copy programs into the
// initrd with what they need and to check that trimming the root broke no program. A library is
// looked up as the dynamic loader does: the file's DT_RPATH (when it has no DT_RUNPATH), its
// DT_RUNPATH ($ORIGIN, $LIB and $PLATFORM expanded), the directories of /etc/ld.so.conf.d, then
// the default directories. systemd's programs find libsystemd-shared only through their RUNPATH.
import { closeSync, existsSync, openSync, readFileSync, readSync, readdirSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import type { BuildProgress } from './progress.ts';
import { runLogged } from './run-logged.ts';
import { walkTree } from './walk-tree.ts';

/** Where the dynamic loader looks by default, relative to the root (Debian amd64, merged /usr). */
export const libraryDirs = ['usr/lib/x86_64-linux-gnu', 'usr/lib', 'usr/lib64'] as const;
export const dynamicLoader = 'usr/lib64/ld-linux-x86-64.so.2';
/** What glibc substitutes for $LIB and $PLATFORM on Debian amd64. */
const loaderTokens = { LIB: 'lib/x86_64-linux-gnu', PLATFORM: 'x86_64' } as const;

/** The dynamic section entries that decide which libraries a file loads and from where. */
export type DynamicEntries = { readonly needed: string[]; readonly rpath: string[]; readonly runpath: string[] };

export function isElf(path: string): boolean {
  const fd = openSync(path, 'r');
  try {
    const magic = Buffer.alloc(4);
    return readSync(fd, magic, 0, 4, 0) === 4 && magic.toString('latin1') === '\x7fELF';
  } finally {
    closeSync(fd);
  }
}

/** readelf -d's "File: X" blocks -> the NEEDED, RPATH and RUNPATH entries of each file. */
export function parseReadelfDynamic(text: string): Map<string, DynamicEntries> {
  const files = new Map<string, DynamicEntries>();
  let current: DynamicEntries | undefined;
  for (const line of text.split('\n')) {
    const file = /^File: (.+)$/.exec(line);
    if (file) {
      current = { needed: [], rpath: [], runpath: [] };
      files.set(file[1]!, current);
      continue;
    }
    if (current === undefined) continue;
    const library = /\(NEEDED\)\s+Shared library: \[(.+)\]/.exec(line);
    if (library) current.needed.push(library[1]!);
    const path = /\((RPATH|RUNPATH)\)\s+Library r(?:un)?path: \[(.*)\]/.exec(line);
    if (path) current[path[1] === 'RPATH' ? 'rpath' : 'runpath'].push(...path[2]!.split(':').filter((dir) => dir !== ''));
  }
  return files;
}

/**
 * The directories (relative to the root) searched for the libraries of the file at `file` (relative
 * to the root), in the loader's order; ".." stops at the root, as it does in the running image.
 */
export function librarySearchPath(file: string, entries: DynamicEntries, configuredDirs: readonly string[] = []): string[] {
  const expand = (dir: string): string | undefined => {
    const expanded = dir
      .replace(/\$(?:\{ORIGIN\}|ORIGIN)/g, `/${dirname(file)}`)
      .replace(/\$(?:\{LIB\}|LIB)/g, loaderTokens.LIB)
      .replace(/\$(?:\{PLATFORM\}|PLATFORM)/g, loaderTokens.PLATFORM);
    // A relative entry is relative to the process's working directory: nothing the build can check.
    if (!expanded.startsWith('/')) return undefined;
    return normalize(expanded).slice(1).replace(/\/$/, '');
  };
  const own = [...(entries.runpath.length === 0 ? entries.rpath : []), ...entries.runpath].map(expand);
  return [...new Set([...own.filter((dir) => dir !== undefined), ...configuredDirs, ...libraryDirs])];
}

/** The directories listed in the root's /etc/ld.so.conf.d/*.conf (what ldconfig caches), relative to the root. */
export function configuredLibraryDirs(root: string): string[] {
  const dir = join(root, 'etc/ld.so.conf.d');
  if (!existsSync(dir)) return [];
  const dirs: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    if (!name.endsWith('.conf')) continue;
    for (const line of readFileSync(join(dir, name), 'utf8').split('\n')) {
      const path = line.replace(/#.*/, '').trim();
      if (path.startsWith('/') && !path.includes('..')) dirs.push(normalize(path).slice(1).replace(/\/$/, ''));
    }
  }
  return dirs;
}

/** The dynamic entries of host paths, in batches (one readelf per 200 files). */
export async function dynamicEntries(progress: BuildProgress, files: readonly string[]): Promise<Map<string, DynamicEntries>> {
  const result = new Map<string, DynamicEntries>();
  for (let start = 0; start < files.length; start += 200) {
    // readelf prints "File:" headers only for two or more files: a lone file is named twice.
    const batch = files.slice(start, start + 200);
    const text = await runLogged(progress, 'readelf', ['-d', '-W', ...batch, ...(batch.length === 1 ? [batch[0]!] : [])], { captureStdout: true });
    for (const [file, entries] of parseReadelfDynamic(text)) result.set(file, entries);
  }
  return result;
}

/** The library file for a soname inside the root, as a path relative to the root. */
export function findLibrary(root: string, soname: string, searchPath: readonly string[] = libraryDirs): string | undefined {
  for (const dir of searchPath) if (existsSync(join(root, dir, soname))) return dir === '' ? soname : `${dir}/${soname}`;
  return undefined;
}

/** Programs (paths relative to root) and every library they need, transitively. */
export async function libraryClosure(progress: BuildProgress, root: string, programs: readonly string[]): Promise<string[]> {
  const configured = configuredLibraryDirs(root);
  const found = new Set<string>();
  let pending = [...programs];
  while (pending.length > 0) {
    const entries = await dynamicEntries(
      progress,
      pending.map((path) => join(root, path)),
    );
    const next: string[] = [];
    for (const [file, dynamic] of entries) {
      const searchPath = librarySearchPath(file.slice(root.length + 1), dynamic, configured);
      for (const soname of dynamic.needed) {
        const library = findLibrary(root, soname, searchPath);
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
  const configured = configuredLibraryDirs(root);
  const problems: string[] = [];
  for (const [file, dynamic] of await dynamicEntries(progress, files)) {
    const searchPath = librarySearchPath(file.slice(root.length + 1), dynamic, configured);
    for (const soname of dynamic.needed) {
      // A plugin may need a library beside it that its host program has loaded already.
      if (findLibrary(root, soname, searchPath) === undefined && !existsSync(join(file, '..', soname)))
        problems.push(`${file.slice(root.length)} needs ${soname}`);
    }
  }
  return problems;
}
