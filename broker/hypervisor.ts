// What the session issuer needs from a hypervisor backend (libvirt, broker/libvirt/): a guest made
// ready with its real console address, a console ticket (one VNC password with an expiry) set and
// expired, and a fresh desktop after a session when the guest's policy asks for one. Errors carry a
// reason fit for the person at the PC; the command lines, paths and stderr behind it stay in the log.

/** Where a running guest answers: its VNC console, or its display manager for an xdmcp guest. */
export type Endpoint = { readonly host: string; readonly port: number };

/** A console connection came or went (after authentication); reset-after-session and leases watch these. */
export type ConsoleEvent = { readonly id: string; readonly kind: 'connected' | 'disconnected'; readonly at: Date };

/** What the admin said about a guest in the hypervisor (libvirt's vdd metadata). */
export type GuestPolicy = {
  /** The pool the desktop belongs to, if any. */
  readonly pool: string | undefined;
  /** reset: after-session: the desktop is made fresh after each session (resetAfterSession). */
  readonly resetAfterSession: boolean;
};

export interface Hypervisor {
  /** Whether this backend lists the guest (its id came from the backend). */
  owns(id: string): boolean;
  /** The guest's pool and reset policy; undefined when the backend does not list it. */
  policy(id: string): GuestPolicy | undefined;
  /**
   * Starts the guest if it is stopped and resolves once the hypervisor reports where its console
   * really is. Concurrent calls for one guest share one start. A guest whose policy resets it is
   * made fresh first when it is not, unless the session goes on (the same PC asking again: its
   * desktop is kept as it is). Rejects with GuestUnavailableError.
   */
  ensureRunning(id: string, session: { readonly continues: boolean }): Promise<Endpoint>;
  /** Sets the console's only password, valid until validUntil (the hypervisor refuses it afterwards). */
  setConsoleTicket(id: string, password: string, validUntil: Date): Promise<void>;
  /** Makes the console's password invalid now; a connection already open stays. */
  expireConsoleTicket(id: string): Promise<void>;
  /** Reverts the guest to its fresh state when its policy says reset: after-session; otherwise does nothing. */
  resetAfterSession(id: string): Promise<void>;
  /** Calls listener on every console connection and disconnection of the backend's guests. */
  onConsoleEvent(listener: (event: ConsoleEvent) => void): void;
}

/** A guest cannot be made ready or its console cannot be secured: reason is for clients, the cause for the log. */
export class GuestUnavailableError extends Error {
  override readonly name = 'GuestUnavailableError';
  readonly reason: string;

  constructor(reason: string, cause?: unknown) {
    super(reason, cause === undefined ? undefined : { cause });
    this.reason = reason;
  }

  /** The reason with what caused it, for the broker's log only. */
  get detail(): string {
    return this.cause instanceof Error ? `${this.reason} (${this.cause.message})` : this.reason;
  }
}
