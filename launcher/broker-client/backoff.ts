// How long to wait before trying the brokers again after every one failed: doubling from one
// second to a minute, with jitter so a room of PCs booted together does not retry in step.
const firstDelayMs = 1000;
const maxDelayMs = 60_000;

/** Delay before retry number `failures` (1 = after the first failure); random() in [0, 1). */
export function retryDelayMs(failures: number, random: () => number = Math.random): number {
  const base = Math.min(maxDelayMs, firstDelayMs * 2 ** Math.max(0, Math.min(failures - 1, 16)));
  return Math.round(base * (0.8 + 0.4 * random()));
}
