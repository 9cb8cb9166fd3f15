// A session under its lease. Supervised: renewed while the session runs, ended when it ends (so the
// desktop is free for the next PC at once); when the broker says the lease is over (an admin ended
// it, or the PC was away longer than the grace time and someone else may have the desktop now),
// the session is stopped and the person told why. Exec mode, where no launcher is left to renew:
// a connection to the broker holds the lease, kept open by a small holder process (`tail --pid`
// on the session's PID) that goes when the session does; the lease's id and token wait in a 0600
// file on the session's tmpfs for the launcher that init starts next, which ends the lease.
// Reads config keys broker_timeout, broker_ca, cache_dir.
import { spawn } from 'node:child_process';
import { z } from 'zod';
import { clientSchema, leaseSchema } from '../../common/protocol/broker-protocol.ts';
import { endLease, keepLease, openLeaseHold, type LeaseHandle } from '../broker-client/lease-client.ts';
import type { LoadedConfig } from '../config/load.ts';
import { findInPath } from './exec-session.ts';
import { leaveForNextLauncher, takeLeftByLastLauncher } from './left-for-next-launcher.ts';
import { requestOptions, sessionRuntimeDir } from './prepare-session.ts';
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
    if (lost === undefined) await endLeaseQuietly(lease, loaded, options.log);
  }
}

/** Ends the lease, saying in the log when the broker could not be told (it then ends after its grace time). */
export async function endLeaseQuietly(lease: LeaseHandle | undefined, loaded: LoadedConfig, log: (line: string) => void): Promise<void> {
  if (lease === undefined) return;
  const problem = await endLease(lease, requestOptions(loaded));
  log(problem === undefined ? `lease ${lease.lease.id}: ended` : `lease ${lease.lease.id}: could not end it (${problem}); it ends after its grace time`);
}

const leftFileSchema = z.strictObject({ broker: z.string().max(2048), lease: leaseSchema, client: clientSchema });

const leftFileName = 'lease.json';

/** Before exec mode: a holder process keeps a hold connection open for as long as this PID (the session) runs. */
export async function holdLeaseAcrossExec(lease: LeaseHandle, loaded: LoadedConfig, log: (line: string) => void): Promise<void> {
  leaveForNextLauncher(sessionRuntimeDir(loaded), leftFileName, lease);
  let socket: import('node:net').Socket;
  let tail: string;
  try {
    tail = findInPath('tail', process.env.PATH || '/usr/bin:/bin');
    socket = await openLeaseHold(lease, requestOptions(loaded));
  } catch (error) {
    log(`lease ${lease.lease.id}: not held during the session (${(error as Error).message}); it ends after its grace time`);
    return;
  }
  const holder = spawn(tail, [`--pid=${process.pid}`, '-f', '/dev/null'], { stdio: ['ignore', 'ignore', 'ignore', socket], detached: true, env: {} });
  holder.once('error', (error) => log(`lease ${lease.lease.id}: the holder did not start (${error.message})`));
  holder.unref();
  log(`lease ${lease.lease.id}: held by process ${holder.pid ?? '?'} while the session runs`);
}

/** At start: a lease an exec-mode session left behind is ended (its session is over: init started this launcher). */
export async function endLeaseLeftByExec(loaded: LoadedConfig, log: (line: string) => void): Promise<void> {
  const left = takeLeftByLastLauncher(sessionRuntimeDir(loaded), leftFileName, leftFileSchema, 'a lease file', log);
  if (left !== undefined) await endLeaseQuietly(left, loaded, log);
}
