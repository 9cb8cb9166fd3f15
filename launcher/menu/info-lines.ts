// The info screen (I): who this PC is, which broker it uses and how it was found, versions.
// Reads: /etc/vdd/image-version (written by the image build).
import { formatProblem } from '../config/source.ts';
import type { LoadedConfig } from '../config/load.ts';
import { ReadError, readBoundedText } from '../io/read-bounded.ts';
import { stripControls } from '../text/terminal-safe.ts';
import { version } from '../version.ts';
import type { CatalogFeed } from './ports.ts';

export const imageVersionFile = '/etc/vdd/image-version';

function imageVersion(): string {
  try {
    return stripControls(readBoundedText(imageVersionFile, 256).split('\n')[0] ?? '').trim() || 'unknown';
  } catch (error) {
    if (error instanceof ReadError && error.code === 'ENOENT') return 'none (not started from a vdd-thin image)';
    return `unknown (${imageVersionFile}: ${(error as Error).message})`;
  }
}

export function infoLines(loaded: LoadedConfig, feed: CatalogFeed): string[] {
  const { identity, problems } = loaded;
  return [
    'About this computer',
    '',
    `Name:          ${identity.hostname}`,
    `IP address:   ${identity.ips.join(', ') || 'none'}`,
    `MAC address:  ${identity.macs.join(', ') || 'none'}`,
    `Broker:       ${feed.describeBroker() ?? 'not found yet'}`,
    `Launcher:     vdd-launcher ${version} (node ${process.versions.node})`,
    `Image:        ${imageVersion()}`,
    problems.length === 0 ? 'Settings:     valid' : `Settings:     ${problems.length} problem(s), first: ${formatProblem(problems[0]!)}`,
  ].map(stripControls);
}
