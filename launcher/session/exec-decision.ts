// Whether a session runs supervised (the launcher stays, returns to the menu, offers reconnects)
// or in exec mode (the launcher replaces itself; nothing of it stays in RAM). Reads config key
// session_exec_below_ram.
import type { Config } from '../../common/launcher-config/keys.ts';
import type { HardwareFacts } from '../profile/hardware-facts.ts';

/** Why exec mode is used, or undefined for a supervised session; `asked`: --exec was given. */
export function execModeReason(
  facts: HardwareFacts | undefined,
  config: Pick<Config, 'session_exec_below_ram'>,
  options: { readonly asked?: boolean } = {},
): string | undefined {
  if (options.asked) return 'asked for with --exec';
  if (!facts || config.session_exec_below_ram === 0) return undefined;
  const ramMiB = Math.round(facts.memory.totalBytes / (1024 * 1024));
  return ramMiB < config.session_exec_below_ram ? `${ramMiB} MiB RAM is below session_exec_below_ram (${config.session_exec_below_ram} MiB)` : undefined;
}
