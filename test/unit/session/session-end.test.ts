// How a session ended: vncviewer exits 0 on failure, so its stderr decides; X servers by status.
import { describe, expect, it } from 'vitest';
import { classifyExit } from '../../../launcher/session/session-end.ts';
import type { PlannedProcess } from '../../../launcher/session/session-plan.ts';

const guest = { name: 'ReactOS', host: '10.0.0.6', port: 5901 };
const viewer: PlannedProcess = { role: 'viewer', command: 'vncviewer', args: [], env: {} };
const xServer: PlannedProcess = { role: 'x-server', command: 'X', args: [], env: {} };
const ok = { code: 0, signal: null };

// What TigerVNC 1.12 prints (seen against Xvnc and QEMU).
const banner = 'TigerVNC Viewer 64-bit v1.12.0\n DecodeManager: Detected 2 CPU core(s)\n CConn:       Connected to host 10.0.0.6 port 5901\n';

describe('classifyExit', () => {
  it.each([
    ['auth-failed', ' CConn:       Authentication failure: Authentication failure\n', false],
    ['refused', ' CConn:       unable to connect to socket: Connection refused (111)\n', true],
    ['unreachable', ' CConn:       unable to connect to socket: No route to host (113)\n', true],
    ['unreachable', ' CConn:       unable to resolve host by name: Name or service not known (-2)\n', true],
    ['connection-lost', ' CConnection: Enabling continuous updates\n\nMon Nov 23 00:53:11 2026\n CConn:       End of stream\n', true],
  ] as const)('reads %s from vncviewer stderr although it exits 0', (code, stderr, reconnect) => {
    expect(classifyExit(viewer, ok, banner + stderr, guest)).toMatchObject({ kind: 'failed', failure: { code, reconnect } });
  });

  it('treats a quiet exit of the viewer as the user leaving the session', () => {
    expect(classifyExit(viewer, ok, `${banner} CConn:       Using pixel format depth 24 (32bpp) little-endian rgb888\n`, guest)).toEqual({ kind: 'ended' });
  });

  it('treats a viewer told to stop (SIGTERM) as a normal end', () => {
    expect(
      classifyExit(
        viewer,
        { code: 1, signal: null },
        `${banner}\n main:        Termination signal 15 has been received. TigerVNC Viewer will now\n              exit.\n`,
        guest,
      ),
    ).toEqual({ kind: 'ended' });
  });

  it('says which program is missing', () => {
    const missing = classifyExit(
      viewer,
      { code: null, signal: null, error: Object.assign(new Error('spawn vncviewer ENOENT'), { code: 'ENOENT' }) },
      '',
      guest,
    );
    expect(missing).toMatchObject({ kind: 'failed', failure: { code: 'missing-program', detail: 'vncviewer (not found in PATH)' } });
  });

  it('ends normally when X -once exits after logout, and fails with XDMCP fatal errors', () => {
    expect(classifyExit(xServer, ok, '', guest)).toEqual({ kind: 'ended' });
    expect(classifyExit(xServer, { code: 1, signal: null }, 'XDMCP fatal error: Session declined No valid address\n', guest)).toMatchObject({
      failure: { code: 'unwilling' },
    });
    expect(classifyExit(xServer, { code: null, signal: 'SIGSEGV' }, 'Fatal server error:\n(EE) Caught signal 11\n', guest)).toMatchObject({
      failure: { code: 'x-server-failed', detail: 'killed by SIGSEGV: Caught signal 11' },
    });
  });

  it("puts the X server's own reason, without Xorg's markers, in the text shown to the person", () => {
    const end = classifyExit(
      xServer,
      { code: 1, signal: null },
      'Authorization required, but no authorization protocol specified\n\nFatal server error:\n(EE) Unable to open display ":163".\n(EE) \n',
      guest,
    );
    expect(end).toMatchObject({ kind: 'failed', failure: { code: 'x-server-failed', reconnect: false } });
    expect(end.kind === 'failed' && end.failure.text).toBe(
      'The X server stopped (Authorization required, but no authorization protocol specified / Unable to open display ":163".). The administrator finds its other messages in the launcher log.',
    );
  });

  it("names Xorg's fatal error, not the footer that follows it", () => {
    const stderr = [
      '(EE) ',
      'Fatal server error:',
      '(EE) no screens found(EE) ',
      '(EE) ',
      'Please consult the The X.Org Foundation support ',
      '\t at http://wiki.x.org',
      ' for help. ',
      '(EE) Please also check the log file at "/var/log/Xorg.pid-290.log" for additional information.',
      '(EE) ',
      '(EE) Server terminated with error (1). Closing log file.',
      '',
    ].join('\n');
    expect(classifyExit(xServer, { code: null, signal: 'SIGABRT' }, stderr, guest)).toMatchObject({
      failure: { code: 'x-server-failed', detail: 'killed by SIGABRT: no screens found' },
    });
  });

  it('keeps escape sequences from stderr out of the detail', () => {
    const end = classifyExit(viewer, ok, ' CConn: End of stream \x1b]0;owned\x07\n', guest);
    expect(end.kind === 'failed' && end.failure.detail).toBe('CConn: End of stream');
  });
});
