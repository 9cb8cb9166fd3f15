// Answers session requests: makes the guest ready (starts a stopped one through its backend) and,
// for guests with a password file, issues a one-time VNC password that expires after the
// --password-ttl window (the file then gets a password nobody knows). Passwords are never logged.
import type { ClientInfo, SessionAnswer } from '../common/protocol/broker-protocol.ts';
import type { CatalogStore } from './catalog-store.ts';
import { HttpProblem } from './http-body.ts';
import type { Log } from './log.ts';
import { newVncPassword, writeVncPasswordFile } from './vnc-password.ts';

/** Starts guests that a hypervisor backend manages (libvirt); absent when the catalog is static. */
export type GuestStarter = { owns(id: string): boolean; start(id: string): Promise<{ port?: number }> };

export class SessionIssuer {
  private readonly store: CatalogStore;
  private readonly passwordTtlMs: number;
  private readonly log: Log;
  private readonly starter: GuestStarter | undefined;
  private readonly expiries = new Map<string, { timer: NodeJS.Timeout; file: string }>();

  constructor(store: CatalogStore, options: { passwordTtlMs: number; log: Log; starter?: GuestStarter | undefined }) {
    this.store = store;
    this.passwordTtlMs = options.passwordTtlMs;
    this.log = options.log;
    this.starter = options.starter;
  }

  async issue(id: string, client: ClientInfo): Promise<SessionAnswer> {
    const entry = this.store.find(id);
    if (entry === undefined) throw new HttpProblem(404, 'not-found', `no guest with id ${id}`);
    const { guest, backend } = entry;
    let state = this.store.stateOf(id) ?? guest.state;
    let port = guest.port;
    if (state === 'stopped') {
      if (!guest.startable || this.starter === undefined || !this.starter.owns(id))
        throw new HttpProblem(409, 'not-startable', `guest ${id} is stopped and this broker cannot start it`);
      try {
        port = (await this.starter.start(id)).port ?? port;
      } catch (error) {
        throw new HttpProblem(503, 'unavailable', `guest ${id} could not be started: ${(error as Error).message}`);
      }
      state = 'starting';
      this.store.setState(id, state);
      this.log(`started guest ${id} for client ${client.mac}`);
    }
    const expiresAt = new Date(Date.now() + this.passwordTtlMs);
    let password: string | undefined;
    if (backend.passwordFile !== undefined) {
      password = newVncPassword();
      try {
        writeVncPasswordFile(backend.passwordFile, password);
      } catch (error) {
        this.log(`cannot write the password file of guest ${id}: ${(error as Error).message}`);
        throw new HttpProblem(503, 'unavailable', `guest ${id}: the broker could not set a password`);
      }
      this.expireLater(id, backend.passwordFile);
      this.log(`issued a one-time VNC password for guest ${id} to client ${client.mac}, valid until ${expiresAt.toISOString()}`);
    } else {
      this.log(`session for guest ${id} to client ${client.mac}`);
    }
    return { state, host: guest.host, port, ...(password === undefined ? {} : { password }), expiresAt: expiresAt.toISOString() };
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
