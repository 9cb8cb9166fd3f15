// QMP for booted test images: keys, screendumps and the guest's memory figures through the virtio
// balloon's statistics, on the shared client (common/qmp/qmp-client.ts).
import { setTimeout as sleep } from 'node:timers/promises';
import { QmpClient as BaseQmpClient } from '../../common/qmp/qmp-client.ts';

export class QmpClient extends BaseQmpClient {
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
}
