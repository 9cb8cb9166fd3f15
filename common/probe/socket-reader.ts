// Reads exact byte counts from a TCP socket as promises, for binary handshakes; fails when the
// peer hangs up or sends more than the handshake allows.
import type { Socket } from 'node:net';

export class PeerClosedError extends Error {
  override readonly name = 'PeerClosedError';
}

export class SocketReader {
  private buffered = Buffer.alloc(0);
  private waiting: { bytes: number; resolve: (data: Buffer) => void; reject: (error: Error) => void } | undefined;
  private failure: Error | undefined;
  private readonly maxBuffered: number;

  constructor(socket: Socket, maxBuffered = 1024 * 1024) {
    this.maxBuffered = maxBuffered;
    socket.on('data', (chunk: Buffer) => {
      this.buffered = Buffer.concat([this.buffered, chunk]);
      if (this.buffered.length > this.maxBuffered) this.fail(new Error(`peer sent more than ${this.maxBuffered} bytes unasked`));
      this.deliver();
    });
    socket.on('end', () => this.fail(new PeerClosedError('peer closed the connection')));
    socket.on('close', () => this.fail(new PeerClosedError('connection closed')));
    socket.on('error', (error) => this.fail(error));
  }

  /** Exactly bytes bytes (at most the reader's limit). */
  read(bytes: number): Promise<Buffer> {
    if (bytes > this.maxBuffered) return Promise.reject(new Error(`refusing to read ${bytes} bytes (limit ${this.maxBuffered})`));
    if (this.waiting) return Promise.reject(new Error('one read at a time'));
    return new Promise((resolve, reject) => {
      this.waiting = { bytes, resolve, reject };
      this.deliver();
    });
  }

  async uint8(): Promise<number> {
    return (await this.read(1)).readUInt8(0);
  }

  async uint32(): Promise<number> {
    return (await this.read(4)).readUInt32BE(0);
  }

  private deliver(): void {
    const waiting = this.waiting;
    if (!waiting) return;
    if (this.buffered.length >= waiting.bytes) {
      this.waiting = undefined;
      const data = this.buffered.subarray(0, waiting.bytes);
      this.buffered = this.buffered.subarray(waiting.bytes);
      waiting.resolve(data);
    } else if (this.failure) {
      this.waiting = undefined;
      waiting.reject(this.failure);
    }
  }

  private fail(error: Error): void {
    this.failure ??= error;
    this.deliver();
  }
}
