// The launcher's side of the root helper: writes "ACTION ID" into the helper's FIFO (without
// blocking: no reader means the helper is not running) and waits for the status file to carry
// that ID with a final state. Reads no config keys.
import { randomBytes } from 'node:crypto';
import { closeSync, constants, openSync, writeSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { readBoundedText } from '../../../common/io/read-bounded.ts';
import { slotPaths, slotStatusSchema, type SlotStatus } from '../slot-paths.ts';
import type { SlotAction } from '../slot-paths.ts';

export class SlotRequestError extends Error {
  override readonly name = 'SlotRequestError';
}

export function sendSlotRequest(action: SlotAction, fifo: string = slotPaths.requests): string {
  const id = randomBytes(8).toString('hex');
  let fd: number;
  try {
    fd = openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new SlotRequestError(
      `${fifo}: ${code === 'ENXIO' || code === 'ENOENT' ? 'the root helper /usr/lib/vdd/update-slot is not running' : (error as Error).message}`,
      { cause: error },
    );
  }
  try {
    writeSync(fd, `${action} ${id}\n`);
  } finally {
    closeSync(fd);
  }
  return id;
}

function readStatus(path: string): SlotStatus | undefined {
  try {
    const parsed = slotStatusSchema.safeParse(JSON.parse(readBoundedText(path, 8192)));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** Sends the request and waits for its outcome; onWorking sees the helper's progress lines. */
export async function requestSlotAction(
  action: SlotAction,
  timeoutMs: number,
  onWorking: (message: string) => void = () => {},
  paths: { fifo: string; status: string } = { fifo: slotPaths.requests, status: slotPaths.status },
): Promise<SlotStatus> {
  const id = sendSlotRequest(action, paths.fifo);
  const deadline = Date.now() + timeoutMs;
  let said = '';
  while (Date.now() < deadline) {
    const status = readStatus(paths.status);
    if (status?.id === id) {
      if (status.state !== 'working') return status;
      if (status.message !== said) {
        said = status.message;
        onWorking(said);
      }
    }
    await sleep(250);
  }
  throw new SlotRequestError(`the root helper did not finish "${action}" within ${Math.round(timeoutMs / 1000)} s (see ${paths.status})`);
}
