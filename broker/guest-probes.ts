// Keeps every guest's state current: probes each guest's endpoint in turn (XDMCP Query for xdmcp
// guests, the RFB greeting for vnc guests), a few at a time, every --probe-interval. A guest that
// answers is running; one that does not is unavailable. Changes are logged, not every probe.
import { connect } from 'node:net';
import type { Guest, GuestState } from '../launcher/broker/catalog-schema.ts';
import { queryXdmcp } from '../launcher/probe/xdmcp-query.ts';
import type { CatalogStore } from './catalog-store.ts';
import type { Log } from './log.ts';

export type ProbeOutcome = { readonly state: GuestState; readonly detail: string };

const parallelProbes = 32;

/** A VNC server greets with "RFB xxx.yyy\n" before anything else. */
function probeRfb(host: string, port: number, timeoutMs: number): Promise<ProbeOutcome> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    let greeting = Buffer.alloc(0);
    const finish = (outcome: ProbeOutcome) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(outcome);
    };
    const timer = setTimeout(() => finish({ state: 'unavailable', detail: `no RFB greeting within ${timeoutMs} ms` }), timeoutMs);
    socket.on('error', (error: NodeJS.ErrnoException) => finish({ state: 'unavailable', detail: error.code ?? error.message }));
    socket.on('data', (chunk: Buffer) => {
      greeting = Buffer.concat([greeting, chunk]);
      if (greeting.length < 12) return;
      const version = greeting.subarray(0, 12).toString('latin1');
      finish(/^RFB \d{3}\.\d{3}\n$/.test(version) ? { state: 'running', detail: version.trim() } : { state: 'unavailable', detail: 'not a VNC server' });
    });
    socket.on('end', () => finish({ state: 'unavailable', detail: 'closed before the RFB greeting' }));
  });
}

export async function probeGuest(guest: Guest, timeoutMs: number): Promise<ProbeOutcome> {
  if (guest.protocol === 'vnc') return probeRfb(guest.host, guest.port, timeoutMs);
  const answer = await queryXdmcp({ host: guest.host, port: guest.port, timeoutMs });
  switch (answer.kind) {
    case 'willing':
      return { state: 'running', detail: `willing: ${answer.status}` };
    case 'unwilling':
      return { state: 'unavailable', detail: `unwilling: ${answer.status}` };
    case 'decline':
      return { state: 'unavailable', detail: `declined: ${answer.status}` };
    case 'no-answer':
      return { state: 'unavailable', detail: answer.reason };
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

  /** One round over every guest (guests a hypervisor reports stopped are left alone). */
  async probeAll(): Promise<void> {
    const queue = this.store.guests.filter((entry) => this.store.stateOf(entry.guest.id) !== 'stopped').map((entry) => entry.guest);
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
