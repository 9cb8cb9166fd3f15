// A small QMP client (QEMU's JSON control socket on a unix path): the greeting and capability
// negotiation, commands answered in order, and asynchronous events (VNC_CONNECTED, ...) passed to
// listeners. Bounded: a line longer than maxLineBytes or that is not JSON ends the connection, and
// every command has a deadline, so a wedged QEMU cannot hang its caller.
import { connect, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

export type QmpEvent = { readonly event: string; readonly data?: Record<string, unknown> };

export class QmpError extends Error {
  override readonly name = 'QmpError';
}

const maxLineBytes = 1024 * 1024;

export class QmpClient {
  private readonly socket: Socket;
  private buffer = '';
  private readonly waiting: { resolve: (message: Record<string, unknown>) => void; reject: (error: Error) => void }[] = [];
  private readonly listeners: ((event: QmpEvent) => void)[] = [];
  private closedBy: Error | undefined;
  readonly path: string;

  /** Use QmpClient.connect (or a subclass's), which negotiates capabilities first. */
  constructor(socket: Socket, path: string) {
    this.socket = socket;
    this.path = path;
    socket.setEncoding('utf8');
    socket.on('data', (text: string) => this.receive(text));
    socket.on('error', (error) => this.fail(new QmpError(`QMP socket ${path}: ${error.message}`)));
    socket.on('close', () => this.fail(new QmpError(`QMP socket ${path} closed`)));
  }

  /** Connects, retrying until timeoutMs (QEMU creates the socket as it starts), and negotiates capabilities. */
  static async connect<T extends QmpClient>(this: new (socket: Socket, path: string) => T, path: string, timeoutMs = 10_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        const socket = await new Promise<Socket>((resolve, reject) => {
          const candidate = connect(path, () => resolve(candidate));
          candidate.once('error', reject);
        });
        const client = new this(socket, path);
        await client.next(timeoutMs);
        await client.execute('qmp_capabilities');
        return client;
      } catch (error) {
        if (Date.now() > deadline) throw new QmpError(`QMP socket ${path}: ${(error as Error).message}`, { cause: error });
        await sleep(100);
      }
    }
  }

  /** Called for every event QEMU sends. */
  onEvent(listener: (event: QmpEvent) => void): void {
    this.listeners.push(listener);
  }

  /** The connection is gone (QEMU stopped, or close()). */
  get closed(): boolean {
    return this.closedBy !== undefined;
  }

  async execute(command: string, args?: Record<string, unknown>, timeoutMs = 10_000): Promise<unknown> {
    const answer = this.next(timeoutMs);
    this.socket.write(`${JSON.stringify(args ? { execute: command, arguments: args } : { execute: command })}\n`);
    const message = await answer;
    if ('error' in message) {
      const error = message.error as { desc?: unknown } | undefined;
      throw new QmpError(`QMP ${command}: ${typeof error?.desc === 'string' ? error.desc : JSON.stringify(message.error)}`);
    }
    return message.return;
  }

  close(): void {
    this.socket.destroy();
  }

  private next(timeoutMs: number): Promise<Record<string, unknown>> {
    if (this.closedBy) return Promise.reject(this.closedBy);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.fail(new QmpError(`QMP socket ${this.path}: no answer within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiting.push({
        resolve: (message) => {
          clearTimeout(timer);
          resolve(message);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
    });
  }

  private receive(text: string): void {
    this.buffer += text;
    for (let newline = this.buffer.indexOf('\n'); newline !== -1; newline = this.buffer.indexOf('\n')) {
      const line = this.buffer.slice(0, newline);
      this.buffer = this.buffer.slice(newline + 1);
      let message: unknown;
      try {
        message = JSON.parse(line);
      } catch {
        this.fail(new QmpError(`QMP socket ${this.path}: not JSON: ${line.slice(0, 80)}`));
        return;
      }
      if (typeof message !== 'object' || message === null) continue;
      const record = message as Record<string, unknown>;
      // Events arrive between answers; only answers (return/error) and the greeting are awaited.
      if (typeof record.event === 'string') {
        const event: QmpEvent = {
          event: record.event,
          ...(typeof record.data === 'object' && record.data !== null ? { data: record.data as Record<string, unknown> } : {}),
        };
        for (const listener of this.listeners) listener(event);
        continue;
      }
      this.waiting.shift()?.resolve(record);
    }
    if (this.buffer.length > maxLineBytes) this.fail(new QmpError(`QMP socket ${this.path}: a line longer than ${maxLineBytes} bytes`));
  }

  private fail(error: Error): void {
    if (this.closedBy === undefined) this.closedBy = error;
    for (const waiter of this.waiting.splice(0)) waiter.reject(this.closedBy);
    this.socket.destroy();
  }
}
