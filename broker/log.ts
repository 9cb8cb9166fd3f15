// vdd-broker's log: one line per event on standard error, with the time; text from files and the
// network is made terminal-safe first. Secrets are never passed here.
import { stripControls } from '../common/text/terminal-safe.ts';

export type Log = (message: string) => void;

export function stderrLog(write: (line: string) => void = (line) => process.stderr.write(line)): Log {
  return (message) => write(`${new Date().toISOString()} vdd-broker: ${stripControls(message)}\n`);
}
