// VNC passwords: a fresh random password per ticket, and TigerVNC's password file format
// (vncpasswd's 8 scrambled bytes) written 0600 in one rename. Passwords are never logged.
import { randomInt } from 'node:crypto';
import { utimesSync } from 'node:fs';
import { replaceFile } from '../../common/io/replace-file.ts';
import { scrambleVncPassword } from '../../common/vnc/vnc-des.ts';

const alphabet = 'abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';

/** Eight characters from an alphabet without look-alikes. */
export function newVncPassword(): string {
  let password = '';
  for (let i = 0; i < 8; i++) password += alphabet[randomInt(alphabet.length)];
  return password;
}

/** The access time a new password file gets: long before any read, so the first read shows. */
export const unreadAccessTime = new Date('2000-01-01T00:00:00Z');

export function writeVncPasswordFile(path: string, password: string): void {
  // With relatime (the default) the kernel updates the access time on the first read after a
  // change only; set in the past, it then moves even when the read comes within the same tick.
  replaceFile(path, scrambleVncPassword(password), { mode: 0o600, beforeRename: (temporary) => utimesSync(temporary, unreadAccessTime, new Date()) });
}
