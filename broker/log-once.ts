// Log lines about a lasting condition (a domain not listed, a host down) said once, and again only
// when what is said about the same thing changes; forget() lets it be said again later.
import type { Log } from './log.ts';

export class LogOnce {
  private readonly log: Log;
  private readonly said = new Map<string, string>();

  constructor(log: Log) {
    this.log = log;
  }

  /** Logs message unless it is what was last said about key. */
  say(key: string, message: string): void {
    if (this.said.get(key) === message) return;
    this.said.set(key, message);
    this.log(message);
  }

  /** The condition is over: the next say() about key is logged. */
  forget(key: string): void {
    this.said.delete(key);
  }
}
