// vdd-image boot: one built version in QEMU (iPXE over the network, the kernel directly, or the
// disk image with BIOS or UEFI), the serial console on this terminal.
import { UsageError } from '../../common/cli/command-line.ts';
import { bootImage } from '../boot/boot-image.ts';
import type { ImageCommandContext } from './command.ts';
import { parseMemory } from './options.ts';

export async function boot({ options, paths }: ImageCommandContext): Promise<number> {
  if ([options.net, options.disk, options.kernel].filter(Boolean).length > 1) throw new UsageError('boot: choose one of --net, --kernel and --disk');
  if (options.uefi && !options.disk) throw new UsageError('boot: --uefi applies to --disk');
  const accel = options.accel ?? 'auto';
  if (accel !== 'auto' && accel !== 'kvm' && accel !== 'tcg') throw new UsageError(`--accel ${accel}: expected auto, kvm or tcg`);
  return bootImage({
    outRoot: options.out ?? paths.outRoot,
    version: options['image-version'],
    mode: options.disk ? (options.uefi ? 'disk-uefi' : 'disk') : options.kernel ? 'kernel' : 'net',
    memoryMiB: parseMemory(options.mem, 512),
    accel,
    cacheDir: paths.cacheDir,
  });
}
