// A minimal client of QEMU's GDB stub (the GDB remote serial protocol over TCP): hardware
// breakpoints and continue, enough to stop a guest at given addresses, where QMP's query-replay
// then reads how many instructions QEMU has counted (-icount).
import { connect, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

export class GdbRemote {
  private readonly socket: Socket;
  private buffer = '';
  private waiting: ((packet: string) => void)[] = [];

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.setEncoding('latin1');
    socket.on('data', (text: string) => {
      this.buffer += text;
      for (;;) {
        const start = this.buffer.indexOf('$');
        const end = this.buffer.indexOf('#', start);
        if (start === -1 || end === -1 || this.buffer.length < end + 3) break;
        const packet = this.buffer.slice(start + 1, end);
        this.buffer = this.buffer.slice(end + 3);
        socket.write('+');
        this.waiting.shift()?.(packet);
      }
    });
  }

  static async connect(port: number, timeoutMs = 10_000): Promise<GdbRemote> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        const socket = await new Promise<Socket>((resolve, reject) => {
          const candidate = connect({ host: '127.0.0.1', port }, () => resolve(candidate));
          candidate.once('error', reject);
        });
        return new GdbRemote(socket);
      } catch (error) {
        if (Date.now() > deadline) throw new Error(`QEMU's GDB stub on port ${port}: ${(error as Error).message}`);
        await sleep(100);
      }
    }
  }

  /** Sends one packet and resolves with the reply packet's data. */
  command(data: string, timeoutMs = 60 * 60_000): Promise<string> {
    const checksum = [...data].reduce((sum, character) => (sum + character.charCodeAt(0)) % 256, 0);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`QEMU's GDB stub did not answer ${data} within ${timeoutMs / 1000} s`)), timeoutMs);
      this.waiting.push((packet) => {
        clearTimeout(timer);
        resolve(packet);
      });
      this.socket.write(`$${data}#${checksum.toString(16).padStart(2, '0')}`);
    });
  }

  async hardwareBreakpoint(address: number): Promise<void> {
    const reply = await this.command(`Z1,${address.toString(16)},1`);
    if (reply !== 'OK') throw new Error(`QEMU's GDB stub refused a breakpoint at 0x${address.toString(16)}: ${reply || 'unsupported'}`);
  }

  async removeHardwareBreakpoint(address: number): Promise<void> {
    await this.command(`z1,${address.toString(16)},1`);
  }

  /** Lets the guest run until it stops (a breakpoint); resolves with the stop reply (T05...). */
  async continueToStop(): Promise<string> {
    const reply = await this.command('c');
    if (!/^[ST]/.test(reply)) throw new Error(`the guest did not stop at a breakpoint: ${reply}`);
    return reply;
  }

  close(): void {
    this.socket.destroy();
  }
}
