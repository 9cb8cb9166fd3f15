// One-time VNC passwords: a fresh random password per session request, written to the guest's
// TigerVNC password file (Xvnc -rfbauth rereads it on every connection) and replaced by an
// unknown one when it expires. The password is never logged; the file is 0600 and replaced in
// one rename.
import { randomBytes, randomInt } from 'node:crypto';
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { scrambleVncPassword } from '../common/vnc/vnc-des.ts';

const alphabet = 'abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';

/** Eight characters from an alphabet without look-alikes. */
export function newVncPassword(): string {
  let password = '';
  for (let i = 0; i < 8; i++) password += alphabet[randomInt(alphabet.length)];
  return password;
}

export function writeVncPasswordFile(path: string, password: string): void {
  const temporary = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    writeFileSync(temporary, scrambleVncPassword(password), { mode: 0o600, flag: 'wx' });
    renameSync(temporary, path);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
}
