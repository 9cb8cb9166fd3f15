// Discovery source: DNS SRV records _vdd._tcp.<domain> for the lease's domain and search list (from
// the file in config key dhcp_file) and /etc/resolv.conf's search list, asked of the lease's DNS
// servers (else the system's). A TXT record of the same name may give path= and scheme=.
import type { SrvRecord } from 'node:dns';
import { Resolver } from 'node:dns/promises';
import { isHostname } from '../../common/net/host.ts';
import { ReadError, readBoundedText } from '../../common/io/read-bounded.ts';
import { readDhcpLease } from './dhcp-lease.ts';
import { nothing, type DiscoverySource, type FoundBroker, type SourceFinding } from './discovery-source.ts';
import { serviceUrl, txtKeys } from './service-url.ts';

const resolvConf = '/etc/resolv.conf';
const maxDomains = 6;
const maxRecords = 8;

/** search and domain names from resolv.conf text. */
export function resolvConfDomains(text: string): string[] {
  const domains: string[] = [];
  for (const line of text.split('\n')) {
    const [keyword, ...names] = line.trim().split(/\s+/);
    if (keyword === 'search' || keyword === 'domain') domains.push(...names.filter(isHostname));
  }
  return domains;
}

function systemDomains(): string[] {
  try {
    return resolvConfDomains(readBoundedText(resolvConf, 64 * 1024));
  } catch (error) {
    if (error instanceof ReadError) return [];
    throw error;
  }
}

export function dnsSrvSource(dhcpFile: string, queryTimeoutMs: number): DiscoverySource {
  return { name: 'dns-srv', stage: 'network', label: 'DNS SRV _vdd._tcp.<domain>', find: (signal) => lookUp(dhcpFile, queryTimeoutMs, signal) };
}

async function lookUp(dhcpFile: string, queryTimeoutMs: number, signal: AbortSignal): Promise<SourceFinding> {
  let lease: ReturnType<typeof readDhcpLease> | undefined;
  try {
    lease = readDhcpLease(dhcpFile);
  } catch {
    lease = undefined; // The DHCP source reports what is wrong with the file.
  }
  const domains = [
    ...new Set([...(lease?.domain ? [lease.domain] : []), ...(lease?.search ?? []), ...systemDomains()].map((name) => name.replace(/\.$/, '').toLowerCase())),
  ].slice(0, maxDomains);
  if (domains.length === 0) return nothing('no search domain (neither in the DHCP lease nor in /etc/resolv.conf)');
  const resolver = new Resolver({ timeout: queryTimeoutMs, tries: 2 });
  if (lease !== undefined && lease.dns.length > 0) resolver.setServers([...lease.dns]);
  const cancel = () => resolver.cancel();
  signal.addEventListener('abort', cancel, { once: true });
  const servers = resolver.getServers().join(' ');
  try {
    const answers = await Promise.all(domains.map((domain) => srvBrokers(resolver, domain)));
    const brokers = answers.flat();
    if (brokers.length === 0) return nothing(`no SRV record _vdd._tcp.{${domains.join(',')}} (asked ${servers || 'no DNS server'})`);
    return { brokers, detail: `SRV records from ${servers}` };
  } finally {
    signal.removeEventListener('abort', cancel);
  }
}

/** The brokers of the SRV records _vdd._tcp.DOMAIN (with the TXT keys of the same name), best first. */
export async function srvBrokers(resolver: Resolver, domain: string): Promise<FoundBroker[]> {
  const name = `_vdd._tcp.${domain}`;
  let records: SrvRecord[];
  try {
    records = await resolver.resolveSrv(name);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENODATA' || code === 'ENOTFOUND') return [];
    throw new Error(`${name}: ${code ?? (error as Error).message}`, { cause: error });
  }
  const txt = await resolver.resolveTxt(name).then(
    (entries) => txtKeys(entries.flat()),
    () => txtKeys([]),
  );
  return records
    .filter((record) => record.name !== '' && record.name !== '.' && isHostname(record.name))
    .sort((a, b) => a.priority - b.priority || b.weight - a.weight)
    .slice(0, maxRecords)
    .flatMap((record) => {
      const url = serviceUrl(record.name, record.port, txt);
      return url === undefined ? [] : [{ url, via: `DNS SRV ${name}` }];
    });
}
