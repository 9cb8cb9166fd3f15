// What `vdd-launcher slot install|good ID` does as root for /usr/lib/vdd/update-slot: install
// the staged version into the inactive slot, or (the menu was reached) commit the running slot
// and stop the trial watchdog. The outcome goes to the status file the launcher waits on.
// Reads no config keys.
import { closeSync, constants, openSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { applyBootSteps, readBootFiles, replaceFile } from './boot-files.ts';
import { findSlotDisk, withWritableFat } from './slot-disk.ts';
import { installStaged, type SlotDisk } from './slot-install.ts';
import { slotPaths, type SlotAction, type SlotStatus } from '../slot-paths.ts';
import { bootFilePaths, commitPlan } from '../slot-state.ts';

export function writeStatus(status: SlotStatus, path: string = slotPaths.status): void {
  replaceFile(path, `${JSON.stringify(status)}\n`);
}

/** The running slot reached the menu: drop its trial marker (if any) and let both loaders start it. */
export function commitRunningSlot(disk: SlotDisk): string {
  const files = readBootFiles(disk.fat);
  const plan = commitPlan(files, disk.running);
  if (plan.length === 0) return `slot ${disk.running} is good; nothing to change`;
  applyBootSteps(disk.fat, files, plan);
  // An update proved itself: the word of an earlier rollback is history.
  if (files.trial?.slot === disk.running) rmSync(join(disk.fat, bootFilePaths.rollback), { force: true });
  return files.trial?.slot === disk.running
    ? `slot ${disk.running} reached the menu on its trial start: it is good and starts from now on`
    : `slot ${disk.running} is good; the unfinished update of slot ${files.trial?.slot ?? disk.running} was cleared`;
}

/** Tells the initrd's watchdog that the menu is up; nobody listening (no trial) is fine. */
export function stopWatchdog(fifo: string = slotPaths.watchdog): void {
  let fd: number;
  try {
    fd = openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK);
  } catch {
    return;
  }
  try {
    writeSync(fd, 'good\n');
  } finally {
    closeSync(fd);
  }
}

export async function runSlotAction(action: SlotAction, id: string): Promise<SlotStatus> {
  const report = (status: Omit<SlotStatus, 'id' | 'action'>): SlotStatus => {
    const full = { id, action, ...status };
    writeStatus(full);
    return full;
  };
  try {
    const disk = findSlotDisk();
    if (action === 'good') {
      const message = await withWritableFat(disk.fat, async () => commitRunningSlot(disk));
      stopWatchdog();
      return report({ state: 'done', message, slot: disk.running });
    }
    report({ state: 'working', message: 'checking and writing the new version' });
    let lastPercent = -1;
    const result = await withWritableFat(disk.fat, () =>
      installStaged(disk, slotPaths.staging, (done, total) => {
        const percent = Math.floor((done / total) * 100);
        if (percent !== lastPercent && percent % 10 === 0) report({ state: 'working', message: `writing and checking slot: ${percent}%` });
        lastPercent = percent;
      }),
    );
    return report({
      state: 'done',
      message: `version ${result.version} is in slot ${result.slot}; it starts once on the next restart and stays if the menu comes up`,
      ...result,
    });
  } catch (error) {
    return report({ state: 'failed', message: (error as Error).message.slice(0, 2000) });
  }
}
