// What the launcher knows about the PC it runs on: the hardware facts that session parameters
// (and the refurbisher's `vdd-launcher report`) are decided from. Plain data, no I/O.

export type CpuFacts = {
  readonly vendor: string;
  readonly model: string;
  /** Nominal clock; undefined when the system does not say. */
  readonly speedMHz: number | undefined;
  readonly cores: number;
  /** x86-64 micro-architecture level 1-4; 0 when the CPU is not x86-64 (32-bit only, or not x86). */
  readonly x86_64Level: 0 | 1 | 2 | 3 | 4;
};

export type NetworkLink = {
  readonly name: string;
  readonly mac: string;
  /** Negotiated link speed; undefined when the driver does not say (virtual NICs, link down). */
  readonly speedMbps: number | undefined;
  readonly wired: boolean;
  readonly up: boolean;
};

export type GpuFacts = { readonly vendor: string; readonly model: string; readonly memoryMB: number | undefined };

export type DisplayMode = { readonly width: number; readonly height: number };

export type DisplayFacts = {
  /** The connector (e.g. "card0-VGA-1") or the name the system gives the screen. */
  readonly name: string;
  /** Modes the screen offers, best first (as the kernel lists them: preferred first). */
  readonly modes: readonly DisplayMode[];
  readonly current: DisplayMode | undefined;
};

export type HardwareFacts = {
  readonly cpu: CpuFacts;
  readonly memory: { readonly totalBytes: number; readonly availableBytes: number };
  readonly network: readonly NetworkLink[];
  readonly gpus: readonly GpuFacts[];
  readonly displays: readonly DisplayFacts[];
  readonly firmware: 'uefi' | 'bios' | 'unknown';
};

/** The link sessions go over: the fastest wired link that is up, else any link that is up. */
export function primaryLink(facts: HardwareFacts): NetworkLink | undefined {
  const up = facts.network.filter((link) => link.up);
  const byPreference = [...up].sort((a, b) => Number(b.wired) - Number(a.wired) || (b.speedMbps ?? 0) - (a.speedMbps ?? 0));
  return byPreference[0];
}

/** The screen's preferred mode: the first of the first display that lists any. */
export function preferredMode(facts: HardwareFacts): DisplayMode | undefined {
  for (const display of facts.displays) {
    const mode = display.modes[0] ?? display.current;
    if (mode) return mode;
  }
  return undefined;
}
