// The catalog the broker serves: loaded from --catalog, reloaded when the file changes (a bad file
// keeps the previous catalog and logs why), with each file guest's live state from the probes and
// the guests of a hypervisor backend (libvirt) after them, with the state the backend reports.
// Keeps both serialised forms ready with their ETags, so a catalog request costs no work: protocol
// 1.1 for clients that say they read it, and 1.0 (no guests without an address, no reasons) for
// older clients.
import { createHash } from 'node:crypto';
import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { Guest, GuestState } from '../common/protocol/broker-protocol.ts';
import { readCatalogFile, type BrokerGuest, type CatalogFile, type FileGuest } from './catalog-file.ts';
import type { Log } from './log.ts';

export type ServedCatalog = { readonly body: string; readonly etag: string };

export class CatalogStore {
  private readonly path: string;
  private readonly log: Log;
  private file: CatalogFile;
  /** Guests a hypervisor backend (libvirt) lists, after the file's; a file guest of the same id wins. */
  private backendGuests: readonly BrokerGuest[] = [];
  /** Probed states of the file's guests, kept across reloads. */
  private readonly states = new Map<string, GuestState>();
  private served: { readonly current: ServedCatalog; readonly compatible: ServedCatalog };
  private watcher: FSWatcher | undefined;
  private reloadTimer: NodeJS.Timeout | undefined;
  private readonly listeners: Array<() => void> = [];
  private shadowed = '';

  /** Reads the file once; throws CatalogFileError when it is bad (the broker cannot start without a catalog). */
  constructor(path: string, log: Log) {
    this.path = path;
    this.log = log;
    this.file = readCatalogFile(path);
    this.served = this.render();
  }

  /** The catalog for a client that reads protocol 1.1 (minor) or only 1.0. */
  catalog(minor = true): ServedCatalog {
    return minor ? this.served.current : this.served.compatible;
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
    this.served = this.render();
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
    const ids = new Set(this.file.guests.map((entry) => entry.guest.id));
    for (const id of this.states.keys()) if (!ids.has(id)) this.states.delete(id);
    this.reportShadowed();
    this.served = this.render();
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

  private render(): { current: ServedCatalog; compatible: ServedCatalog } {
    const guests: Guest[] = this.guests.map(({ guest }) => ({ ...guest, state: this.states.get(guest.id) ?? guest.state }));
    // Protocol 1.0 clients read every guest as having an address and know no reasons.
    const compatible = guests.filter((guest) => guest.host !== undefined && guest.port !== undefined).map(({ reason: _reason, ...guest }) => guest);
    return { current: serve({ ...this.file.catalog, guests }), compatible: serve({ ...this.file.catalog, guests: compatible }) };
  }
}

function serve(catalog: unknown): ServedCatalog {
  const body = JSON.stringify(catalog);
  return { body, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"` };
}
