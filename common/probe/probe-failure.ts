// Why a probe got no usable answer, in categories the menu can phrase for people, from socket errors.

export type ProbeFailureKind =
  | 'timeout' // nothing came back in time
  | 'refused' // nothing listens on that port
  | 'unreachable' // no route to the host
  | 'unknown-host' // the name does not resolve
  | 'closed' // the peer hung up during the handshake
  | 'bad-answer' // the peer does not speak the protocol
  | 'server-refused' // the peer refused us and said why
  | 'auth-failed'; // the password was wrong

export type ProbeFailure = { readonly ok: false; readonly failure: ProbeFailureKind; readonly message: string };

export function probeFailure(failure: ProbeFailureKind, message: string): ProbeFailure {
  return { ok: false, failure, message };
}

/** Maps a socket or DNS error of talking to where (e.g. "10.0.0.5:5901") to a failure. */
export function failureFromError(error: unknown, where: string): ProbeFailure {
  const code = (error as NodeJS.ErrnoException).code ?? '';
  switch (code) {
    case 'ECONNREFUSED':
      return probeFailure('refused', `${where} refused the connection (nothing listens there)`);
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'EHOSTDOWN':
    case 'ENETDOWN':
      return probeFailure('unreachable', `${where} is unreachable (${code})`);
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_NONAME':
      return probeFailure('unknown-host', `cannot resolve the host of ${where} (${code})`);
    case 'ETIMEDOUT':
      return probeFailure('timeout', `${where} did not answer in time`);
    case 'ECONNRESET':
    case 'EPIPE':
      return probeFailure('closed', `${where} closed the connection`);
    default:
      return probeFailure('unreachable', `${where}: ${(error as Error).message}`);
  }
}

/** host:port, with brackets around an IPv6 address. */
export function hostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
