// The A/B boot state of a flashed disk as pure data: which slot each boot loader starts (the
// DEFAULT of syslinux.cfg for BIOS, loader.conf for UEFI), the trial marker vdd-trial.txt, and
// the plans (lists of single atomic file replacements on the FAT) that install, commit, clean up
// and roll back an update. Reads no config keys.
//
// Why this order keeps a bootable slot through a power cut at any point: a FAT rename is atomic
// for one file but the two boot loader files cannot change together. So the trial marker is
// written BEFORE either loader file points at the new slot and removed only AFTER both point
// back (rollback) or the new slot proved itself (commit). Whenever a loader can start an unproven
// slot, the marker names it: that slot's initrd marks it "booted" on the first start and, finding
// "booted" on a second start (the first never reached the menu), points both loaders back and
// reboots. A slot's kernel, initrd and root are written before anything points at it.

export const slots = ['a', 'b'] as const;
export type Slot = (typeof slots)[number];

export type TrialPhase = 'pending' | 'booted';
export type Trial = { readonly slot: Slot; readonly phase: TrialPhase };

/** The FAT files that decide what boots. */
export type BootFiles = { readonly syslinux: Slot; readonly loader: Slot; readonly trial: Trial | null };

export const bootFilePaths = {
  syslinux: 'syslinux/syslinux.cfg',
  loader: 'loader/loader.conf',
  trial: 'vdd-trial.txt',
  /** Left by the initrd when it rolled a trial back (one line: why); gone once an update proves itself. */
  rollback: 'vdd-rollback.txt',
} as const;

/** In each slot's FAT directory (a/, b/) beside its kernel and initrd: the version installed there. */
export const slotVersionFile = 'version.txt';

/** One atomic change of one FAT file (write FILE.new, fsync, rename; or unlink). */
export type BootStep =
  | { readonly kind: 'syslinux'; readonly slot: Slot }
  | { readonly kind: 'loader'; readonly slot: Slot }
  | { readonly kind: 'trial'; readonly trial: Trial | null };

export class SlotStateError extends Error {
  override readonly name = 'SlotStateError';
}

export function otherSlot(slot: Slot): Slot {
  return slot === 'a' ? 'b' : 'a';
}

export function isSlot(value: string): value is Slot {
  return (slots as readonly string[]).includes(value);
}

/** vdd-trial.txt: one line "SLOT PHASE"; source names the file in errors. */
export function parseTrial(text: string, source: string): Trial {
  const match = /^([ab]) (pending|booted)\r?\n?$/.exec(text);
  if (!match) throw new SlotStateError(`${source}: expected "a|b pending|booted", found ${JSON.stringify(text.slice(0, 40))}`);
  return { slot: match[1] as Slot, phase: match[2] as TrialPhase };
}

export function formatTrial(trial: Trial): string {
  return `${trial.slot} ${trial.phase}\n`;
}

const syslinuxDefault = /^DEFAULT ([ab])\r?$/m;
const loaderDefault = /^default vdd-([ab])\.conf\r?$/m;

export function syslinuxSlot(text: string, source: string): Slot {
  const match = syslinuxDefault.exec(text);
  if (!match) throw new SlotStateError(`${source}: no "DEFAULT a" or "DEFAULT b" line`);
  return match[1] as Slot;
}

export function loaderSlot(text: string, source: string): Slot {
  const match = loaderDefault.exec(text);
  if (!match) throw new SlotStateError(`${source}: no "default vdd-a.conf" or "default vdd-b.conf" line`);
  return match[1] as Slot;
}

/** The same boot loader text with its default switched to slot; every other line kept. */
export function withSyslinuxSlot(text: string, slot: Slot, source: string): string {
  syslinuxSlot(text, source);
  return text.replace(syslinuxDefault, `DEFAULT ${slot}`);
}

export function withLoaderSlot(text: string, slot: Slot, source: string): string {
  loaderSlot(text, source);
  return text.replace(loaderDefault, `default vdd-${slot}.conf`);
}

