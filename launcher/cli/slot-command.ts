// vdd-launcher slot install|good ID: the privileged steps of an A/B update, run as root by the
// image's /usr/lib/vdd/update-slot for the unprivileged launcher (never by the launcher itself).
// Prints the outcome as one JSON line (also left in /run/vdd-update/status.json).
import { requestIdPattern } from '../update/slot-paths.ts';
import type { CommandContext } from './command.ts';
import { exitCodes } from './exit-codes.ts';
import { UsageError } from '../../common/cli/command-line.ts';

export async function runSlot({ line, stdout }: CommandContext): Promise<number> {
  const [action, id] = line.operands;
  if (action !== 'install' && action !== 'good') throw new UsageError(`slot: the action is install or good, not '${action ?? ''}'`);
  if (id === undefined || !requestIdPattern.test(id)) throw new UsageError('slot: the request ID is 16 lowercase hex digits');
  if (process.getuid?.() !== 0) throw new Error('slot: only root changes the boot slots (the launcher asks /usr/lib/vdd/update-slot)');
  const { runSlotAction } = await import('../update/root-helper/slot-helper.ts');
  const status = await runSlotAction(action, id);
  stdout.write(`${JSON.stringify(status)}\n`);
  return status.state === 'done' ? exitCodes.ok : exitCodes.failure;
}
