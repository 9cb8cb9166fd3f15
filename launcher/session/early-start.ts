// A VNC guest that a catalog within its ttl lists as running without a password is connected to
// before the broker answers: the viewer starts at the catalog's address and the broker is asked
// meanwhile. Its answer only matters if it moves the guest, gives it a password or is still
// starting it; then, if nothing is on screen yet, the session starts again as the broker says.
import type { Guest, SessionAnswer } from '../../common/protocol/broker-protocol.ts';
import { hasAddress, leasedByBroker, startedByBroker } from './prepare-session.ts';
import type { SessionFailure } from './session-end.ts';
import type { StartRequest } from './session-starter.ts';

/** How long the viewer runs before the broker is asked: a launcher's first HTTP request costs CPU
 * the viewer's start needs on a slow PC. */
const brokerAskAfterMs = 200;

/** A running guest that needs no password from the broker can be connected to before the broker answers;
 * one the broker starts never is (only its answer says where it is), nor one it hands out by lease
 * (until it answers, the desktop may be someone else's). */
export function startsBeforeBrokerAnswers(guest: Guest): boolean {
  return (
    guest.protocol === 'vnc' &&
    guest.state === 'running' &&
    guest.auth !== 'vnc-password' &&
    !startedByBroker(guest) &&
    !leasedByBroker(guest) &&
    hasAddress(guest)
  );
}

export type EarlyStart = {
  readonly guest: Guest;
  readonly broker: string;
  readonly started: (text: string) => void;
  /** The broker's session answer for the guest. */
  readonly ask: () => Promise<SessionAnswer | undefined>;
  /** One session start with the given request. */
  readonly start: (request: Pick<StartRequest, 'broker' | 'brokerAnswer' | 'signal' | 'started'>) => Promise<SessionFailure | undefined>;
  readonly log: (line: string) => void;
};

export async function startBeforeBrokerAnswers({ guest, broker, started, ask, start, log }: EarlyStart): Promise<SessionFailure | undefined> {
  let askNow = (): void => {};
  const asked = new Promise<void>((resolve) => (askNow = resolve));
  // Asked brokerAskAfterMs after the viewer starts, or when the session ends first.
  const asking = setTimeout(askNow, brokerAskAfterMs);
  const brokerAnswer = asked.then(ask);
  const superseded = new AbortController();
  let shown = false;
  // A refusal (the broker says no) differs from the catalog as much as another address does.
  const differs = brokerAnswer.then(
    (answer) => !sameTarget(answer, guest),
    () => true,
  );
  void differs.then((different) => {
    if (!shown && different) superseded.abort();
  });
  let failure = await start({
    signal: superseded.signal,
    started: (text) => {
      shown = true;
      started(text);
    },
  });
  clearTimeout(asking);
  askNow();
  // Not on screen yet and the broker says otherwise (or the catalog was stale): go by the broker.
  if (!shown && (superseded.signal.aborted || (failure?.reconnect && (await differs)))) {
    log(`session ${guest.id}: the broker's answer differs from the catalog; connecting as the broker says`);
    failure = await start({ broker, brokerAnswer, started });
  }
  return failure;
}

/** The broker's answer points where the catalog does, needs no password and the guest is up. An
 * absent answer (static or offline broker) leaves the catalog's word standing. */
function sameTarget(answer: SessionAnswer | undefined, guest: Guest): boolean {
  return answer === undefined || (answer.host === guest.host && answer.port === guest.port && answer.password === undefined && answer.state === 'running');
}
