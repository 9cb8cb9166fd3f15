// Splits a kernel command line into parameters the way the kernel does (double quotes group
// spaces) and picks the vdd.KEY=VALUE ones.

export const kernelCmdlineLimits = { maxBytes: 4096 } as const;
export const kernelPrefix = 'vdd.';

export type KernelParameter = { readonly name: string; readonly value: string | undefined };

export function splitKernelCmdline(cmdline: string): KernelParameter[] {
  const parameters: KernelParameter[] = [];
  let i = 0;
  while (i < cmdline.length) {
    while (i < cmdline.length && /\s/.test(cmdline[i] ?? '')) i++;
    if (i >= cmdline.length) break;
    let word = '';
    let quoted = false;
    for (; i < cmdline.length; i++) {
      const c = cmdline[i] ?? '';
      if (c === '"') quoted = !quoted;
      else if (!quoted && /\s/.test(c)) break;
      else word += c;
    }
    const equals = word.indexOf('=');
    parameters.push(equals === -1 ? { name: word, value: undefined } : { name: word.slice(0, equals), value: word.slice(equals + 1) });
  }
  return parameters;
}

/** vdd.* parameters the image's initrd reads (docs/image.md), not launcher settings. */
export const initrdParameters: ReadonlySet<string> = new Set(['root', 'root_size', 'ram_reserve', 'fetch', 'nbd', 'trial_timeout']);

/** The launcher's vdd.* parameters with the prefix removed and the key lower-cased (the initrd's are left out). */
export function vddParameters(cmdline: string): KernelParameter[] {
  return splitKernelCmdline(cmdline)
    .filter(
      (parameter) => parameter.name.toLowerCase().startsWith(kernelPrefix) && !initrdParameters.has(parameter.name.slice(kernelPrefix.length).toLowerCase()),
    )
    .map((parameter) => ({ name: parameter.name.slice(kernelPrefix.length).toLowerCase(), value: parameter.value }));
}
