// The catalog the broker serves: loaded from --catalog, reloaded when the file changes (a bad file
// keeps the previous catalog and logs why), with each file guest's live state from the probes and
// the guests of a hypervisor backend (libvirt) after them, with the state the backend reports.
// Pools stand as one menu entry (sessions/menu-entries.ts), with their use from the leases.
// Keeps each serialised form with its ETag until something changes, so a catalog request costs no
// work: protocol 1.2 (with each entry's use) and 1.1 for clients that say they read them, and 1.0
// (no guests without an address, no reasons, no use) for older clients.
import { createHash } from 'node:crypto';
import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { Guest, GuestState, GuestUse } from '../common/protocol/broker-protocol.ts';
import { readCatalogFile, type BrokerGuest, type CatalogFile, type FileGuest } from './catalog-file.ts';
import type { Log } from './log.ts';
import { menuEntries, type MenuEntry } from './sessions/menu-entries.ts';

export type ServedCatalog = { readonly body: string; readonly etag: string };

export class CatalogStore {
  private readonly path: string;
  private readonly log: Log;
  private file: CatalogFile;
  /** Guests a hypervisor backend (libvirt) lists, after the file's; a file guest of the same id wins. */
  private backendGuests: readonly BrokerGuest[] = [];
  /** Probed states of the file's guests, kept across reloads. */
  private readonly states = new Map<string, GuestState>();
  /** The serialised forms by protocol minor version (0, 1, 2), rendered when first asked for. */
  private readonly served = new Map<number, ServedCatalog>();
  private entryList: readonly MenuEntry[] | undefined;
  private useOf: (entry: MenuEntry) => GuestUse | undefined = () => undefined;
  private watcher: FSWatcher | undefined;
  private reloadTimer: NodeJS.Timeout | undefined;
  private readonly listeners: Array<() => void> = [];
  private shadowed = '';

  /** Reads the file once; throws CatalogFileError when it is bad (the broker cannot start without a catalog). */
  constructor(path: string, log: Log) {
    this.path = path;
    this.log = log;
    this.file = readCatalogFile(path);
  }

  /** The catalog for a client that reads protocol 1.minor (0, 1 or 2; 2 and later get the use). */
  catalog(minor = 2): ServedCatalog {
    const form = Math.max(0, Math.min(2, minor));
    const served = this.served.get(form) ?? this.render(form);
    this.served.set(form, served);
    return served;
  }

  /** The menu's entries: guests, and pools standing for their desktops. */
  get entries(): readonly MenuEntry[] {
    this.entryList ??= menuEntries(this.guests, (id) => this.stateOf(id) ?? 'unavailable');
    return this.entryList;
  }

  findEntry(id: string): MenuEntry | undefined {
    return this.entries.find((entry) => entry.guest.id === id);
  }

  /** Where the served catalog's use of each entry comes from (the lease book). */
  describeUse(useOf: (entry: MenuEntry) => GuestUse | undefined): void {
    this.useOf = useOf;
    this.changed();
  }

  /** Something the served catalog shows changed (a lease began or ended): render it again when next asked. */
  changed(): void {
    this.served.clear();
  }

  private changedEntries(): void {
    this.entryList = undefined;
    this.served.clear();
  }

  get guests(): readonly BrokerGuest[] {
    const ids = new Set(this.file.guests.map((entry) => entry.guest.id));
    return [...this.file.guests, ...this.backendGuests.filter((entry) => !ids.has(entry.guest.id))];
  }

  /** The file's guests: the ones the probes keep current. */
  get fileGuests(): readonly FileGuest[] {
    return this.file.guests;
  }

  find(id: string): BrokerGuest | undefined {
    return this.guests.find((entry) => entry.guest.id === id);
  }

  /** Replaces the backend's guests (with the states it reports). */
  setBackendGuests(guests: readonly BrokerGuest[]): void {
    this.backendGuests = guests;
    this.reportShadowed();
    this.changedEntries();
  }

  /** The guest's live state: probed for a file guest, as its backend reports it otherwise. */
  stateOf(id: string): GuestState | undefined {
    return this.states.get(id) ?? this.find(id)?.guest.state;
  }

  /** Calls listener after every successful reload. */
  onReload(listener: () => void): void {
    this.listeners.push(listener);
  }

  /** Sets a file guest's probed state. */
  setState(id: string, state: GuestState): void {
    if (this.states.get(id) === state || !this.file.guests.some((entry) => entry.guest.id === id)) return;
    this.states.set(id, state);
    this.changedEntries();
  }

  /** Watches the file's directory: editors and config tools replace files by rename. */
  watch(): void {
    this.watcher = watch(dirname(this.path), (_event, name) => {
      if (name !== null && name !== basename(this.path)) return;
      clearTimeout(this.reloadTimer);
      this.reloadTimer = setTimeout(() => this.reload(), 100);
    });
    this.watcher.on('error', (error) => this.log(`stopped watching ${this.path}: ${error.message}`));
  }

  reload(): void {
    try {
      this.file = readCatalogFile(this.path);
    } catch (error) {
      this.log(`keeping the previous catalog: ${(error as Error).message}`);
      return;
    }
    const ids = new Set(this.file.guests.map((entry) => entry.guest.id));
    for (const id of this.states.keys()) if (!ids.has(id)) this.states.delete(id);
    this.reportShadowed();
    this.changedEntries();
    this.log(`reloaded ${this.path}: ${this.file.guests.length} guests`);
    for (const listener of this.listeners) listener();
  }

  close(): void {
    clearTimeout(this.reloadTimer);
    this.watcher?.close();
  }

  /** Backend guests hidden by a file guest of the same id: said once, and again when the list changes. */
  private reportShadowed(): void {
    const ids = new Set(this.file.guests.map((entry) => entry.guest.id));
    const shadowed = this.backendGuests
      .filter((entry) => ids.has(entry.guest.id))
      .map((entry) => entry.guest.id)
      .join(', ');
    if (shadowed !== this.shadowed && shadowed !== '') this.log(`the catalog file's guests hide libvirt guests of the same id: ${shadowed}`);
    this.shadowed = shadowed;
  }

  private render(minor: number): ServedCatalog {
    const guests: Guest[] = this.entries.map((entry) => {
      const use = minor >= 2 ? this.useOf(entry) : undefined;
      return use === undefined ? entry.guest : { ...entry.guest, use };
    });
    if (minor >= 1) return serve({ ...this.file.catalog, guests });
    // Protocol 1.0 clients read every guest as having an address and know no reasons.
    const compatible = guests.filter((guest) => guest.host !== undefined && guest.port !== undefined).map(({ reason: _reason, ...guest }) => guest);
    return serve({ ...this.file.catalog, guests: compatible });
  }
}

function serve(catalog: unknown): ServedCatalog {
  const body = JSON.stringify(catalog);
  return { body, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"` };
}
