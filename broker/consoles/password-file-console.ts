// One-time tickets on TigerVNC's Xvnc through its password file (-rfbauth FILE): Xvnc reads the
// file afresh for every VNC authentication, after the viewer has answered the challenge. The
// broker writes the ticket's password with an access time in the past and watches the access
// time: the first authentication reads the file, the kernel moves the time (relatime does so on
// the first read after a change), and the broker replaces the password at once with one nobody
// knows. So a password opens one connection; a second try with it fails. Unused, it is replaced
// when its time to live ends. Polling is every pollMs while a ticket is out, and costs nothing
// otherwise. On a file system mounted noatime the read cannot be seen: the broker says so in the
// log and the password then stays valid for its time to live (docs/vdd-broker.md).
import { readFileSync, statSync } from 'node:fs';
import { mountOf, parseMountinfo } from '../../common/system/mountinfo.ts';
import type { Log } from '../log.ts';
import { ConsoleTicketError, type ConsoleTickets, type Ticket } from './console-ticket.ts';
import { newVncPassword, unreadAccessTime, writeVncPasswordFile } from './vnc-password.ts';

type Outstanding = { readonly file: string; readonly ino: bigint; readonly atimeNs: bigint; readonly timer: NodeJS.Timeout; readonly used: () => void };

export class PasswordFileConsole implements ConsoleTickets {
  private readonly fileOf: (guestId: string) => string | undefined;
  private readonly log: Log;
  private readonly pollMs: number;
  private readonly outstanding = new Map<string, Outstanding>();
  private readonly checkedMounts = new Set<string>();
  private poller: NodeJS.Timeout | undefined;

  constructor(fileOf: (guestId: string) => string | undefined, log: Log, pollMs = 2) {
    this.fileOf = fileOf;
    this.log = log;
    this.pollMs = pollMs;
  }

  /** Gives each file a password nobody knows: one from before a restart must not stay valid. */
  reset(guestIds: readonly string[]): void {
    for (const guestId of guestIds) {
      const file = this.fileOf(guestId);
      if (file === undefined) continue;
      try {
        writeVncPasswordFile(file, newVncPassword());
      } catch (error) {
        this.log(`cannot reset the password file of guest ${guestId}: ${(error as Error).message}`);
      }
    }
  }

  async set(guestId: string, ticket: Ticket): Promise<void> {
    const file = this.fileOf(guestId);
    if (file === undefined) throw new ConsoleTicketError(`guest ${guestId} has no password file`);
    this.forget(guestId);
    let stat: { ino: bigint; atimeNs: bigint };
    try {
      writeVncPasswordFile(file, ticket.password);
      stat = statSync(file, { bigint: true });
    } catch (error) {
      throw new ConsoleTicketError(`cannot write the password file ${file} of guest ${guestId}: ${(error as Error).message}`, { cause: error });
    }
    this.checkAccessTimes(file, stat.atimeNs);
    const timer = setTimeout(() => this.replace(guestId), ticket.ttlMs);
    timer.unref();
    this.outstanding.set(guestId, { file, ino: stat.ino, atimeNs: stat.atimeNs, timer, used: ticket.used });
    this.poller ??= setInterval(() => this.poll(), this.pollMs);
    this.poller.unref();
  }

  async expire(guestId: string): Promise<void> {
    if (this.outstanding.has(guestId)) this.replace(guestId);
  }

  async close(): Promise<void> {
    for (const guestId of [...this.outstanding.keys()]) this.replace(guestId);
  }

  private poll(): void {
    for (const [guestId, ticket] of this.outstanding) {
      let stat: { ino: bigint; atimeNs: bigint };
      try {
        stat = statSync(ticket.file, { bigint: true });
      } catch {
        continue;
      }
      // Read (an authentication used it), or replaced by someone else: either way it is spent.
      if (stat.ino !== ticket.ino || stat.atimeNs !== ticket.atimeNs) {
        this.replace(guestId);
        ticket.used();
      }
    }
  }

  /** Puts a password nobody knows in the file and forgets the ticket. */
  private replace(guestId: string): void {
    const ticket = this.outstanding.get(guestId);
    if (ticket === undefined) return;
    this.forget(guestId);
    try {
      writeVncPasswordFile(ticket.file, newVncPassword());
    } catch (error) {
      this.log(`cannot replace the password of guest ${guestId} (${ticket.file}): ${(error as Error).message}`);
    }
  }

  private forget(guestId: string): void {
    const ticket = this.outstanding.get(guestId);
    if (ticket === undefined) return;
    clearTimeout(ticket.timer);
    this.outstanding.delete(guestId);
    if (this.outstanding.size === 0) {
      clearInterval(this.poller);
      this.poller = undefined;
    }
  }

  /** Logs once per file when its file system will not show reads (noatime), or did not keep the time we set. */
  private checkAccessTimes(file: string, atimeNs: bigint): void {
    if (this.checkedMounts.has(file)) return;
    this.checkedMounts.add(file);
    let options: readonly string[] = [];
    try {
      options = mountOf(parseMountinfo(readFileSync('/proc/self/mountinfo', 'utf8')), file)?.options ?? [];
    } catch {
      // No /proc: nothing to tell.
    }
    const keptPastTime = atimeNs === BigInt(unreadAccessTime.getTime()) * 1_000_000n;
    if (options.includes('noatime') || !keptPastTime)
      this.log(
        `${file} is on a file system that does not record reads (noatime): one-time passwords of this guest stay valid until their time to live ends; keep password files on a relatime file system such as tmpfs`,
      );
  }
}
