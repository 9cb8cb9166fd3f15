// The plain password in a TigerVNC password file (vncpasswd -f, or what vdd-broker writes for a
// one-time password): VNC's fixed key, each byte bit-reversed, DES. Tests need it to look for
// the password where it must not be.
import { createDecipheriv } from 'node:crypto';
import { readFileSync } from 'node:fs';

export function unscrambleVncPasswordFile(file: string): string {
  const key = Buffer.from([23, 82, 107, 6, 35, 78, 88, 7]).map((byte) => Number.parseInt(byte.toString(2).padStart(8, '0').split('').reverse().join(''), 2));
  const decipher = createDecipheriv('des-ede3-ecb', Buffer.concat([key, key, key]), null);
  decipher.setAutoPadding(false);
  return Buffer.concat([decipher.update(readFileSync(file).subarray(0, 8)), decipher.final()])
    .toString('latin1')
    .replace(/\0+$/, '');
}
