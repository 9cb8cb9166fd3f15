// Exit statuses all three programs share; each program's manual lists them with its own. 130 is
// the shell's convention for a program stopped by Ctrl-C (128 + SIGINT).
export const sharedExitCodes = {
  ok: 0,
  failure: 1,
  usage: 2,
  internal: 70,
  interrupted: 130,
} as const;
