// Starts the session for a guest chosen in the menu (placeholder until the session runner lands).
import type { Guest } from '../broker/catalog-schema.ts';
import type { LoadedConfig } from '../config/load.ts';
import type { SessionOutcome } from './ports.ts';

export async function startSession(guest: Guest, _loaded: LoadedConfig, _env: Readonly<Record<string, string | undefined>>, _started: (text: string) => void): Promise<SessionOutcome> {
  return { problem: { title: `${guest.name} could not be started`, text: 'This build cannot start sessions yet.' } };
}
