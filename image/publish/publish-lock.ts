// One publish, rollback or prune at a time per published root: ROOT/.lock made with O_EXCL and
// holding the PID; a lock whose process is gone is taken over.
import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { processAlive } from '../../common/system/process-alive.ts';

export function withPublishLock<T>(root: string, work: () => Promise<T>): Promise<T> {
  const path = join(root, '.lock');
  for (let attempt = 0; ; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o644);
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) {
        throw new Error(`${path}: another vdd-image is publishing into ${root} (${(error as Error).message})`, { cause: error });
      }
      const holder = Number.parseInt(readFileSync(path, 'utf8'), 10);
      if (Number.isInteger(holder) && holder > 0 && processAlive(holder))
        throw new Error(`${root} is locked by vdd-image process ${holder} (${path}); wait for it to finish`);
      rmSync(path, { force: true });
    }
  }
  return work().finally(() => rmSync(path, { force: true }));
}
