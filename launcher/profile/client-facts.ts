// This PC's hardware facts, read once per launcher (the hardware does not change while it runs):
// by the menu's info screen and by every session's parameters, whichever asks first.
import type { HardwareFacts } from './hardware-facts.ts';

export type ClientFacts = { readonly facts: HardwareFacts } | { readonly facts: undefined; readonly problem: string };

let once: Promise<ClientFacts> | undefined;

/** Starts reading now (e.g. after the menu's first frame) or returns the reading under way. */
export function clientFacts(): Promise<ClientFacts> {
  once ??= read();
  return once;
}

async function read(): Promise<ClientFacts> {
  try {
    // Loaded on first use: systeminformation is not on the first frame's path.
    const { readHardwareFacts } = await import('./read-hardware.ts');
    return { facts: await readHardwareFacts() };
  } catch (error) {
    return { facts: undefined, problem: error instanceof Error ? error.message : String(error) };
  }
}
