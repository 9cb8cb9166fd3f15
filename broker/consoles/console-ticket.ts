// One interface for the one-time tickets of every kind of console: a password that opens at most
// one connection to one guest's console within its time to live, then is replaced by one nobody
// knows. Xvnc password files (password-file-console.ts), QEMU's VNC through QMP (qmp-console.ts)
// and libvirt domains each implement it; the session service neither knows nor cares which.

export type Ticket = {
  readonly password: string;
  readonly ttlMs: number;
  /** Called once, when a connection has used the ticket (it no longer opens another). */
  readonly used: () => void;
};

export interface ConsoleTickets {
  /** Puts the ticket on the guest's console, replacing any earlier one; resolves once the console takes it. */
  set(guestId: string, ticket: Ticket): Promise<void>;
  /** Makes the guest's ticket useless now (a lease ended, the broker stops). */
  expire(guestId: string): Promise<void>;
  /** Expires every outstanding ticket and lets go of the consoles. */
  close(): Promise<void>;
}

/** A console could not take a ticket; the message is for the log, the client gets a plain reason. */
export class ConsoleTicketError extends Error {
  override readonly name = 'ConsoleTicketError';
}
