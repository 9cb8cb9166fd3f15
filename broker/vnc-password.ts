// One-time VNC passwords: a fresh random password per session request, written to the guest's
// TigerVNC password file (Xvnc -rfbauth rereads it on every connection) and replaced by an
// unknown one when it expires. The password is never logged; the file is 0600 and replaced in
// one rename.
import { createCipheriv, randomBytes, randomInt } from 'node:crypto';
import { renameSync, rmSync, writeFileSync } from 'node:fs';

/** The fixed key TigerVNC and RealVNC scramble stored passwords with. */
const storageKey = Buffer.from([23, 82, 107, 6, 35, 78, 88, 7]);
const alphabet = 'abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';

/** VNC's DES: the key's bits are mirrored in each byte; single DES as triple DES with the key three times. */
export function vncDes(key: Buffer, block: Buffer): Buffer {
  const mirrored = Buffer.from(key.subarray(0, 8).map((byte) => {
    let out = 0;
    for (let bit = 0; bit < 8; bit++) if (byte & (1 << bit)) out |= 1 << (7 - bit);
    return out;
  }));
  const cipher = createCipheriv('des-ede3-ecb', Buffer.concat([mirrored, mirrored, mirrored]), null);
  cipher.setAutoPadding(false);
  return Buffer.concat([cipher.update(block), cipher.final()]);
}

/** The 8 bytes of a vncpasswd file for password (VNC uses at most 8 characters). */
export function scrambledPassword(password: string): Buffer {
  const block = Buffer.alloc(8);
  Buffer.from(password, 'latin1').copy(block, 0, 0, 8);
  return vncDes(storageKey, block);
}

/** Eight characters from an alphabet without look-alikes. */
export function newVncPassword(): string {
  let password = '';
  for (let i = 0; i < 8; i++) password += alphabet[randomInt(alphabet.length)];
  return password;
}

export function writeVncPasswordFile(path: string, password: string): void {
  const temporary = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    writeFileSync(temporary, scrambledPassword(password), { mode: 0o600, flag: 'wx' });
    renameSync(temporary, path);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
}
