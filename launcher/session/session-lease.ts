// A supervised session under its lease: renewed while the session runs, ended when it ends (so
// the desktop is free for the next PC at once). When the broker says the lease is over (an admin
// ended it, or the PC was away longer than the grace time and someone else may have the desktop
// now), the session is stopped and the person told why.
// Reads config keys broker_timeout, broker_ca.
import type { LoadedConfig } from '../config/load.ts';
import { endLease, keepLease, type LeaseHandle } from '../broker-client/lease-client.ts';
import { requestOptions } from './prepare-session.ts';
import { failure, type GuestLabel, type SessionEnd } from './session-end.ts';

export async function runUnderLease(
  lease: LeaseHandle | undefined,
  guest: GuestLabel,
  loaded: LoadedConfig,
  options: { readonly signal?: AbortSignal | undefined; readonly log: (line: string) => void },
  run: (signal: AbortSignal | undefined) => Promise<SessionEnd>,
): Promise<SessionEnd> {
  if (lease === undefined) return run(options.signal);
  const stop = new AbortController();
  const forward = () => stop.abort();
  if (options.signal?.aborted) stop.abort();
  options.signal?.addEventListener('abort', forward, { once: true });
  let lost: string | undefined;
  const keeper = keepLease(lease, requestOptions(loaded), {
    lost: (reason) => {
      lost = reason;
      options.log(`lease ${lease.lease.id}: ended by the broker (${reason}); stopping the session`);
      stop.abort();
    },
    log: options.log,
  });
  try {
    const end = await run(stop.signal);
    return lost === undefined ? end : { kind: 'failed', failure: failure('lease-ended', guest, lost) };
  } finally {
    keeper.stop();
    options.signal?.removeEventListener('abort', forward);
    if (lost === undefined) {
      const problem = await endLease(lease, requestOptions(loaded));
      options.log(
        problem === undefined ? `lease ${lease.lease.id}: ended` : `lease ${lease.lease.id}: could not end it (${problem}); it ends after its grace time`,
      );
    }
  }
}
