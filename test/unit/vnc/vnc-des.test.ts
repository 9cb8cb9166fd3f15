// VNC DES: stored-password scrambling against what vncpasswd -f writes, and the challenge response.
import { createDecipheriv } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { scrambleVncPassword, vncAuthResponse, vncPasswordBytes } from '../../../common/vnc/vnc-des.ts';

describe('VNC DES', () => {
  it('scrambles a password as vncpasswd -f does', () => {
    // printf 'pass\n' | vncpasswd -f | xxd -p
    expect(scrambleVncPassword('pass').toString('hex')).toBe('2562d2979f13a743');
  });

  it('uses only the first 8 bytes of the password', () => {
    expect(vncPasswordBytes('12345678SECRET')).toEqual(Buffer.from('12345678'));
    expect(scrambleVncPassword('12345678SECRET')).toEqual(scrambleVncPassword('12345678'));
  });

  it('answers a challenge with DES under the bit-reversed password', () => {
    const challenge = Buffer.from('00112233445566778899aabbccddeeff', 'hex');
    const response = vncAuthResponse('secret', challenge);
    // 'secret' bit-reversed per byte, as VNC's d3des expects, decrypts the response with plain DES.
    const key = Buffer.from([0xce, 0xa6, 0xc6, 0x4e, 0xa6, 0x2e, 0x00, 0x00]);
    const decipher = createDecipheriv('des-ede3-ecb', Buffer.concat([key, key, key]), null).setAutoPadding(false);
    expect(Buffer.concat([decipher.update(response), decipher.final()])).toEqual(challenge);
    expect(() => vncAuthResponse('secret', Buffer.alloc(8))).toThrow(/16 bytes/);
  });
});
