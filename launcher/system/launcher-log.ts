// The launcher's log: the menu owns the terminal, so its messages (session reasons, the X
// server's and viewer's stderr, broker failures) go to a file, bounded and kept once rotated.
// The file stays open and each line is one write: lines are logged on the way from Enter to the
// session, where opening, checking and closing the file for each would delay the first frame.
// Reads config keys log_file and log_level.
import { closeSync, fstatSync, openSync, renameSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Config } from '../../common/launcher-config/keys.ts';
import { stripControls } from '../../common/text/terminal-safe.ts';
import { makeDirectory } from '../../common/io/make-directory.ts';

export type Log = (line: string) => void;

/** Past this size the log becomes log_file.1 (replacing the older one) and starts again. */
export const logRotateBytes = 1024 * 1024;

export function openLauncherLog(config: Pick<Config, 'log_file' | 'log_level'>, stderr: { write(text: string): void }): Log {
  if (config.log_level === 'error' || config.log_level === 'warn') return () => {};
  const path = config.log_file;
  if (path === '') return (line) => stderr.write(`vdd-launcher: ${stripControls(line)}\n`);
  let file: { fd: number; size: number } | undefined;
  let broken = false;
  const open = () => {
    makeDirectory(dirname(path), 0o700);
    const fd = openSync(path, 'a', 0o600);
    return { fd, size: fstatSync(fd).size };
  };
  return (line) => {
    if (broken) return;
    try {
      file ??= open();
      if (file.size > logRotateBytes) {
        closeSync(file.fd);
        file = undefined;
        renameSync(path, `${path}.1`);
        file = open();
      }
      file.size += writeSync(file.fd, `${new Date().toISOString()} ${stripControls(line)}\n`);
    } catch {
      // A full or read-only /run must not stop the menu: the log is a help, not a need.
      broken = true;
    }
  };
}
