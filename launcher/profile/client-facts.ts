// This PC's hardware facts, read once per launcher run (the hardware does not change while it
// runs) by a reader its owner makes: the menu hands one to its info screen and to every session's
// parameters, whichever asks first reads; a command makes its own.
import type { HardwareFacts } from './hardware-facts.ts';

export type ClientFacts = { readonly facts: HardwareFacts } | { readonly facts: undefined; readonly problem: string };

/** Starts reading on the first call (e.g. after the menu's first frame); later calls get that reading. */
export type ClientFactsReader = () => Promise<ClientFacts>;

export function clientFactsReader(): ClientFactsReader {
  let once: Promise<ClientFacts> | undefined;
  return () => (once ??= read());
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
