// Kernel module selection: the modules a spec's allow-list names, plus everything they depend on
// (from modules.dep), so a trimmed tree never misses a dependency.
import { globMatches } from '../../common/text/glob.ts';

/** modules.dep: "kernel/a.ko: kernel/b.ko kernel/c.ko" per line -> module -> its dependencies. */
export function parseModulesDep(text: string): Map<string, string[]> {
  const modules = new Map<string, string[]>();
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon === -1) continue;
    const module = line.slice(0, colon).trim();
    if (module === '') continue;
    modules.set(
      module,
      line
        .slice(colon + 1)
        .trim()
        .split(/\s+/)
        .filter(Boolean),
    );
  }
  return modules;
}

export type ModuleSelection = {
  /** Paths relative to /lib/modules/VERSION, sorted. */
  readonly modules: string[];
  /** Globs that matched no module: a typo or a driver the kernel builds in. */
  readonly unmatched: string[];
};

/** Globs are relative to /lib/modules/VERSION/kernel, like "drivers/net/ethernet/intel/e1000/*". */
export function selectModules(dependencies: ReadonlyMap<string, readonly string[]>, globs: readonly string[]): ModuleSelection {
  const selected = new Set<string>();
  const unmatched: string[] = [];
  const add = (module: string): void => {
    if (selected.has(module)) return;
    selected.add(module);
    for (const dependency of dependencies.get(module) ?? []) add(dependency);
  };
  for (const glob of globs) {
    let matched = false;
    for (const module of dependencies.keys()) {
      if (globMatches(`kernel/${glob}`, module)) {
        matched = true;
        add(module);
      }
    }
    if (!matched) unmatched.push(glob);
  }
  return { modules: [...selected].sort(), unmatched };
}
