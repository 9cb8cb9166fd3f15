// vdd-image flash: turns the command line into a flash (one of --device and --file, the image,
// --config, --force) and prints the result for people or as JSON.
import { flashImage } from '../flash/flash.ts';
import { sourceImage } from '../flash/source-image.ts';
import { UsageError, type ImageOptions } from './options.ts';

export async function flash(options: ImageOptions, paths: { readonly outRoot: string }): Promise<number> {
  const { device, file } = options;
  if ((device === undefined) === (file === undefined)) throw new UsageError('flash: give exactly one of --device DEV and --file FILE');
  if (options.image !== undefined && options['image-version'] !== undefined) throw new UsageError('flash: --image and --image-version exclude each other');
  const image = sourceImage(options.image, options.out ?? paths.outRoot, options['image-version']);
  const report = await flashImage({
    image,
    target: device === undefined ? { kind: 'file', path: file ?? '' } : { kind: 'device', path: device },
    config: options.config,
    force: options.force ?? false,
    output: process.stderr,
  });
  process.stdout.write(options.json ? `${JSON.stringify(report, null, 2)}\n` : `${report.target}: ${report.bytes} bytes written and verified, sha256 ${report.sha256}\n`);
  return 0;
}
