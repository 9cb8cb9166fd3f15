// The boot model's arithmetic: the image's boot-time report (/usr/lib/vdd/boot-times: markers in
// seconds since power-on) read into phases, each named for the marker that ends it, and the
// agreement of repeated runs. Pure: the boots themselves are in image-boot-model.ts.

/** What each marker ends: the phase between the marker before it and this one. */
const phaseEndedBy: Readonly<Record<string, string>> = {
  initrd: 'kernel',
  floor: 'kernel',
  drivers: 'initrdDrivers',
  link: 'linkUp',
  dhcp: 'dhcp',
  fetched: 'fetchRoot',
  'nbd-client': 'fetchNbdClient',
  attached: 'attachNbd',
  disk: 'findDisk',
  mounted: 'mountRoot',
  system: 'switchRoot',
  launcher: 'systemStart',
  menu: 'launcherFirstFrame',
  'login-screen': 'systemToLoginScreen',
};

export type BootReport = {
  readonly markers: Readonly<Record<string, number>>;
  readonly busySeconds?: number;
  /** The launcher's own processor time to its first frame: in its code (user) and in the kernel (system). */
  readonly launcherCpu?: { readonly userSeconds: number; readonly systemSeconds: number };
};

/** Figures of the report that are durations, not markers. */
const durations = new Set(['busy', 'launcher-user', 'launcher-system']);

/** "boot seconds since power-on: kernel 4.521 initrd 6.052 ... menu 13.520 busy 7.90" -> markers. */
export function parseBootReport(line: string): BootReport {
  const body = line.replace(/^.*boot seconds since power-on:\s*/, '');
  const markers: Record<string, number> = {};
  const measured: Record<string, number> = {};
  for (const [, name, value] of body.matchAll(/([a-z][a-z-]*) (\d+(?:\.\d+)?)/g)) {
    if (durations.has(name!)) measured[name!] = Number(value);
    else markers[name!] = Number(value);
  }
  if (markers.kernel === undefined) throw new Error(`the boot-time report has no kernel start: ${line}`);
  const { busy, 'launcher-user': userSeconds, 'launcher-system': systemSeconds } = measured;
  return {
    markers,
    ...(busy !== undefined ? { busySeconds: busy } : {}),
    ...(userSeconds !== undefined && systemSeconds !== undefined ? { launcherCpu: { userSeconds, systemSeconds } } : {}),
  };
}

export type BootPhases = Record<string, number>;

/**
 * Phases in seconds: firmware (power-on to the kernel's clock start, less the kernel's
 * decompression when known), kernelDecompression, then one phase per marker in time order.
 */
export function bootPhases(report: BootReport, decompressionSeconds: number | undefined): BootPhases {
  const round = (seconds: number) => Math.round(seconds * 1000) / 1000;
  const kernelStart = report.markers.kernel!;
  const phases: BootPhases =
    decompressionSeconds === undefined
      ? { firmwareAndKernelDecompression: round(kernelStart) }
      : { firmware: round(kernelStart - decompressionSeconds), kernelDecompression: round(decompressionSeconds) };
  const ordered = Object.entries(report.markers)
    .filter(([name]) => name !== 'kernel')
    .sort(([, a], [, b]) => a - b);
  let previous = kernelStart;
  for (const [name, at] of ordered) {
    const phase = phaseEndedBy[name] ?? name;
    phases[phase] = round((phases[phase] ?? 0) + at - previous);
    previous = at;
  }
  return phases;
}

/** The largest difference between runs, in percent of their mean. */
export function agreementPercent(values: readonly number[]): number {
  if (values.length < 2) return 0;
  const mean = values.reduce((sum, value) => sum + value, 0) / values.length;
  return Math.round(((Math.max(...values) - Math.min(...values)) / mean) * 10000) / 100;
}