export function applyStep(files: BootFiles, step: BootStep): BootFiles {
  switch (step.kind) {
    case 'syslinux':
      return { ...files, syslinux: step.slot };
    case 'loader':
      return { ...files, loader: step.slot };
    case 'trial':
      return { ...files, trial: step.trial };
  }
}

/** Steps that are no-ops on files are left out, so a plan run again after a cut does only what is left. */
function needed(files: BootFiles, steps: readonly BootStep[]): BootStep[] {
  const plan: BootStep[] = [];
  let state = files;
  for (const step of steps) {
    const next = applyStep(state, step);
    if (JSON.stringify(next) !== JSON.stringify(state)) plan.push(step);
    state = next;
  }
  return plan;
}

/**
 * Points the loaders at target for one trial start, once target's kernel, initrd and root are
 * written and verified. Only from a clean state: both loaders on the running slot, no trial.
 */
export function installPlan(files: BootFiles, running: Slot, target: Slot): BootStep[] {
  if (target === running) throw new SlotStateError(`slot ${target} is the running slot; an update goes to the other one`);
  if (files.trial) throw new SlotStateError(`a trial of slot ${files.trial.slot} is still open (${files.trial.phase}); restart first`);
  if (files.syslinux !== running || files.loader !== running) {
    throw new SlotStateError(`the boot loaders do not both start the running slot ${running} (BIOS: ${files.syslinux}, UEFI: ${files.loader})`);
  }
  return [
    { kind: 'trial', trial: { slot: target, phase: 'pending' } },
    { kind: 'syslinux', slot: target },
    { kind: 'loader', slot: target },
  ];
}

/** The running slot reached the menu: it is good. The marker goes first (that is the commit), then both loaders agree. */
export function commitPlan(files: BootFiles, running: Slot): BootStep[] {
  if (files.trial && files.trial.slot !== running) return cleanupPlan(files, running);
  return needed(files, [
    { kind: 'trial', trial: null },
    { kind: 'syslinux', slot: running },
    { kind: 'loader', slot: running },
  ]);
}

/**
 * The running slot is the proven one but a marker names the other (an install or a rollback was
 * cut short, or the firmware used the loader file that had not switched yet): point both loaders
 * at the running slot, then drop the marker.
 */
export function cleanupPlan(files: BootFiles, running: Slot): BootStep[] {
  if (files.trial?.slot === running) throw new SlotStateError(`slot ${running} is on trial; it is committed, not cleaned up`);
  return needed(files, [
    { kind: 'syslinux', slot: running },
    { kind: 'loader', slot: running },
    { kind: 'trial', trial: null },
  ]);
}

/** The trial slot started a second time without reaching the menu: back to the other slot. */
export function rollbackPlan(files: BootFiles, trialSlot: Slot): BootStep[] {
  const back = otherSlot(trialSlot);
  return needed(files, [
    { kind: 'syslinux', slot: back },
    { kind: 'loader', slot: back },
    { kind: 'trial', trial: null },
  ]);
}

export type Firmware = 'bios' | 'uefi';

/** What the initrd of the slot the firmware picked does with the marker (image/initrd/init implements it). */
export type InitrdAction =
  | { readonly kind: 'boot'; readonly slot: Slot }
  | { readonly kind: 'start-trial'; readonly slot: Slot; readonly steps: readonly BootStep[] }
  | { readonly kind: 'roll-back'; readonly slot: Slot; readonly steps: readonly BootStep[] };

export function initrdAction(files: BootFiles, firmware: Firmware): InitrdAction {
  const slot = firmware === 'bios' ? files.syslinux : files.loader;
  if (files.trial?.slot !== slot) return { kind: 'boot', slot };
  if (files.trial.phase === 'pending') return { kind: 'start-trial', slot, steps: [{ kind: 'trial', trial: { slot, phase: 'booted' } }] };
  return { kind: 'roll-back', slot, steps: rollbackPlan(files, slot) };
}
