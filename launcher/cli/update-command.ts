// vdd-launcher update [--json]: on a PC started from a flashed disk, fetches the version the
// image server (update_url) offers, checks its signature, downloads it with resume, and has the
// root helper install it into the other slot for one trial start. Reads config keys update_url,
// image_version_file, broker_ca, broker_timeout.
import { stripControls } from '../../common/text/terminal-safe.ts';
import type { CommandContext } from './command.ts';
import { exitCodes } from './exit-codes.ts';

export async function runUpdate({ line, stdout, stderr, config }: CommandContext): Promise<number> {
  const loaded = config();
  const { abUpdateSettings, flashedSlot } = await import('../update/stage/flashed-agent.ts');
  const { updateFlashedClient } = await import('../update/stage/ab-update.ts');
  const fail = (message: string) => {
    if (line.options.json) stdout.write(`${JSON.stringify({ state: 'failed', message })}\n`);
    else stderr.write(`vdd-launcher: update: ${stripControls(message)}\n`);
    return exitCodes.failure;
  };
  const slot = flashedSlot(loaded);
  if (slot === undefined) return fail('this PC did not start from a flashed disk (no vdd.root=disk:a|b): a netbooted PC gets a new version when it restarts');
  const settings = abUpdateSettings(loaded);
  if ('problem' in settings) return fail(settings.problem);
  try {
    const result = await updateFlashedClient({ ...settings, progress: (text) => stderr.write(`update: ${stripControls(text)}\n`) });
    if (line.options.json) stdout.write(`${JSON.stringify({ runningSlot: slot, ...result })}\n`);
    else if (result.state === 'up-to-date') stdout.write(`Up to date: this PC runs ${result.version} (slot ${slot}).\n`);
    else
      stdout.write(`Version ${result.version} is in slot ${result.slot}. Restart to start it; it stays if the menu comes up, else slot ${slot} comes back.\n`);
    return exitCodes.ok;
  } catch (error) {
    return fail((error as Error).message);
  }
}
