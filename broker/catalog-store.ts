// The catalog the broker serves: loaded from --catalog, reloaded when the file changes (a bad file
// keeps the previous catalog and logs why), with each guest's live state from the probes. Keeps
// the serialised answer and its ETag ready, so a catalog request costs no work.
import { createHash } from 'node:crypto';
import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { Guest, GuestState } from '../common/protocol/broker-protocol.ts';
import { readCatalogFile, type BrokerGuest, type CatalogFile } from './catalog-file.ts';
import type { Log } from './log.ts';

export type ServedCatalog = { readonly body: string; readonly etag: string };

export class CatalogStore {
  private readonly path: string;
  private readonly log: Log;
  private file: CatalogFile;
  /** Guests a hypervisor backend (libvirt) lists, after the file's. */
  private backendGuests: readonly BrokerGuest[] = [];
  /** Live states by guest id, kept across reloads. */
  private readonly states = new Map<string, GuestState>();
  private served: ServedCatalog;
  private watcher: FSWatcher | undefined;
  private reloadTimer: NodeJS.Timeout | undefined;
  private readonly listeners: Array<() => void> = [];

  /** Reads the file once; throws CatalogFileError when it is bad (the broker cannot start without a catalog). */
  constructor(path: string, log: Log) {
    this.path = path;
    this.log = log;
    this.file = readCatalogFile(path);
    this.served = this.render();
  }

  get catalog(): ServedCatalog {
    return this.served;
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
    this.served = this.render();
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
    this.served = this.render();
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
    this.served = this.render();
    this.log(`reloaded ${this.path}: ${this.file.guests.length} guests`);
    for (const listener of this.listeners) listener();
  }

  close(): void {
    clearTimeout(this.reloadTimer);
    this.watcher?.close();
  }

  private render(): ServedCatalog {
    const guests: Guest[] = this.guests.map(({ guest }) => ({ ...guest, state: this.states.get(guest.id) ?? guest.state }));
    const body = JSON.stringify({ ...this.file.catalog, guests });
    return { body, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"` };
  }
}
