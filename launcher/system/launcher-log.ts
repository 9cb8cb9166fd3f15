// The launcher's log: the menu owns the terminal, so its messages (session reasons, the X
// server's and viewer's stderr, broker failures) go to a file, bounded and kept once rotated.
// Reads config keys log_file and log_level.
import { appendFileSync, renameSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Config } from '../config/keys.ts';
import { stripControls } from '../text/terminal-safe.ts';
import { makeDirectory } from '../io/make-directory.ts';

export type Log = (line: string) => void;

/** Past this size the log becomes log_file.1 (replacing the older one) and starts again. */
export const logRotateBytes = 1024 * 1024;

export function openLauncherLog(config: Pick<Config, 'log_file' | 'log_level'>, stderr: { write(text: string): void }): Log {
  if (config.log_level === 'error' || config.log_level === 'warn') return () => {};
  const path = config.log_file;
  if (path === '') return (line) => stderr.write(`vdd-launcher: ${stripControls(line)}\n`);
  let broken = false;
  return (line) => {
    if (broken) return;
    try {
      makeDirectory(dirname(path), 0o700);
      if ((statSync(path, { throwIfNoEntry: false })?.size ?? 0) > logRotateBytes) renameSync(path, `${path}.1`);
      appendFileSync(path, `${new Date().toISOString()} ${stripControls(line)}\n`, { mode: 0o600 });
    } catch {
      // A full or read-only /run must not stop the menu: the log is a help, not a need.
      broken = true;
    }
  };
}
