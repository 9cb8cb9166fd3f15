// Guests named on the command line: vnc:// and xdmcp:// URIs, validated like catalog guests.
import { describe, expect, it } from 'vitest';
import { guestFromUri, isGuestUri } from '../../../launcher/session/guest-uri.ts';

describe('guestFromUri', () => {
  it('reads vnc://host:port with the TCP port, and defaults 5900 and 177', () => {
    expect(guestFromUri('vnc://10.0.0.6:5901')).toEqual({
      id: 'vnc-10.0.0.6-5901',
      name: '10.0.0.6:5901',
      os: 'VNC desktop',
      protocol: 'vnc',
      host: '10.0.0.6',
      port: 5901,
      state: 'running',
    });
    expect(guestFromUri('vnc://desk.example.org')).toMatchObject({ host: 'desk.example.org', port: 5900 });
    expect(guestFromUri('XDMCP://10.0.0.5')).toMatchObject({ protocol: 'xdmcp', port: 177 });
    expect(guestFromUri('vnc://[fe80::1]:5902')).toMatchObject({ host: 'fe80::1', name: '[fe80::1]:5902' });
  });

  it.each([
    ['http://10.0.0.1', /scheme must be vnc:\/\/ or xdmcp:\/\//],
    ['vnc://user:pw@10.0.0.1', /password in the URI/],
    ['vnc://10.0.0.1/path', /only scheme:\/\/host\[:port\]/],
    ['vnc://10.0.0.1:99999', /not a URI/],
    ['vnc://bad_host', /host: must be a host name/],
  ])('refuses %s', (uri, message) => {
    expect(() => guestFromUri(uri)).toThrow(message);
  });

  it('tells URIs from catalog ids', () => {
    expect(isGuestUri('vnc://x')).toBe(true);
    expect(isGuestUri('debian-12')).toBe(false);
  });
});
