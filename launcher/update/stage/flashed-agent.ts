// The update agent of a flashed client, started by the menu once its first frame is out (the
// menu is reached): tells the root helper the running slot is good (which ends a trial start),
// and when the update checker sees another version, downloads and installs it into the other
// slot before the menu offers the restart. Says where the PC stands (on trial, rolled back,
// downloading with the percentage, installed, failed) to state, for the broker's admins.
// Reads config keys update_url, image_version_file,
// broker_ca, broker_timeout, update_check_interval (and the kernel command line's vdd.root).
import { join } from 'node:path';
import { brokerSettings } from '../../broker-client/broker-settings.ts';
import { kernelCmdlineLimits } from '../../config/kernel-cmdline.ts';
import type { LoadedConfig } from '../../config/load.ts';
import { readBoundedText } from '../../../common/io/read-bounded.ts';
import { updateFlashedClient, type AbUpdateOptions } from './ab-update.ts';
import { imagePublicKeyPath, maxPublicKeyBytes } from '../../../common/manifest/manifest-signature.ts';
import { readRunningImage } from '../check/running-image.ts';
import { runningSlot, slotPaths } from '../slot-paths.ts';
import { requestSlotAction } from './slot-request.ts';
import { bootFilePaths, otherSlot, parseTrial, slotVersionFile, type Slot } from '../slot-state.ts';
import { stripControls } from '../../../common/text/terminal-safe.ts';
import type { ClientReport } from '../../../common/protocol/broker-protocol.ts';

/** An update download may stall on a slow link far longer than a catalog answer may. */
const minimumIdleMs = 30_000;

/** The slot this PC started from, from the kernel command line the config loader read. */
export function flashedSlot(loaded: LoadedConfig): Slot | undefined {
  const cmdline = loaded.files.find((file) => file.role === 'cmdline' && file.status === 'read');
  if (cmdline === undefined) return undefined;
  try {
    return runningSlot(readBoundedText(cmdline.path, kernelCmdlineLimits.maxBytes));
  } catch {
    return undefined;
  }
}

/** What an A/B update needs from the config, or why it cannot run. */
export function abUpdateSettings(loaded: LoadedConfig): Omit<AbUpdateOptions, 'progress' | 'version'> | { problem: string } {
  const { config } = loaded;
  const publishRoot = config.update_url[0];
  if (publishRoot === undefined)
    return { problem: "update_url is empty: set it (e.g. in vdd.conf on the VDDBOOT partition) to the image server's publish root" };
  const image = readRunningImage(config.image_version_file);
  if (image.line === undefined || image.version === undefined)
    return { problem: `the running version is ${image.line === undefined ? image.problem : 'unknown'}` };
  let publicKey: string;
  try {
    publicKey = readBoundedText(imagePublicKeyPath, maxPublicKeyBytes);
  } catch (error) {
    return { problem: `cannot read the image's public key ${imagePublicKeyPath}: ${(error as Error).message}; updates cannot be checked` };
  }
  const settings = brokerSettings(config);
  let ca: string | undefined;
  if (publishRoot.startsWith('https:')) {
    try {
      ca = readBoundedText(settings.caFile, 1024 * 1024);
    } catch (error) {
      return { problem: `cannot read the CA certificate ${settings.caFile} (broker_ca) for ${publishRoot}: ${(error as Error).message}` };
    }
  }
  return { publishRoot, runningVersion: image.version, publicKey, ca, idleMs: Math.max(settings.timeoutMs, minimumIdleMs) };
}

export type FlashedAgent = { readonly offered: (version: string | undefined) => void; stop(): void };

export type UpdateStateReport = NonNullable<ClientReport['update']>;

/** What the FAT says of this start: a trial of the running slot, or a rollback the initrd left word of. */
export function bootUpdateState(fat: string, slot: Slot): UpdateStateReport | undefined {
  try {
    const trial = parseTrial(readBoundedText(join(fat, bootFilePaths.trial), 64), bootFilePaths.trial);
    if (trial.slot === slot) return { state: 'on-trial' };
  } catch {
    // No trial (the usual case), or a marker the root helper reports on.
  }
  let reason: string | undefined;
  try {
    reason = readBoundedText(join(fat, bootFilePaths.rollback), 512).split('\n')[0]?.trim();
  } catch {
    return undefined;
  }
  const version = rolledBackVersion(fat, otherSlot(slot));
  return { state: 'rolled-back', ...(version ? { version } : {}), ...(reason ? { reason: reason.slice(0, 256) } : {}) };
}

/** The version the root helper installed in the slot that was rolled back (its version.txt on the FAT), if readable. */
function rolledBackVersion(fat: string, slot: Slot): string | undefined {
  try {
    const version = stripControls(
      readBoundedText(join(fat, slot, slotVersionFile), 128)
        .split('\n')[0]
        ?.trim() ?? '',
    );
    return version === '' ? undefined : version.slice(0, 64);
  } catch {
    return undefined;
  }
}

export function startFlashedAgent(
  loaded: LoadedConfig,
  log: (line: string) => void,
  offer: (version: string | undefined) => void,
  state: (update: UpdateStateReport) => void = () => {},
): FlashedAgent | undefined {
  const slot = flashedSlot(loaded);
  if (slot === undefined) return undefined;
  const atBoot = bootUpdateState(slotPaths.fat, slot);
  if (atBoot !== undefined) state(atBoot);
  // The menu is up: the running slot is good (a no-op unless this is a trial start).
  requestSlotAction('good', 60_000)
    .then((status) => {
      log(`update: ${status.message}`);
      if (atBoot?.state === 'on-trial' && status.state === 'done') state({ state: 'current' });
    })
    .catch((error: unknown) => log(`update: could not mark slot ${slot} good: ${(error as Error).message}`));
  let wanted: string | undefined;
  let busy = false;
  let retry: NodeJS.Timeout | undefined;
  let stopped = false;
  const install = () => {
    const version = wanted;
    if (busy || stopped || version === undefined) return;
    const settings = abUpdateSettings(loaded);
    if ('problem' in settings) return log(`update: ${version} is offered but cannot be installed: ${settings.problem}`);
    busy = true;
    state({ state: 'downloading', version, percent: 0 });
    const progress = (line: string) => {
      log(`update: ${line}`);
      const percent = /^root\.squashfs: (\d{1,3})%/.exec(line)?.[1];
      if (percent !== undefined) state({ state: 'downloading', version, percent: Math.min(100, Number(percent)) });
    };
    updateFlashedClient({ ...settings, version, progress })
      .then((result) => {
        if (result.state === 'installed') log(`update: ${result.version} installed in slot ${result.slot}; it starts on the next restart`);
        state(result.state === 'installed' ? { state: 'installed', version } : { state: 'current' });
        if (wanted === version) offer(version);
      })
      .catch((error: unknown) => {
        log(`update: ${version} not installed: ${(error as Error).message}; trying again in ${loaded.config.update_check_interval} s`);
        state({ state: 'failed', version, reason: (error as Error).message.slice(0, 256) });
        retry = setTimeout(install, loaded.config.update_check_interval * 1000);
      })
      .finally(() => {
        busy = false;
      });
  };
  return {
    offered: (version) => {
      wanted = version;
      if (version === undefined) offer(undefined);
      else install();
    },
    stop: () => {
      stopped = true;
      clearTimeout(retry);
    },
  };
}
