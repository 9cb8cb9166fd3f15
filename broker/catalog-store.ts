// The catalog the broker serves: loaded from --catalog, reloaded when the file changes (a bad file
// keeps the previous catalog and logs why), with each guest's live state from the probes and its
// use from the leases. Pools stand as one entry (sessions/menu-entries.ts). Keeps the serialised
// answer and its ETag until something changes, so a catalog request costs no work.
import { createHash } from 'node:crypto';
import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { Guest, GuestState, GuestUse } from '../common/protocol/broker-protocol.ts';
import { readCatalogFile, type BrokerGuest, type CatalogFile } from './catalog-file.ts';
import type { Log } from './log.ts';
import { menuEntries, type MenuEntry } from './sessions/menu-entries.ts';

export type ServedCatalog = { readonly body: string; readonly etag: string };

export class CatalogStore {
  private readonly path: string;
  private readonly log: Log;
  private file: CatalogFile;
  /** Guests a hypervisor backend (libvirt) lists, after the file's. */
  private backendGuests: readonly BrokerGuest[] = [];
  /** Live states by guest id, kept across reloads. */
  private readonly states = new Map<string, GuestState>();
  private rendered: { readonly plain: ServedCatalog; readonly withUse: ServedCatalog } | undefined;
  private entryList: readonly MenuEntry[] | undefined;
  private useOf: (entry: MenuEntry) => GuestUse | undefined = () => undefined;
  private watcher: FSWatcher | undefined;
  private reloadTimer: NodeJS.Timeout | undefined;
  private readonly listeners: Array<() => void> = [];

  /** Reads the file once; throws CatalogFileError when it is bad (the broker cannot start without a catalog). */
  constructor(path: string, log: Log) {
    this.path = path;
    this.log = log;
    this.file = readCatalogFile(path);
  }

  /** The catalog as served: with each entry's use for clients that know leases, without for older ones. */
  served(withUse: boolean): ServedCatalog {
    this.rendered ??= { plain: this.render(false), withUse: this.render(true) };
    return withUse ? this.rendered.withUse : this.rendered.plain;
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
    this.rendered = undefined;
  }

  private changedEntries(): void {
    this.entryList = undefined;
    this.rendered = undefined;
  }

  get guests(): readonly BrokerGuest[] {
    const ids = new Set(this.file.guests.map((entry) => entry.guest.id));
    return [...this.file.guests, ...this.backendGuests.filter((entry) => !ids.has(entry.guest.id))];
  }

  find(id: string): BrokerGuest | undefined {
    return this.guests.find((entry) => entry.guest.id === id);
  }

  /** Replaces the backend's guests; a domain the backend reports stopped forgets its probed state. */
  setBackendGuests(guests: readonly BrokerGuest[]): void {
    for (const { guest } of guests) if (guest.state === 'stopped' || this.stateOf(guest.id) === 'stopped') this.states.delete(guest.id);
    this.backendGuests = guests;
    this.changedEntries();
  }

  /** The guest's live state (from the probes), or its state in the file. */
  stateOf(id: string): GuestState | undefined {
    return this.states.get(id) ?? this.find(id)?.guest.state;
  }

  /** Calls listener after every successful reload. */
  onReload(listener: () => void): void {
    this.listeners.push(listener);
  }

  setState(id: string, state: GuestState): void {
    if (this.states.get(id) === state) return;
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
    const ids = new Set(this.guests.map((entry) => entry.guest.id));
    for (const id of this.states.keys()) if (!ids.has(id)) this.states.delete(id);
    this.changedEntries();
    this.log(`reloaded ${this.path}: ${this.file.guests.length} guests`);
    for (const listener of this.listeners) listener();
  }

  close(): void {
    clearTimeout(this.reloadTimer);
    this.watcher?.close();
  }

  private render(withUse: boolean): ServedCatalog {
    const guests: Guest[] = this.entries.map((entry) => {
      const use = withUse ? this.useOf(entry) : undefined;
      return use === undefined ? entry.guest : { ...entry.guest, use };
    });
    const body = JSON.stringify({ ...this.file.catalog, guests });
    return { body, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"` };
  }
}
