// vdd-image publish, rollback and list: the published root an HTTP server serves to clients.
import { findImageDir } from '../boot/boot-image.ts';
import { formatVersionList } from '../publish/list-versions.ts';
import { listVersions } from '../../common/publish/published-versions.ts';
import { publishVersion } from '../publish/publish-version.ts';
import { rollbackVersion } from '../publish/rollback-version.ts';
import type { ImageCommandContext } from './command.ts';
import { trustedKey } from './key-commands.ts';
import { UsageError } from '../../common/cli/command-line.ts';
import { sharedExitCodes as exitCodes } from '../../common/exit-codes.ts';
import type { ImageOptions } from './options.ts';

export const defaultKeep = 3;

function requireRoot(command: string, options: ImageOptions): string {
  if (options.root === undefined) throw new UsageError(`${command}: --root DIR (the directory the HTTP server serves) is required`);
  return options.root;
}

export function parseKeep(text: string | undefined): number {
  if (text === undefined) return defaultKeep;
  if (!/^[0-9]{1,3}$/.test(text) || Number(text) < 2)
    throw new UsageError(`--keep ${text}: expected a number of versions from 2 to 999 (current and previous are always kept)`);
  return Number(text);
}

export async function publish({ options, paths }: ImageCommandContext): Promise<number> {
  const root = requireRoot('publish', options);
  if (options.from !== undefined && options['image-version'] !== undefined) throw new UsageError('publish: choose one of --from DIR and --image-version V');
  const keep = parseKeep(options.keep);
  const from = options.from ?? findImageDir(options.out ?? paths.outRoot, options['image-version']);
  const say = (line: string) => process.stderr.write(`vdd-image publish: ${line}\n`);
  const result = await publishVersion({ root, from, publicKey: trustedKey(options, paths), keep, say });
  if (options.json) process.stdout.write(`${JSON.stringify({ root, from, ...result }, null, 2)}\n`);
  else process.stdout.write(`published ${result.version} in ${root} (${result.placed})\n`);
  return exitCodes.ok;
}

export async function rollback({ options, paths }: ImageCommandContext): Promise<number> {
  const root = requireRoot('rollback', options);
  const result = await rollbackVersion(root, trustedKey(options, paths), options.to);
  if (options.json) process.stdout.write(`${JSON.stringify({ root, ...result }, null, 2)}\n`);
  else process.stdout.write(`current -> ${result.current} (was ${result.previous})\n`);
  return exitCodes.ok;
}

export function list({ options }: ImageCommandContext): number {
  const versions = listVersions(requireRoot('list', options));
  process.stdout.write(options.json ? `${JSON.stringify(versions, null, 2)}\n` : formatVersionList(versions));
  return exitCodes.ok;
}
