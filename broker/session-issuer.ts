// Answers session requests. A guest a hypervisor manages (broker/hypervisor.ts) is made ready
// through it: started if stopped, answered with the console address the hypervisor reports, and its
// console gets a fresh password valid for --password-ttl (a console ticket). A guest of the file
// with a password file gets a one-time VNC password there, replaced by an unknown one when its
// window closes. Passwords are never logged; errors to clients carry a reason, the details go to
// the log.
import type { ClientInfo, SessionAnswer } from '../common/protocol/broker-protocol.ts';
import type { BrokerGuest } from './catalog-file.ts';
import type { CatalogStore } from './catalog-store.ts';
import { HttpProblem } from './http-body.ts';
import { GuestUnavailableError, type Hypervisor } from './hypervisor.ts';
import type { Log } from './log.ts';
import { newVncPassword, writeVncPasswordFile } from './vnc-password.ts';

export class SessionIssuer {
  private readonly store: CatalogStore;
  private readonly passwordTtlMs: number;
  private readonly log: Log;
  private readonly hypervisor: Hypervisor | undefined;
  private readonly expiries = new Map<string, { timer: NodeJS.Timeout; file: string }>();
  /** Which PC was last given each hypervisor guest: its report that the session is over ends it. */
  private readonly holders = new Map<string, string>();

  constructor(store: CatalogStore, options: { passwordTtlMs: number; log: Log; hypervisor?: Hypervisor | undefined }) {
    this.store = store;
    this.passwordTtlMs = options.passwordTtlMs;
    this.log = options.log;
    this.hypervisor = options.hypervisor;
  }

  async issue(id: string, client: ClientInfo): Promise<SessionAnswer> {
    const entry = this.store.find(id);
    if (entry === undefined) throw new HttpProblem(404, 'not-found', `no guest with id ${id}`);
    if (this.hypervisor?.owns(id)) return this.issueThroughHypervisor(this.hypervisor, entry, client);
    const { guest, backend } = entry;
    const state = this.store.stateOf(id) ?? guest.state;
    if (state === 'stopped') throw new HttpProblem(409, 'not-startable', `guest ${id} is stopped and this broker cannot start it`);
    const { host, port } = guest;
    if (host === undefined || port === undefined) throw new HttpProblem(503, 'unavailable', `guest ${id} has no address`);
    const expiresAt = new Date(Date.now() + this.passwordTtlMs);
    let password: string | undefined;
    if (backend.passwordFile !== undefined) {
      password = newVncPassword();
      try {
        writeVncPasswordFile(backend.passwordFile, password);
      } catch (error) {
        this.log(`cannot write the password file of guest ${id}: ${(error as Error).message}`);
        throw new HttpProblem(503, 'unavailable', `guest ${id}: the broker could not set a password`, {}, { cause: error });
      }
      this.expireLater(id, backend.passwordFile);
      this.log(`issued a one-time VNC password for guest ${id} to client ${client.mac}, valid until ${expiresAt.toISOString()}`);
    } else {
      this.log(`session for guest ${id} to client ${client.mac}`);
    }
    return { state, host, port, ...(password === undefined ? {} : { password }), expiresAt: expiresAt.toISOString() };
  }

  /** Starts the guest if needed, waits for its real console address and sets a console ticket on it. */
  private async issueThroughHypervisor(hypervisor: Hypervisor, { guest }: BrokerGuest, client: ClientInfo): Promise<SessionAnswer> {
    const wasRunning = this.store.stateOf(guest.id) === 'running';
    const expiresAt = new Date(Date.now() + this.passwordTtlMs);
    let password: string | undefined;
    try {
      const endpoint = await hypervisor.ensureRunning(guest.id);
      if (guest.protocol === 'vnc') {
        password = newVncPassword();
        await hypervisor.setConsoleTicket(guest.id, password, expiresAt);
      }
      this.holders.set(guest.id, client.mac);
      this.log(
        `session for guest ${guest.id} to client ${client.mac} at ${endpoint.host}:${endpoint.port}${password ? `, console ticket valid until ${expiresAt.toISOString()}` : ''}`,
      );
      return { state: wasRunning ? 'running' : 'starting', ...endpoint, ...(password === undefined ? {} : { password }), expiresAt: expiresAt.toISOString() };
    } catch (error) {
      if (!(error instanceof GuestUnavailableError)) throw error;
      this.log(`no session for guest ${guest.id} to client ${client.mac}: ${error.detail}`);
      throw new HttpProblem(503, 'unavailable', error.reason, {}, { cause: error });
    }
  }

  /** The PC that was given the guest says its session is over: a reset: after-session guest is made fresh (a report from another PC changes nothing). */
  sessionOver(mac: string, id: string): void {
    const hypervisor = this.hypervisor;
    if (this.holders.get(id) !== mac || hypervisor === undefined || !hypervisor.owns(id)) return;
    this.holders.delete(id);
    hypervisor.resetAfterSession(id).catch((error: unknown) => {
      this.log(`guest ${id}: no reset after the session of client ${mac}: ${error instanceof GuestUnavailableError ? error.detail : String(error)}`);
    });
  }

  /** Replaces the password with an unknown one when its window closes, so it cannot be used again later. */
  private expireLater(id: string, file: string): void {
    clearTimeout(this.expiries.get(id)?.timer);
    const timer = setTimeout(() => this.expire(id), this.passwordTtlMs);
    timer.unref();
    this.expiries.set(id, { timer, file });
  }

  private expire(id: string): void {
    const pending = this.expiries.get(id);
    if (pending === undefined) return;
    clearTimeout(pending.timer);
    this.expiries.delete(id);
    try {
      writeVncPasswordFile(pending.file, newVncPassword());
    } catch (error) {
      this.log(`cannot expire the password of guest ${id}: ${(error as Error).message}`);
    }
  }

  /** Expires every outstanding password now (shutdown). */
  close(): void {
    for (const id of [...this.expiries.keys()]) this.expire(id);
  }
}
