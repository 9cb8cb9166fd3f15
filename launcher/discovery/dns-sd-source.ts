// Discovery source: DNS-SD services _vdd._tcp found by Avahi, over the D-Bus system bus
// (ServiceBrowserPrepare + Start, so no signal is missed; then ResolveService for address, port
// and TXT path=/scheme=). Reads DBUS_SYSTEM_BUS_ADDRESS.
import { openSystemBus, type BusSignal } from '../system/system-bus.ts';
import { isHost } from '../../common/net/host.ts';
import { nothing, type DiscoverySource, type FoundBroker, type SourceFinding } from './discovery-source.ts';
import { serviceUrl, txtKeys } from './service-url.ts';

export const vddServiceType = '_vdd._tcp';
const avahi = 'org.freedesktop.Avahi';
const browserInterface = 'org.freedesktop.Avahi.ServiceBrowser';
const unspecified = -1;
const ipv4 = 0;
const maxServices = 16;
/** Avahi says AllForNow about a second after the last cached answer; services that answer at all do so within this much of the first. */
const graceAfterFirstMs = 150;

type Item = { readonly iface: number; readonly protocol: number; readonly name: string; readonly type: string; readonly domain: string };

export function dnsSdSource(env: Readonly<Record<string, string | undefined>>, callTimeoutMs: number): DiscoverySource {
  return {
    name: 'dns-sd',
    stage: 'network',
    label: 'DNS-SD _vdd._tcp (Avahi)',
    find: (signal) => browse(env, callTimeoutMs, signal),
  };
}

async function browse(env: Readonly<Record<string, string | undefined>>, callTimeoutMs: number, signal: AbortSignal): Promise<SourceFinding> {
  const bus = await openSystemBus(env, callTimeoutMs);
  try {
    const items: Item[] = [];
    let browserPath: string | undefined;
    let settle: (() => void) | undefined;
    let failure: string | undefined;
    const done = new Promise<void>((resolve) => {
      settle = resolve;
    });
    const onAbort = () => settle?.();
    signal.addEventListener('abort', onAbort, { once: true });
    bus.onSignal((message: BusSignal) => {
      if (message.interface !== browserInterface || message.path !== browserPath) return;
      if (message.member === 'ItemNew' && items.length < maxServices) {
        const [iface, protocol, name, type, domain] = message.body as [number, number, string, string, string];
        items.push({ iface, protocol, name, type, domain });
        if (items.length === 1) setTimeout(() => settle?.(), graceAfterFirstMs).unref();
      } else if (message.member === 'AllForNow') settle?.();
      else if (message.member === 'Failure') {
        failure = String(message.body[0]);
        settle?.();
      }
    });
    await bus.addMatch(`type='signal',interface='${browserInterface}'`);
    [browserPath] = (await bus.call({
      destination: avahi,
      path: '/',
      interface: 'org.freedesktop.Avahi.Server2',
      member: 'ServiceBrowserPrepare',
      signature: 'iissu',
      body: [unspecified, ipv4, vddServiceType, '', 0],
    })) as [string];
    await bus.call({ destination: avahi, path: browserPath, interface: browserInterface, member: 'Start' });
    await done;
    signal.removeEventListener('abort', onAbort);
    if (failure !== undefined) throw new Error(`Avahi's service browser failed: ${failure}`);
    const brokers: FoundBroker[] = [];
    const skipped: string[] = [];
    for (const item of [...items].sort((a, b) => a.name.localeCompare(b.name))) {
      if (signal.aborted) break;
      const resolved = (await bus.call({
        destination: avahi,
        path: '/',
        interface: 'org.freedesktop.Avahi.Server',
        member: 'ResolveService',
        signature: 'iisssiu',
        body: [item.iface, item.protocol, item.name, item.type, item.domain, ipv4, 0],
      })) as [number, number, string, string, string, string, number, string, number, Buffer[] | number[][], number];
      const [, , name, , , , , address, port, txt] = resolved;
      const keys = txtKeys(txt.map((entry) => Buffer.from(entry).toString('utf8')));
      const url = isHost(address) ? serviceUrl(address, port, keys) : undefined;
      if (url === undefined) skipped.push(name);
      else if (!brokers.some((broker) => broker.url === url)) brokers.push({ url, via: `DNS-SD "${name.slice(0, 63)}"` });
    }
    await bus.call({ destination: avahi, path: browserPath, interface: browserInterface, member: 'Free' }).catch(() => {});
    const note = skipped.length > 0 ? `; ignored ${skipped.length} with a bad address or TXT` : '';
    if (brokers.length === 0) return nothing(`no ${vddServiceType} service${signal.aborted ? ' before the deadline' : ''}${note}`);
    return { brokers, detail: `${brokers.length} ${vddServiceType} service${brokers.length === 1 ? '' : 's'}${note}` };
  } finally {
    bus.close();
  }
}
