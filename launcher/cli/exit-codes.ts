// Exit statuses of vdd-launcher: the shared ones and its own; documented in docs/vdd-launcher.md.
import { sharedExitCodes } from '../../common/exit-codes.ts';

export const exitCodes = {
  ok: sharedExitCodes.ok,
  failure: sharedExitCodes.failure,
  usage: sharedExitCodes.usage,
  configProblems: 3,
  noBroker: 4,
  noSuchGuest: 5,
  sessionFailed: 6,
  notImplemented: 7,
  internal: sharedExitCodes.internal,
} as const;

export type ExitCode = (typeof exitCodes)[keyof typeof exitCodes];
