// Broker requests as a PC in a lab namespace makes them, run there by callInNetns: plain HTTP with
// the leases header, returning status and body (never throwing on an error status), so a test can
// see exactly what another PC, or a laptop, would get.
type Reply = { status: number; body: unknown };

async function send(url: string, method: string, body: unknown, headers: Record<string, string> = {}): Promise<Reply> {
  const answer = await fetch(url, {
    method,
    headers: { 'vdd-protocol': '1.2', ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await answer.text();
  let parsed: unknown = text;
  try {
    parsed = text === '' ? undefined : JSON.parse(text);
  } catch {
    // Not JSON: kept as text.
  }
  return { status: answer.status, body: parsed };
}

export function getCatalog(broker: string, headers: Record<string, string> = {}): Promise<Reply> {
  return send(new URL('v1/catalog', broker).href, 'GET', undefined, headers);
}

export function askSession(broker: string, guest: string, client: unknown, headers: Record<string, string> = {}): Promise<Reply> {
  return send(new URL(`v1/guests/${guest}/session`, broker).href, 'POST', { client }, headers);
}

export function leaseAction(broker: string, lease: string, action: string, body: unknown): Promise<Reply> {
  return send(new URL(`v1/leases/${lease}/${action}`, broker).href, 'POST', body);
}

/** count session requests at once, each as its own PC (its MAC numbered from macBase). */
export async function sessionBurst(broker: string, guest: string, count: number, macBase: number): Promise<Reply[]> {
  const mac = (n: number) => `52:54:00:00:${((macBase + n) >> 8).toString(16).padStart(2, '0')}:${((macBase + n) & 255).toString(16).padStart(2, '0')}`;
  return Promise.all(Array.from({ length: count }, (_, n) => askSession(broker, guest, { mac: mac(n), hostname: `pc-${macBase + n}` })));
}
