// Asks the guest before a session starts (an XDMCP Query, or the RFB handshake up to the
// security types), so a dead or unwilling guest gives the person a reason instead of a black
// screen; X itself would wait forever for a silent host.
import type { ProbeFailure } from '../../common/probe/probe-failure.ts';
import { probeRfb } from '../../common/probe/rfb-handshake.ts';
import { queryXdmcp } from '../../common/probe/xdmcp-query.ts';
import { failure, type FailureCode, type GuestLabel, type SessionFailure } from './session-end.ts';
import type { SessionPlan } from './session-plan.ts';

export type ProbeVerdict = { readonly ok: true; readonly summary: string; readonly rttMs: number } | { readonly ok: false; readonly failure: SessionFailure };

export async function probeGuest(plan: SessionPlan, signal?: AbortSignal): Promise<ProbeVerdict> {
  const { probe, guest } = plan;
  const options = { timeoutMs: probe.timeoutMs, ...(signal ? { signal } : {}) };
  if (probe.protocol === 'xdmcp') {
    const answer = await queryXdmcp(probe.host, { ...options, port: probe.port });
    if (!answer.ok) return { ok: false, failure: fromProbeFailure(answer, guest) };
    if (answer.answer.kind !== 'willing') return { ok: false, failure: failure('unwilling', guest, answer.answer.status || answer.answer.kind) };
    return { ok: true, summary: `XDMCP Willing${answer.answer.status ? `: ${answer.answer.status}` : ''}`, rttMs: answer.rttMs };
  }
  const answer = await probeRfb(probe.host, probe.port, options);
  if (!answer.ok) return { ok: false, failure: fromProbeFailure(answer, guest) };
  return { ok: true, summary: `RFB ${answer.version}, security ${answer.securityTypes.map((type) => type.name).join(', ')}`, rttMs: answer.rttMs };
}

const codes: Record<ProbeFailure['failure'], FailureCode> = {
  timeout: 'no-answer',
  refused: 'refused',
  unreachable: 'unreachable',
  'unknown-host': 'unreachable',
  closed: 'connection-lost',
  'bad-answer': 'no-answer',
  'server-refused': 'unwilling',
  'auth-failed': 'auth-failed',
};

function fromProbeFailure(probe: ProbeFailure, guest: GuestLabel): SessionFailure {
  return failure(codes[probe.failure], guest, probe.message);
}
