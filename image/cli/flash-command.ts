// vdd-image flash: turns the command line into a flash (one of --device and --file, the image,
// --config, --client-cert/--client-key, --force) and prints the result for people or as JSON.
import { flashImage } from '../flash/flash.ts';
import { sourceImage } from '../flash/source-image.ts';
import { UsageError } from '../../common/cli/command-line.ts';
import { sharedExitCodes as exitCodes } from '../../common/exit-codes.ts';
import type { ImageCommandContext } from './command.ts';

export async function flash({ options, paths }: ImageCommandContext): Promise<number> {
  const { device, file } = options;
  if ((device === undefined) === (file === undefined)) throw new UsageError('flash: give exactly one of --device DEV and --file FILE');
  if (options.image !== undefined && options['image-version'] !== undefined) throw new UsageError('flash: --image and --image-version exclude each other');
  const image = sourceImage(options.image, options.out ?? paths.outRoot, options['image-version']);
  const target = device === undefined ? { kind: 'file' as const, path: file ?? '' } : { kind: 'device' as const, path: device };
  // Stopped half way, the target holds part of an image: say so rather than leave a silent prompt.
  // The handlers stay until the flash ends, so a second Ctrl-C during exit cannot cut the message.
  let stopping = false;
  const interrupted = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`\nvdd-image: interrupted (${signal}): ${target.path} holds part of the image and will not boot; flash it again\n`);
    process.exit(exitCodes.interrupted);
  };
  process.on('SIGINT', interrupted).on('SIGTERM', interrupted);
  if ((options['client-cert'] === undefined) !== (options['client-key'] === undefined))
    throw new UsageError('flash: --client-cert and --client-key go together');
  const clientCertificate =
    options['client-cert'] === undefined || options['client-key'] === undefined
      ? undefined
      : { certFile: options['client-cert'], keyFile: options['client-key'] };
  const report = await flashImage({ image, target, config: options.config, clientCertificate, force: options.force ?? false, output: process.stderr }).finally(
    () => {
      process.off('SIGINT', interrupted).off('SIGTERM', interrupted);
    },
  );
  process.stdout.write(
    options.json ? `${JSON.stringify(report, null, 2)}\n` : `${report.target}: ${report.bytes} bytes written and verified, sha256 ${report.sha256}\n`,
  );
  return exitCodes.ok;
}
