// Debian's chromium, headless, driven by playwright-core: the system browser (/usr/bin/chromium),
// never one downloaded, with a fresh profile directory per start and no traffic of its own
// (no component updates, sync, QUIC or background requests). Closed after the test file.
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { afterAll } from 'vitest';
import { missingTools } from '../skip-reason.ts';

export const chromiumPath = '/usr/bin/chromium';

export const chromiumArgs = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
] as const;

/** Why chromium cannot run here, or undefined. */
export function chromiumMissing(): string | undefined {
  return missingTools([chromiumPath]);
}

export async function launchChromium(dir: string, viewport = { width: 1024, height: 768 }): Promise<BrowserContext> {
  const profile = mkdtempSync(join(dir, 'chromium-profile-'));
  return chromium.launchPersistentContext(profile, { executablePath: chromiumPath, headless: true, args: [...chromiumArgs], viewport });
}

/** A browser for the test file, closed after it. */
export function useChromium(dir: string): () => Promise<BrowserContext> {
  let context: Promise<BrowserContext> | undefined;
  afterAll(async () => {
    await (await context)?.close();
  });
  return () => {
    context ??= launchChromium(dir);
    return context;
  };
}
