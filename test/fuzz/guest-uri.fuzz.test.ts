// Guest URIs come from the command line, a kiosk config or a link someone pasted: every one is a
// valid guest whose shown text is terminal-safe, or a GuestUriError in terminal-safe words.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { guestSchema } from '../../common/protocol/broker-protocol.ts';
import { guestFromUri, GuestUriError, isGuestUri } from '../../launcher/session/guest-uri.ts';
import { expectTerminalSafe, fuzzRuns, hostileText } from '../support/fuzz.ts';

const mostly = <T>(valid: fc.Arbitrary<T>, odd: fc.Arbitrary<T>) => fc.oneof({ arbitrary: valid, weight: 6 }, { arbitrary: odd, weight: 1 });
const scheme = mostly(fc.constantFrom('vnc', 'xdmcp', 'VNC', 'Xdmcp'), fc.oneof(fc.constantFrom('http', 'file', 'vnc+ssh'), hostileText(8)));
const host = mostly(
  fc.oneof(
    fc.domain(),
    fc.ipV4(),
    fc.ipV6().map((address) => `[${address}]`),
  ),
  fc.oneof(fc.constantFrom('', '[::1', '1.2.3.4.5', '%00', 'a%2Fb', '0x7f.1', '[fe80::1%25eth0]'), hostileText(30)),
);
const port = mostly(
  fc.oneof(
    fc.constant(''),
    fc.integer({ min: 1, max: 65535 }).map((n) => `:${n}`),
  ),
  fc.oneof(
    fc.integer({ min: -1, max: 70_000 }).map((n) => `:${n}`),
    hostileText(6).map((text) => `:${text}`),
  ),
);
const tail = mostly(fc.constantFrom('', '/'), fc.oneof(fc.constantFrom('/x', '?password=x', '#f', '/../'), hostileText(12)));
const user = mostly(fc.constant(''), fc.constantFrom('user@', 'user:secret@', ':@'));
const uri = fc.oneof(
  { arbitrary: fc.tuple(scheme, user, host, port, tail).map(([s, u, h, p, t]) => `${s}://${u}${h}${p}${t}`), weight: 4 },
  { arbitrary: hostileText(100), weight: 1 },
);

describe('guest URIs', () => {
  it('give a valid guest or a terminal-safe GuestUriError', () => {
    let accepted = 0;
    fc.assert(
      fc.property(uri, (text) => {
        isGuestUri(text);
        try {
          const guest = guestFromUri(text);
          accepted += 1;
          expect(guestSchema.parse(guest)).toEqual(guest);
          expectTerminalSafe(guest.name);
          expect(text.toLowerCase()).toMatch(/^(vnc|xdmcp):\/\//);
        } catch (error) {
          if (!(error instanceof GuestUriError)) throw error;
          expectTerminalSafe(error.message);
          // A password in the URI is never echoed back.
          if (text.includes('user:secret@')) expect(error.message).not.toContain('secret');
        }
      }),
      { numRuns: fuzzRuns },
    );
    expect(accepted).toBeGreaterThan(fuzzRuns / 20);
  });
});
