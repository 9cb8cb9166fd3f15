// The guest's serial console as a program sees it: everything it printed (escape sequences
// removed for matching) and a way to type on it. QEMU waits for this connection before it runs.
import { connect, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** vdd-launcher's menu footer: on the serial console once the menu is drawn. */
export const menuVisible = /Enter connect/;

/** The serial console's prompt (overlays/common/usr/lib/vdd/autologin): once the menu is on the PC's
 * screen (tty1), or after a minute without it; Enter starts a launcher on the serial console. */
export const serialPrompt = /(The menu is on the screen\. )?Press Enter for a menu on this console/;

/** Terminal escape sequences and carriage returns, which a menu drawn with cursor moves is full of. */
export function plainText(raw: string): string {
  return raw
    .replace(/\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)/g, '')
    .replace(/\x1b\[[0-9;?]*[ -/]*[@-~]/g, ' ')
    .replace(/\x1b[()][0-9A-Za-z]/g, '')
    .replace(/\x1b[=>78MDEc]/g, '')
    .replace(/[\x0e\x0f]/g, '')
    .replace(/\r/g, '');
}

export class SerialConsole {
  private readonly socket: Socket;
  private rawText = '';
  private closed = false;

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => (this.rawText += chunk.toString('latin1')));
    socket.on('close', () => (this.closed = true));
    socket.on('error', () => (this.closed = true));
  }

  static async connect(path: string, timeoutMs = 10_000): Promise<SerialConsole> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        return new SerialConsole(
          await new Promise<Socket>((resolve, reject) => {
            const socket = connect(path, () => resolve(socket));
            socket.once('error', reject);
          }),
        );
      } catch (error) {
        if (Date.now() > deadline) throw new Error(`serial console socket ${path}: ${(error as Error).message}`, { cause: error });
        await sleep(50);
      }
    }
  }

  get raw(): string {
    return this.rawText;
  }

  get text(): string {
    return plainText(this.rawText);
  }

  /** Where the console is now: waitFor(..., from) then looks only at what comes after it. */
  mark(): number {
    return this.rawText.length;
  }

  /** Waits until the plain text (from a mark() on) matches; the error shows the end of the console. */
  async waitFor(pattern: RegExp, what: string, timeoutMs: number, from = 0): Promise<RegExpMatchArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const match = plainText(this.rawText.slice(from)).match(pattern);
      if (match) return match;
      if (this.closed) throw new Error(`the guest stopped before ${what}; serial console:\n${this.text.slice(-3000)}`);
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}; serial console:\n${this.text.slice(-3000)}`);
      await sleep(100);
    }
  }

  /** Waits for the serial console's prompt (from a mark() on), answers it and waits for the menu. */
  async openMenu(what: string, timeoutMs: number, from = 0): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    await this.waitFor(serialPrompt, `the serial console's prompt before ${what}`, timeoutMs, from);
    const answered = this.mark();
    this.type('\r');
    await this.waitFor(menuVisible, what, Math.max(deadline - Date.now(), 1000), answered);
  }

  type(text: string): void {
    this.socket.write(text);
  }

  close(): void {
    this.socket.destroy();
  }
}
