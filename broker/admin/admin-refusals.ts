// Refused admin requests, counted by the address they came from, per minute: the first refusal
// of each kind (no credential, a wrong one) in a minute is logged (with how many went unlogged in
// the minute before), and an address past
// maxPerMinute is turned away with 429 until its minute is over, before its token is even
// looked at, so guessing the admin token from one address gets nowhere and floods no log.

export const adminRefusalLimits = { windowMs: 60_000, maxPerMinute: 20, maxAddresses: 1024 } as const;

type Window = { start: number; count: number; unlogged: number; readonly logged: Set<string> };

export class AdminRefusals {
  private readonly byAddress = new Map<string, Window>();
  private readonly now: () => number;

  constructor(now: () => number = Date.now) {
    this.now = now;
  }

  /** Seconds until address may try again; 0: it may now. */
  waitSeconds(address: string): number {
    const window = this.current(address);
    if (window === undefined || window.count < adminRefusalLimits.maxPerMinute) return 0;
    return Math.max(1, Math.ceil((window.start + adminRefusalLimits.windowMs - this.now()) / 1000));
  }

  /** Counts a refusal of request (method and path) from address for reason; returns what to log,
   * or undefined when this minute's line for the address and reason was written. */
  refused(address: string, request: string, reason: string): string | undefined {
    const now = this.now();
    let window = this.current(address);
    let unloggedBefore = 0;
    if (window === undefined) {
      unloggedBefore = this.byAddress.get(address)?.unlogged ?? 0;
      if (this.byAddress.size >= adminRefusalLimits.maxAddresses) this.byAddress.clear();
      window = { start: now, count: 0, unlogged: 0, logged: new Set() };
      this.byAddress.set(address, window);
    }
    window.count++;
    if (window.logged.has(reason)) {
      window.unlogged++;
      return undefined;
    }
    window.logged.add(reason);
    return `admin: refused ${request} from ${address}: ${reason}${unloggedBefore > 0 ? ` (and ${unloggedBefore} more from it in the minute before)` : ''}`;
  }

  private current(address: string): Window | undefined {
    const window = this.byAddress.get(address);
    return window !== undefined && this.now() - window.start < adminRefusalLimits.windowMs ? window : undefined;
  }
}
