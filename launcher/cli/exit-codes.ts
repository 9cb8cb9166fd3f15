// Exit statuses of vdd-launcher; documented in docs/vdd-launcher.md.
export const exitCodes = {
  ok: 0,
  failure: 1,
  usage: 2,
  configProblems: 3,
  noBroker: 4,
  noSuchGuest: 5,
  sessionFailed: 6,
  notImplemented: 7,
  internal: 70,
} as const;

export type ExitCode = (typeof exitCodes)[keyof typeof exitCodes];
