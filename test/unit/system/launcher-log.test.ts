import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { logRotateBytes, openLauncherLog } from '../../../launcher/system/launcher-log.ts';
import { useTempDir } from '../../support/temp-dir.ts';

const dir = useTempDir();
const noStderr = { write: () => {} };

describe('launcher log', () => {
  it('appends timestamped lines without control characters, private to the user', () => {
    const path = join(dir, 'sub', 'launcher.log');
    const log = openLauncherLog({ log_file: path, log_level: 'info' }, noStderr);
    log('session a: started');
    log('viewer said \u001b[2Jhello');
    const lines = readFileSync(path, 'utf8').trim().split('\n');
    expect(lines[0]).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z session a: started$/);
    expect(lines[1]).toMatch(/viewer said hello$/);
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it('rotates to .1 past 1 MiB', () => {
    const path = join(dir, 'big.log');
    writeFileSync(path, 'x'.repeat(logRotateBytes + 1));
    openLauncherLog({ log_file: path, log_level: 'info' }, noStderr)('fresh');
    expect(statSync(`${path}.1`).size).toBe(logRotateBytes + 1);
    expect(readFileSync(path, 'utf8')).toMatch(/ fresh\n$/);
  });

  it('rotates while it runs, once a line takes the file past 1 MiB', () => {
    const path = join(dir, 'growing.log');
    const log = openLauncherLog({ log_file: path, log_level: 'info' }, noStderr);
    const line = 'y'.repeat(1000);
    // Each line also holds a 24-character timestamp, a space and the newline.
    const past = Math.floor(logRotateBytes / (line.length + 26)) + 1;
    for (let count = 0; count < past; count++) log(line);
    expect(statSync(path).size).toBeGreaterThan(logRotateBytes);
    log('after');
    expect(statSync(`${path}.1`).size).toBeGreaterThan(logRotateBytes);
    expect(readFileSync(path, 'utf8').trim().split('\n')).toHaveLength(1);
    expect(readFileSync(path, 'utf8')).toMatch(/ after\n$/);
  });

  it('writes to standard error when log_file is empty, and nothing at level warn', () => {
    const written: string[] = [];
    openLauncherLog({ log_file: '', log_level: 'debug' }, { write: (text) => written.push(text) })('hi');
    openLauncherLog({ log_file: '', log_level: 'warn' }, { write: (text) => written.push(text) })('quiet');
    expect(written).toEqual(['vdd-launcher: hi\n']);
  });

  it('keeps going when the log cannot be written', () => {
    const log = openLauncherLog({ log_file: '/proc/vdd-cannot-write/launcher.log', log_level: 'info' }, noStderr);
    expect(() => log('lost')).not.toThrow();
  });
});
