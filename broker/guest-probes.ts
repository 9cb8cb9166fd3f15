// Keeps every file guest's state current: probes each guest's endpoint in turn (XDMCP Query for xdmcp
// guests, the RFB handshake for vnc guests; both from launcher/probe/), a few at a time, every --probe-interval. A guest that
// answers is running; one that does not is unavailable. Changes are logged, not every probe.
import type { AddressedGuest, GuestState } from '../common/protocol/broker-protocol.ts';
import { probeRfb } from '../common/probe/rfb-handshake.ts';
import { queryXdmcp } from '../common/probe/xdmcp-query.ts';
import type { CatalogStore } from './catalog-store.ts';
import type { Log } from './log.ts';

export type ProbeOutcome = { readonly state: GuestState; readonly detail: string };

const parallelProbes = 32;

export async function probeGuest(guest: AddressedGuest, timeoutMs: number): Promise<ProbeOutcome> {
  if (guest.protocol === 'vnc') {
    const answer = await probeRfb(guest.host, guest.port, { timeoutMs });
    return answer.ok ? { state: 'running', detail: `RFB ${answer.version}` } : { state: 'unavailable', detail: answer.message };
  }
  const answer = await queryXdmcp(guest.host, { port: guest.port, timeoutMs });
  if (!answer.ok) return { state: 'unavailable', detail: answer.message };
  switch (answer.answer.kind) {
    case 'willing':
      return { state: 'running', detail: `willing: ${answer.answer.status}` };
    case 'unwilling':
      return { state: 'unavailable', detail: `unwilling: ${answer.answer.status}` };
    case 'decline':
      return { state: 'unavailable', detail: `declined: ${answer.answer.status}` };
  }
}

export class GuestProbes {
  private readonly store: CatalogStore;
  private readonly intervalMs: number;
  private readonly timeoutMs: number;
  private readonly log: Log;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private running: Promise<void> | undefined;

  constructor(store: CatalogStore, options: { intervalMs: number; timeoutMs: number; log: Log }) {
    this.store = store;
    this.intervalMs = options.intervalMs;
    this.timeoutMs = options.timeoutMs;
    this.log = options.log;
  }

  /** Probes at once, then every interval; a reload of the catalog probes again at once. */
  start(): void {
    this.store.onReload(() => void this.cycle());
    void this.cycle();
  }

  /** One round over the file's guests (a hypervisor backend reports the state of its own). */
  async probeAll(): Promise<void> {
    const queue = this.store.fileGuests.map((entry) => entry.guest);
    const worker = async () => {
      for (let guest = queue.shift(); guest !== undefined && !this.stopped; guest = queue.shift()) {
        const outcome = await probeGuest(guest, this.timeoutMs);
        const before = this.store.stateOf(guest.id);
        if (this.stopped || this.store.find(guest.id) === undefined) continue;
        if (before !== outcome.state) this.log(`guest ${guest.id} (${guest.protocol} ${guest.host}:${guest.port}) is ${outcome.state}: ${outcome.detail}`);
        this.store.setState(guest.id, outcome.state);
      }
    };
    await Promise.all(Array.from({ length: parallelProbes }, worker));
  }

  private async cycle(): Promise<void> {
    if (this.stopped || this.running) return;
    clearTimeout(this.timer);
    this.running = this.probeAll();
    await this.running;
    this.running = undefined;
    if (!this.stopped) this.timer = setTimeout(() => void this.cycle(), this.intervalMs);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }
}
