// Guests from a libvirt connection (--libvirt URI), through virsh: every domain with VNC graphics
// becomes a vnc guest (title as its name, libosinfo id as its OS), stopped domains are startable
// and started on a session request (one start shared by concurrent requests), consoles get a
// ticket per session. Listed again every --probe-interval.
import { randomBytes } from 'node:crypto';
import type { GuestState } from '../../common/protocol/broker-protocol.ts';
import { guestSchema } from '../../common/protocol/broker-protocol.ts';
import type { BrokerGuest } from '../catalog-file.ts';
import { GuestUnavailableError, type ConsoleEvent, type Endpoint, type Hypervisor } from '../hypervisor.ts';
import type { Log } from '../log.ts';
import { virsh, VirshError } from './virsh.ts';

const maxDomains = 500;

/** A password nobody knows, set when a ticket expires. */
function newUnknownPassword(): string {
  return randomBytes(6).toString('base64url');
}
/** Catalog port of a stopped domain whose VNC port libvirt picks at start; the session answer has the real one. */
const autoportPlaceholder = 5900;

const states: Record<string, GuestState> = {
  running: 'running',
  idle: 'running',
  paused: 'unavailable',
  'in shutdown': 'unavailable',
  'shut off': 'stopped',
  crashed: 'stopped',
  pmsuspended: 'stopped',
};

function attribute(tag: string, name: string): string | undefined {
  return new RegExp(`\\s${name}=['"]([^'"]*)['"]`).exec(tag)?.[1];
}

const unescapeXml = (text: string) =>
  text
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');

/** What the catalog needs from a domain's XML: title, OS and the VNC graphics. */
export function readDomainXml(xml: string): { title?: string; os?: string; vnc?: { port: number; listen?: string } } {
  const title = /<title>([^<]{1,512})<\/title>/.exec(xml)?.[1];
  const osId = /<libosinfo:os\s[^>]*id=['"]([^'"]+)['"]/.exec(xml)?.[1];
  const graphics = /<graphics\s[^>]*type=['"]vnc['"][^>]*>/.exec(xml)?.[0];
  const os = osId?.replace(/^https?:\/\/[^/]+\//, '').replace(/\//g, ' ');
  if (graphics === undefined) return { ...(title ? { title: unescapeXml(title) } : {}), ...(os ? { os } : {}) };
  const port = Number(attribute(graphics, 'port') ?? '-1');
  const listen = attribute(graphics, 'listen');
  return { ...(title ? { title: unescapeXml(title) } : {}), ...(os ? { os } : {}), vnc: { port, ...(listen ? { listen } : {}) } };
}

export class LibvirtBackend implements Hypervisor {
  private readonly uri: string;
  private readonly vncHost: string | undefined;
  private readonly log: Log;
  private readonly names = new Map<string, string>();
  private readonly starts = new Map<string, Promise<Endpoint>>();

  /** vncHost: the address clients reach the domains' VNC at when the XML listens on every address. */
  constructor(uri: string, vncHost: string | undefined, log: Log) {
    this.uri = uri;
    this.vncHost = vncHost;
    this.log = log;
  }

  async guests(): Promise<BrokerGuest[]> {
    const names = (await virsh(this.uri, ['list', '--all', '--name']))
      .split('\n')
      .map((name) => name.trim())
      .filter((name) => name !== '')
      .slice(0, maxDomains);
    const guests: BrokerGuest[] = [];
    this.names.clear();
    for (const name of names) {
      const [xml, state] = await Promise.all([virsh(this.uri, ['dumpxml', name]), virsh(this.uri, ['domstate', name])]);
      const domain = readDomainXml(xml);
      if (domain.vnc === undefined) continue;
      const host = this.hostOf(domain.vnc.listen);
      const parsed = guestSchema.safeParse({
        id: name,
        name: domain.title ?? name,
        os: domain.os ?? 'libvirt domain',
        protocol: 'vnc',
        host,
        port: domain.vnc.port > 0 ? domain.vnc.port : autoportPlaceholder,
        state: states[state.trim()] ?? 'unavailable',
        startable: true,
      });
      if (!parsed.success || host === undefined) {
        this.log(
          `libvirt domain ${name}: not listed (${host === undefined ? 'its VNC listens on every address: give --libvirt-vnc-host' : 'its name is not a valid guest id'})`,
        );
        continue;
      }
      this.names.set(parsed.data.id, name);
      guests.push({ guest: parsed.data, backend: {} });
    }
    return guests;
  }

  owns(id: string): boolean {
    return this.names.has(id);
  }

  ensureRunning(id: string): Promise<Endpoint> {
    const pending = this.starts.get(id);
    if (pending) return pending;
    const start = this.startAndLocate(id).finally(() => this.starts.delete(id));
    this.starts.set(id, start);
    return start;
  }

  private async startAndLocate(id: string): Promise<Endpoint> {
    const name = this.names.get(id);
    if (name === undefined) throw new GuestUnavailableError(`guest ${id} is no longer listed by libvirt`);
    try {
      const state = (await virsh(this.uri, ['domstate', name])).trim();
      if (state !== 'running') await virsh(this.uri, ['start', name]);
      const display = /^vnc:\/\/([^\s/]*):(\d+)\s*$/m.exec(await virsh(this.uri, ['domdisplay', name]));
      const xml = readDomainXml(await virsh(this.uri, ['dumpxml', name]));
      const host = this.hostOf(xml.vnc?.listen);
      if (display?.[2] === undefined || host === undefined) throw new GuestUnavailableError(`guest ${id} has no VNC console libvirt can name`);
      return { host, port: 5900 + Number(display[2]) };
    } catch (error) {
      if (error instanceof GuestUnavailableError) throw error;
      throw new GuestUnavailableError(`guest ${id} could not be started`, error);
    }
  }

  async setConsoleTicket(id: string, password: string, validUntil: Date): Promise<void> {
    await this.updatePassword(id, password, validUntil);
  }

  async expireConsoleTicket(id: string): Promise<void> {
    await this.updatePassword(id, newUnknownPassword(), new Date(0));
  }

  async resetAfterSession(_id: string): Promise<void> {}

  onConsoleEvent(_listener: (event: ConsoleEvent) => void): void {}

  /** update-device --live with the graphics element as it runs plus the password: the XML goes through stdin, never a file. */
  private async updatePassword(id: string, password: string, validUntil: Date): Promise<void> {
    const name = this.names.get(id);
    if (name === undefined) throw new GuestUnavailableError(`guest ${id} is no longer listed by libvirt`);
    try {
      const graphics = readDomainXml(await virsh(this.uri, ['dumpxml', name])).vnc;
      if (graphics === undefined) throw new GuestUnavailableError(`guest ${id} has no VNC console`);
      const listen = graphics.listen === undefined ? '' : ` listen='${graphics.listen}'`;
      const until = validUntil.toISOString().slice(0, 19);
      const element = `<graphics type='vnc' port='${graphics.port}'${listen} passwd='${password}' passwdValidTo='${until}'/>`;
      await virsh(this.uri, ['update-device', name, '/dev/stdin', '--live'], { input: element });
    } catch (error) {
      if (error instanceof GuestUnavailableError) throw error;
      throw new GuestUnavailableError(`the console of guest ${id} could not be given a password`, error instanceof VirshError ? error : undefined);
    }
  }
  private hostOf(listen: string | undefined): string | undefined {
    if (listen !== undefined && listen !== '0.0.0.0' && listen !== '::' && listen !== '') return listen;
    return this.vncHost;
  }
}
