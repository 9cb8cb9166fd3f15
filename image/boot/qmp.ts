// A small QMP client (QEMU's JSON control socket): screendumps and the guest's memory figures
// through the virtio balloon's statistics.
import { connect, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

export class QmpClient {
  private readonly socket: Socket;
  private buffer = '';
  private waiting: ((message: Record<string, unknown>) => void)[] = [];

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.setEncoding('utf8');
    socket.on('data', (text: string) => {
      this.buffer += text;
      for (let newline = this.buffer.indexOf('\n'); newline !== -1; newline = this.buffer.indexOf('\n')) {
        const line = this.buffer.slice(0, newline);
        this.buffer = this.buffer.slice(newline + 1);
        const message = JSON.parse(line) as Record<string, unknown>;
        // Events arrive between answers; only answers (return/error) and the greeting are awaited.
        if ('event' in message) continue;
        this.waiting.shift()?.(message);
      }
    });
  }

  static async connect(path: string, timeoutMs = 10_000): Promise<QmpClient> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        const socket = await new Promise<Socket>((resolve, reject) => {
          const candidate = connect(path, () => resolve(candidate));
          candidate.once('error', reject);
        });
        const client = new QmpClient(socket);
        await client.next();
        await client.execute('qmp_capabilities');
        return client;
      } catch (error) {
        if (Date.now() > deadline) throw new Error(`QMP socket ${path}: ${(error as Error).message}`, { cause: error });
        await sleep(100);
      }
    }
  }

  private next(): Promise<Record<string, unknown>> {
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  async execute(command: string, args?: Record<string, unknown>): Promise<unknown> {
    const answer = this.next();
    this.socket.write(`${JSON.stringify(args ? { execute: command, arguments: args } : { execute: command })}\n`);
    const message = await answer;
    if ('error' in message) throw new Error(`QMP ${command}: ${JSON.stringify(message.error)}`);
    return message.return;
  }

  /** Presses the keys together, then releases them, as on the PC's keyboard (QEMU qcodes: ctrl, alt, f1, c, backspace...). */
  async sendKeys(...qcodes: readonly string[]): Promise<void> {
    await this.execute('send-key', { keys: qcodes.map((data) => ({ type: 'qcode', data })) });
  }

  async screendump(file: string): Promise<void> {
    await this.execute('screendump', { filename: file, format: 'png' });
  }

  /** Guest memory in bytes as the guest's balloon driver reports it (needs virtio_balloon loaded). */
  async guestMemory(timeoutMs = 30_000): Promise<{ total: number; available: number; free: number }> {
    await this.execute('qom-set', { path: '/machine/peripheral/balloon0', property: 'guest-stats-polling-interval', value: 1 });
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const answer = (await this.execute('qom-get', { path: '/machine/peripheral/balloon0', property: 'guest-stats' })) as {
        stats: Record<string, number>;
        'last-update': number;
      };
      const total = answer.stats['stat-total-memory'] ?? -1;
      const available = answer.stats['stat-available-memory'] ?? -1;
      // Until the guest's driver reports, QEMU answers with placeholders (last-update 0).
      if (answer['last-update'] > 0 && total > 0 && available > 0) return { total, available, free: answer.stats['stat-free-memory'] ?? -1 };
      if (Date.now() > deadline) throw new Error('the guest reported no memory statistics (is virtio_balloon loaded?)');
      await sleep(1000);
    }
  }

  close(): void {
    this.socket.destroy();
  }
}
