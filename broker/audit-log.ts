// The audit trail: every session granted or refused, every lease end, every refused client, one
// line each with the peer address the connection came from and the MAC it claims, as
// `TIME audit EVENT key=value ...` (values with spaces or quotes in double quotes), so an admin
// can grep by address, MAC, guest or lease. Lines go to the broker's log and, with --audit-log
// FILE, are appended to FILE too; SIGHUP reopens FILE, so logrotate can move it (or copytruncate).
// Never a password or a lease token.
import { closeSync, openSync, writeSync } from 'node:fs';
import { stripControls } from '../common/text/terminal-safe.ts';
import type { Log } from './log.ts';

export type AuditFields = Readonly<Record<string, string | number | boolean | undefined>>;

export type Audit = (event: string, fields: AuditFields) => void;

function value(text: string): string {
  const clean = stripControls(text).slice(0, 512);
  return /^[^\s"=]+$/.test(clean) ? clean : `"${clean.replace(/["\\]/g, '\\$&')}"`;
}

/** `EVENT key=value ...`, fields in the order given, undefined ones left out. */
export function auditLine(event: string, fields: AuditFields): string {
  const parts = [event];
  for (const [key, field] of Object.entries(fields)) if (field !== undefined) parts.push(`${key}=${value(String(field))}`);
  return parts.join(' ');
}

export class AuditLog {
  private readonly path: string | undefined;
  private readonly log: Log;
  private fd: number | undefined;

  constructor(path: string | undefined, log: Log) {
    this.path = path;
    this.log = log;
    this.open();
  }

  readonly record: Audit = (event, fields) => {
    const line = auditLine(event, fields);
    this.log(`audit ${line}`);
    if (this.fd === undefined) return;
    try {
      writeSync(this.fd, `${new Date().toISOString()} ${line}\n`);
    } catch (error) {
      this.log(`cannot write the audit log ${this.path}: ${(error as Error).message}`);
    }
  };

  /** After a rotation: the next line goes to a new FILE. */
  reopen(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
    this.open();
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  private open(): void {
    if (this.path === undefined) return;
    this.fd = openSync(this.path, 'a', 0o640);
  }
}
