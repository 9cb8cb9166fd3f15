// The repository's import graph, read from the sources: which file imports which, the imports
// that cross a boundary the layout draws (a program importing another program, common/ importing
// a program, the unprivileged update code importing the root helper) and the import cycles.
// `node scripts/import-graph.ts` prints the folder-level graph and any violation; the structure
// test fails on a violation or a cycle.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repository = fileURLToPath(new URL('..', import.meta.url));

/** The three programs and the code they share. */
const programs = ['launcher', 'broker', 'image'] as const;
const layers = ['common', ...programs] as const;

/** Folders whose code may not import the listed folders (the update's privilege boundary). */
const forbidden: ReadonlyArray<{ readonly from: string; readonly to: string; readonly why: string }> = [
  { from: 'launcher/update/check/', to: 'launcher/update/root-helper/', why: 'the unprivileged checker runs no root code' },
  { from: 'launcher/update/stage/', to: 'launcher/update/root-helper/', why: 'the unprivileged stager runs no root code; they meet in slot-paths.ts' },
  { from: 'launcher/update/root-helper/', to: 'launcher/update/stage/', why: 'the root helper trusts nothing of the unprivileged stager' },
  { from: 'launcher/update/root-helper/', to: 'launcher/update/check/', why: 'the root helper trusts nothing of the unprivileged checker' },
];

const importPattern = /(?:^|\s)(?:import|export)\s(?:[^'";]*?\sfrom\s)?['"](\.{1,2}\/[^'"]+)['"]|import\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g;

function sourceFiles(folder: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(join(repository, folder), { withFileTypes: true })) {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) found.push(...sourceFiles(path));
    else if (entry.name.endsWith('.ts')) found.push(path);
  }
  return found;
}

/** file -> the repository files it imports (relative paths). */
export function importGraph(folders: readonly string[] = layers): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of folders.flatMap(sourceFiles)) {
    const text = readFileSync(join(repository, file), 'utf8');
    const targets = [...text.matchAll(importPattern)].map((match) => relative(repository, resolve(repository, dirname(file), match[1] ?? match[2] ?? '')));
    graph.set(file, [...new Set(targets)]);
  }
  return graph;
}

const layerOf = (file: string) => layers.find((layer) => file.startsWith(`${layer}/`));

export type Violation = { readonly from: string; readonly to: string; readonly why: string };

export function boundaryViolations(graph: Map<string, string[]>): Violation[] {
  const violations: Violation[] = [];
  for (const [from, targets] of graph) {
    const fromLayer = layerOf(from);
    for (const to of targets) {
      const toLayer = layerOf(to);
      if (to === 'package.json') continue;
      if (fromLayer === 'common' && toLayer !== 'common') violations.push({ from, to, why: 'common/ imports only common/' });
      else if (fromLayer !== undefined && fromLayer !== 'common' && toLayer !== undefined && toLayer !== 'common' && toLayer !== fromLayer)
        violations.push({ from, to, why: `${fromLayer}/ imports only itself and common/` });
      else if (toLayer === undefined) violations.push({ from, to, why: 'the programs import only the programs and common/' });
      for (const rule of forbidden) if (from.startsWith(rule.from) && to.startsWith(rule.to)) violations.push({ from, to, why: rule.why });
    }
  }
  return violations;
}

/** Strongly connected groups of more than one file (Tarjan), each an import cycle. */
export function importCycles(graph: Map<string, string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (file: string) => {
    index.set(file, next);
    low.set(file, next++);
    stack.push(file);
    onStack.add(file);
    for (const target of graph.get(file) ?? []) {
      if (!graph.has(target)) continue;
      if (!index.has(target)) {
        visit(target);
        low.set(file, Math.min(low.get(file) ?? 0, low.get(target) ?? 0));
      } else if (onStack.has(target)) low.set(file, Math.min(low.get(file) ?? 0, index.get(target) ?? 0));
    }
    if (low.get(file) !== index.get(file)) return;
    const group: string[] = [];
    for (let member = stack.pop(); member !== undefined; member = stack.pop()) {
      onStack.delete(member);
      group.push(member);
      if (member === file) break;
    }
    if (group.length > 1) cycles.push(group.sort());
  };
  for (const file of graph.keys()) if (!index.has(file)) visit(file);
  return cycles;
}

/** Imports between top-level folders (and launcher's concerns), counted: the picture a maintainer reads. */
export function folderEdges(graph: Map<string, string[]>): Map<string, number> {
  const folder = (file: string) =>
    file.startsWith('launcher/') || file.startsWith('common/') ? file.split('/').slice(0, 2).join('/') : (file.split('/')[0] ?? file);
  const edges = new Map<string, number>();
  for (const [from, targets] of graph)
    for (const to of targets) {
      const [a, b] = [folder(from), folder(to)];
      if (a.split('/')[0] === b.split('/')[0]) continue;
      edges.set(`${a} -> ${b}`, (edges.get(`${a} -> ${b}`) ?? 0) + 1);
    }
  return new Map([...edges].sort(([a], [b]) => a.localeCompare(b)));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const graph = importGraph();
  for (const [edge, count] of folderEdges(graph)) process.stdout.write(`${edge} (${count})\n`);
  const violations = boundaryViolations(graph);
  const cycles = importCycles(graph);
  for (const violation of violations) process.stdout.write(`VIOLATION ${violation.from} -> ${violation.to}: ${violation.why}\n`);
  for (const cycle of cycles) process.stdout.write(`CYCLE ${cycle.join(' <-> ')}\n`);
  process.stdout.write(`${graph.size} files, ${violations.length} boundary violations, ${cycles.length} cycles\n`);
  process.exitCode = violations.length + cycles.length > 0 ? 1 : 0;
}
