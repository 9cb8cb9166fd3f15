// After a session ends unexpectedly the person is offered a reconnect; each further try of that
// guest waits longer (1 s doubling to a minute, with jitter, as broker retries do), with a
// countdown, so a room of PCs does not hammer a guest that is down. A normal end, or a failure
// no reconnect will fix (a wrong password), starts the count again.
import type { Guest } from '../../common/protocol/broker-protocol.ts';
import { retryDelayMs } from '../broker-client/backoff.ts';
import type { SessionFailure } from './session-end.ts';

export type GuestSessionOutcome = {
  readonly problem?: { readonly title: string; readonly text: string };
  /** Present after an unexpected end: the next start of this guest waits this long first. */
  readonly reconnectAfterMs?: number;
};

export class ReconnectBackoff {
  private readonly failures = new Map<string, number>();
  private readonly random: () => number;

  constructor(random: () => number = Math.random) {
    this.random = random;
  }

  /** Before another try of a guest that failed: counts the pause down for the person. */
  async wait(guest: Guest, show: (text: string) => void): Promise<void> {
    const earlier = this.failures.get(guest.id) ?? 0;
    if (earlier > 0) await countdown(guest, retryDelayMs(earlier, this.random), show);
  }

  /** What the menu says about a session that ended: nothing after a normal end, else the problem and, when worth it, the reconnect offer. */
  outcome(guest: Guest, failure: SessionFailure | undefined): GuestSessionOutcome {
    if (failure === undefined || !failure.reconnect) {
      this.failures.delete(guest.id);
      return failure === undefined ? {} : { problem: { title: failure.title, text: failure.text } };
    }
    const count = (this.failures.get(guest.id) ?? 0) + 1;
    this.failures.set(guest.id, count);
    const afterMs = retryDelayMs(count, this.random);
    return {
      problem: { title: failure.title, text: `${failure.text} Choose it again to reconnect (in ${Math.ceil(afterMs / 1000)} s).` },
      reconnectAfterMs: afterMs,
    };
  }
}

/** Counts on the monotonic clock: the wall clock may jump by years when NTP sets it mid-countdown. */
async function countdown(guest: Guest, delayMs: number, show: (text: string) => void): Promise<void> {
  const until = performance.now() + delayMs;
  for (let left = until - performance.now(); left > 0; left = until - performance.now()) {
    show(`Reconnecting to ${guest.name} in ${Math.ceil(left / 1000)} s...`);
    await new Promise((resolve) => setTimeout(resolve, Math.min(1000, left)));
  }
}
