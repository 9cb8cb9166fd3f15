// Where the two halves of an A/B update meet on a running flashed client, and the status the
// root helper leaves for the launcher (validated: the launcher trusts nothing it reads). Also
// which slot this PC started from, read from the kernel command line. Reads no config keys.
import { z } from 'zod';
import { splitKernelCmdline } from '../config/kernel-cmdline.ts';
import type { Slot } from './slot-state.ts';

export const slotPaths = {
  /** The FAT partition VDDBOOT, mounted read-only by the initrd. */
  fat: '/run/vdd/disk',
  /** Written by the launcher (user vdd), read by the root helper. */
  staging: '/run/vdd/update',
  /**
   * FIFO root:vdd 0620 read by /usr/lib/vdd/update-slot: "install ID" or "good ID". In a
   * directory of root's (root:vdd 0750), so the launcher cannot swap it for a link root follows.
   */
  requests: '/run/vdd-update/requests',
  /** Written by the root helper, readable by group vdd: the outcome of the last request. */
  status: '/run/vdd-update/status.json',
  /** FIFO the initrd's trial watchdog waits on; a line stops it. */
  watchdog: '/run/vdd-boot/watchdog',
} as const;

/** What the launcher may ask the root helper to do. */
export const slotActions = ['install', 'good'] as const;
export type SlotAction = (typeof slotActions)[number];

export const requestIdPattern = /^[0-9a-f]{16}$/;

export const slotStatusSchema = z.strictObject({
  id: z.string().regex(requestIdPattern),
  action: z.enum(slotActions),
  state: z.enum(['working', 'done', 'failed']),
  message: z.string().max(2000),
  version: z.string().max(64).optional(),
  slot: z.enum(['a', 'b']).optional(),
});

export type SlotStatus = z.infer<typeof slotStatusSchema>;

/** The slot of vdd.root=disk:SLOT, or undefined when this PC did not start from a flashed disk. */
export function runningSlot(cmdline: string): Slot | undefined {
  const root = splitKernelCmdline(cmdline).findLast((parameter) => parameter.name.toLowerCase() === 'vdd.root')?.value;
  const match = /^disk:([ab])$/.exec(root ?? '');
  return match ? (match[1] as Slot) : undefined;
}
