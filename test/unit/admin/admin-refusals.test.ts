// Refused admin requests per address: one log line a minute (saying how many went unlogged
// before), and 429 past the limit until the minute is over, whatever else the address sends.
import { describe, expect, it } from 'vitest';
import { AdminRefusals, adminRefusalLimits } from '../../../broker/admin/admin-refusals.ts';

describe('admin refusals', () => {
  it('logs the first refusal of a minute, then stops an address that keeps guessing', () => {
    let now = 1_000_000;
    const refusals = new AdminRefusals(() => now);
    expect(refusals.refused('10.0.0.9', 'POST /admin/login', 'wrong token typed')).toBe('admin: refused POST /admin/login from 10.0.0.9: wrong token typed');
    // Another kind of refusal in the same minute has a line of its own.
    expect(refusals.refused('10.0.0.9', 'GET /v1/admin/status', 'wrong credential')).toBe(
      'admin: refused GET /v1/admin/status from 10.0.0.9: wrong credential',
    );
    for (let n = 2; n < adminRefusalLimits.maxPerMinute; n++) {
      expect(refusals.waitSeconds('10.0.0.9')).toBe(0);
      expect(refusals.refused('10.0.0.9', 'POST /admin/login', 'wrong token typed')).toBeUndefined();
    }
    expect(refusals.waitSeconds('10.0.0.9')).toBe(60);
    // Another address is not affected.
    expect(refusals.waitSeconds('10.0.0.10')).toBe(0);
    now += 45_000;
    expect(refusals.waitSeconds('10.0.0.9')).toBe(15);
    now += 15_000;
    expect(refusals.waitSeconds('10.0.0.9')).toBe(0);
    expect(refusals.refused('10.0.0.9', 'GET /v1/admin/status', 'wrong credential')).toBe(
      `admin: refused GET /v1/admin/status from 10.0.0.9: wrong credential (and ${adminRefusalLimits.maxPerMinute - 2} more from it in the minute before)`,
    );
  });
});
