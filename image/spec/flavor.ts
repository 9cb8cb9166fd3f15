// A flavour applied to the spec it sits in (spec field flavors.NAME): the spec the build
// executes, with the flavour's packages, modules, overlays and users, and without the purges and
// removals it keeps. What a flavour keeps must be in the spec's lists, so a rename there cannot
// silently drop a package or path the flavour needs.
import type { ImageSpec } from './schema.ts';

export class FlavorError extends Error {
  override readonly name = 'FlavorError';
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(problems.join('; '));
    this.problems = problems;
  }
}

export function flavorNames(spec: ImageSpec): string[] {
  return Object.keys(spec.flavors ?? {});
}

export function applyFlavor(spec: ImageSpec, name: string): ImageSpec {
  const flavor = spec.flavors?.[name];
  if (flavor === undefined) {
    const names = flavorNames(spec);
    throw new FlavorError([`flavors: no flavour "${name}"${names.length > 0 ? ` (the spec has: ${names.join(', ')})` : ' (the spec has none)'}`]);
  }
  const problems = [
    ...flavor.keepPackages
      .map((pkg, index) => (spec.purgePackages.includes(pkg) ? undefined : `flavors.${name}.keepPackages.${index}: ${pkg} is not in purgePackages`))
      .filter((problem) => problem !== undefined),
    ...flavor.keepPaths
      .map((glob, index) => (spec.removePaths.includes(glob) ? undefined : `flavors.${name}.keepPaths.${index}: ${glob} is not in removePaths`))
      .filter((problem) => problem !== undefined),
  ];
  if (problems.length > 0) throw new FlavorError(problems);
  const { flavors: _flavors, ...base } = spec;
  return {
    ...base,
    description: flavor.description,
    boot: flavor.boot,
    packages: [...new Set([...spec.packages, ...flavor.addPackages])],
    purgePackages: spec.purgePackages.filter((pkg) => !flavor.keepPackages.includes(pkg)),
    removePaths: spec.removePaths.filter((glob) => !flavor.keepPaths.includes(glob)),
    kernel: { ...spec.kernel, modules: [...new Set([...spec.kernel.modules, ...flavor.addModules])] },
    overlays: flavor.overlays,
    users: flavor.users,
    payloadBudgetMiB: flavor.payloadBudgetMiB ?? spec.payloadBudgetMiB,
  };
}
