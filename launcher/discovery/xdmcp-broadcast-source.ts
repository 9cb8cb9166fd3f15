// Discovery source of last resort: an XDMCP BroadcastQuery on every IPv4 network of this PC.
// Display managers that answer Willing become xdmcp guests when no broker exists, as classic X
// terminals offered them.
import { createSocket } from 'node:dgram';
import { networkInterfaces } from 'node:os';
import { guestSchema, type Guest } from '../../common/protocol/broker-protocol.ts';
import { decodeAnswer, encodeQuery, xdmcpPort, XdmcpPacketError } from '../../common/probe/xdmcp-packet.ts';
import { nothing, type DiscoverySource, type SourceFinding } from './discovery-source.ts';

/** How long to collect answers; display managers answer within milliseconds on a LAN. */
const listenMs = 800;
const maxGuests = 64;

/** Broadcast addresses of the PC's IPv4 networks (address | ~netmask). */
export function broadcastAddresses(): string[] {
  const addresses = new Set<string>();
  for (const entries of Object.values(networkInterfaces())) {
    for (const entry of entries ?? []) {
      if (entry.family !== 'IPv4' || entry.internal) continue;
      const address = entry.address.split('.').map(Number);
      const mask = entry.netmask.split('.').map(Number);
      addresses.add(address.map((part, i) => (part | (~(mask[i] ?? 255) & 255)) & 255).join('.'));
    }
  }
  return [...addresses];
}

export function xdmcpBroadcastSource(): DiscoverySource {
  return { name: 'xdmcp', stage: 'fallback', label: 'XDMCP BroadcastQuery', find: (signal) => broadcast(signal) };
}

function broadcast(signal: AbortSignal): Promise<SourceFinding> {
  const targets = broadcastAddresses();
  if (targets.length === 0) return Promise.resolve(nothing('no IPv4 network to broadcast on'));
  const socket = createSocket('udp4');
  const guests = new Map<string, Guest>();
  return new Promise<SourceFinding>((resolve, reject) => {
    const finish = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', finish);
      socket.close();
      const found = [...guests.values()];
      resolve(
        found.length === 0
          ? nothing(`no display manager answered on ${targets.join(', ')}`)
          : { brokers: [], guests: found, detail: `${found.length} willing display manager${found.length === 1 ? '' : 's'}` },
      );
    };
    const timer = setTimeout(finish, listenMs);
    signal.addEventListener('abort', finish, { once: true });
    socket.on('error', (error) => {
      clearTimeout(timer);
      socket.close();
      reject(error);
    });
    socket.on('message', (packet, remote) => {
      if (guests.size >= maxGuests || guests.has(remote.address)) return;
      try {
        const answer = decodeAnswer(packet);
        if (answer.kind !== 'willing') return;
        const parsed = guestSchema.safeParse({
          id: `xdmcp-${remote.address.replace(/[^0-9A-Za-z]/g, '-')}`,
          name: answer.hostname || remote.address,
          os: answer.status.slice(0, 64),
          protocol: 'xdmcp',
          host: remote.address,
          port: xdmcpPort,
          state: 'running',
        });
        if (parsed.success) guests.set(remote.address, parsed.data);
      } catch (error) {
        if (!(error instanceof XdmcpPacketError)) throw error;
      }
    });
    socket.bind(0, () => {
      socket.setBroadcast(true);
      const query = encodeQuery('broadcast-query');
      for (const target of targets) socket.send(query, xdmcpPort, target);
    });
  });
}
