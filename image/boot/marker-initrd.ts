// The bare busybox initrd that only prints a marker and powers off: the baseline for boot-time
// benchmarks and the test boot that tells whether KVM really works on this machine.
import { readFileSync } from 'node:fs';
import { newcArchive } from './newc-archive.ts';

export const bootMarker = 'VDD-BARE-BOOT-MARKER';
/** busybox-static on the build host (Debian package busybox-static). */
export const hostBusybox = '/bin/busybox';

export function markerInitrd(busybox = hostBusybox): Buffer {
  const init = [
    '#!/bin/busybox sh',
    '/bin/busybox mount -t devtmpfs devtmpfs /dev',
    `/bin/busybox echo ${bootMarker} > /dev/ttyS0`,
    '/bin/busybox poweroff -f',
    '',
  ].join('\n');
  return newcArchive([
    { name: 'bin', mode: 0o755 },
    { name: 'dev', mode: 0o755 },
    { name: 'bin/busybox', mode: 0o755, data: readFileSync(busybox) },
    { name: 'init', mode: 0o755, data: Buffer.from(init) },
  ]);
}
