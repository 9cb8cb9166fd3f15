// TigerVNC vncviewer's argv for a guest and the chosen session parameters: full screen, no
// dialogs on errors (the launcher explains them), no silent reconnects (the launcher offers them),
// and never shared: a desktop belongs to the PC that chose it, so the viewer asks the server for
// the desktop alone (a server that keeps its current viewer, Xvnc -NeverShared
// -DisconnectClients=0, then refuses a second one instead of showing it the same screen).
// The password file is handed over apart from these (session-plan.ts, commandArguments).
import type { SessionParameters } from '../profile/session-parameters.ts';

export type ViewerOptions = {
  readonly host: string;
  readonly port: number;
  readonly parameters: SessionParameters;
};

export function vncviewerArgs(options: ViewerOptions): string[] {
  const { vnc } = options.parameters;
  const args = ['-FullScreen', '-AlertOnFatalError=0', '-ReconnectOnError=0', '-Shared=0'];
  // AutoSelect would override a chosen encoding or colour level after measuring the link.
  if (vnc.encoding || vnc.depth === 8) args.push('-AutoSelect=0');
  if (vnc.encoding) args.push(`-PreferredEncoding=${vnc.encoding}`);
  if (vnc.compression !== undefined) args.push('-CustomCompressLevel=1', `-CompressLevel=${vnc.compression}`);
  if (vnc.quality !== undefined) args.push(`-QualityLevel=${vnc.quality}`);
  if (!vnc.jpeg) args.push('-NoJPEG=1');
  // 8 bit: TigerVNC's 256-colour palette. 16 and 24 bit follow the depth of the X display it runs in.
  if (vnc.depth === 8) args.push('-FullColor=0', '-LowColorLevel=2');
  // host::port is always a TCP port (host:N would be display N, port 5900+N); IPv6 needs brackets.
  args.push(`${options.host.includes(':') ? `[${options.host}]` : options.host}::${options.port}`);
  return args;
}
