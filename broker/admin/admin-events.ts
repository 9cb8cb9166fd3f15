// GET /admin/events: server-sent events for open admin pages. While any page listens, the status
// is looked at every checkMs and each page gets the sections' hashes when they changed (and at
// once on connect), so it fetches only the sections that differ. At most maxListeners pages; a
// comment line every keepAliveMs keeps proxies from closing an idle stream.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sectionNames } from './admin-page.ts';
import type { AdminStatusService } from './admin-service.ts';

const checkMs = 1000;
const keepAliveMs = 25_000;
export const maxListeners = 64;

export class AdminEvents {
  private readonly service: AdminStatusService;
  private readonly listeners = new Set<ServerResponse>();
  private timer: NodeJS.Timeout | undefined;
  private lastSent = '';
  private lastWrite = 0;

  constructor(service: AdminStatusService) {
    this.service = service;
  }

  /** False when too many pages listen already. */
  listen(request: IncomingMessage, response: ServerResponse): boolean {
    if (this.listeners.size >= maxListeners) return false;
    // The stream outlives the server's per-request timeout.
    request.socket.setTimeout(0);
    response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    const snapshot = this.service.current();
    response.write(`retry: 3000\ndata: ${snapshot.hashes()}\n\n`);
    if (this.listeners.size === 0) this.lastSent = sectionNames.map((name) => snapshot.section(name).hash).join(',');
    this.listeners.add(response);
    const forget = () => {
      this.listeners.delete(response);
      if (this.listeners.size === 0) this.stop();
    };
    request.on('close', forget);
    response.on('error', forget);
    this.timer ??= setInterval(() => this.check(), checkMs);
    return true;
  }

  private check(): void {
    const snapshot = this.service.current();
    const key = sectionNames.map((name) => snapshot.section(name).hash).join(',');
    const changed = key !== this.lastSent;
    const now = Date.now();
    if (!changed && now - this.lastWrite < keepAliveMs) return;
    const text = changed ? `data: ${snapshot.hashes()}\n\n` : ': still here\n\n';
    if (changed) this.lastSent = key;
    this.lastWrite = now;
    for (const response of this.listeners) response.write(text);
  }

  private stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  close(): void {
    this.stop();
    for (const response of this.listeners) response.end();
    this.listeners.clear();
  }
}
