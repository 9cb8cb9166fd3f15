// The /admin/ page as server-rendered HTML from the admin status: a header with the totals, then
// sessions, guests, versions and PCs, each a section the page's script replaces when the server
// says it changed (admin-events.ts). Every string from a report, the catalog or the disk is
// escaped here. No external assets: the style and script come from the broker itself.
import type { AdminStatus, PcStatus, Qoe } from './admin-status.ts';

export const sectionNames = ['summary', 'sessions', 'guests', 'versions', 'pcs'] as const;
export type SectionName = (typeof sectionNames)[number];

/** Rows per tbody of the PC table: the browser lays out only the chunks on screen. */
const rowsPerChunk = 100;

const entities: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => entities[character] ?? character);
}

function time(iso: string): string {
  return `<time datetime="${escapeHtml(iso)}">${escapeHtml(iso.slice(0, 16).replace('T', ' '))} UTC</time>`;
}

function ms(value: number | null): string {
  if (value === null) return '–';
  return value >= 10_000 ? `${(value / 1000).toFixed(0)} s` : value >= 1000 ? `${(value / 1000).toFixed(1)} s` : `${Math.round(value)} ms`;
}

/** good under a second, fair under three, slow beyond. */
function speedClass(value: number | null): string {
  if (value === null) return '';
  return value < 1000 ? 'good' : value < 3000 ? 'fair' : 'slow';
}

function badge(text: string, kind: string): string {
  return `<span class="badge ${kind}">${escapeHtml(text)}</span>`;
}

/** A bar for the median first frame (full width: 5 s) and a line through the last sessions' values. */
function sparkline(values: readonly (number | null)[], medianMs: number | null): string {
  const width = 64;
  const height = 16;
  const points = values.map((value, index) => ({ value, index })).filter((point): point is { value: number; index: number } => point.value !== null);
  const bar =
    medianMs === null
      ? ''
      : `<rect class="${speedClass(medianMs)}" x="0" y="${height - 3}" width="${Math.max(1, Math.min(width, Math.round((medianMs / 5000) * width)))}" height="3"/>`;
  if (points.length === 0 && bar === '') return '';
  const top = Math.max(1000, ...points.map((point) => point.value));
  const step = values.length > 1 ? width / (values.length - 1) : 0;
  const line =
    points.length > 1
      ? `<polyline points="${points.map((point) => `${(point.index * step).toFixed(1)},${(height - 4 - (point.value / top) * (height - 5)).toFixed(1)}`).join(' ')}"/>`
      : points.length === 1
        ? `<circle cx="${((points[0]?.index ?? 0) * step).toFixed(1)}" cy="${(height - 4 - ((points[0]?.value ?? 0) / top) * (height - 5)).toFixed(1)}" r="1.5"/>`
        : '';
  const label = `Enter to first frame of the last ${points.length} sessions: ${points.map((point) => ms(point.value)).join(', ')}`;
  return `<svg class="spark" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeHtml(label)}">${line}${bar}</svg>`;
}

function qoeCells(qoe: Qoe): string {
  return `<td class="num">${qoe.sessions}${qoe.failed > 0 ? ` <span class="bad">(${qoe.failed} failed)</span>` : ''}</td><td class="num ${speedClass(qoe.firstFrameMedianMs)}">${ms(qoe.firstFrameMedianMs)}</td><td class="num ${speedClass(qoe.firstFrameWorstMs)}">${ms(qoe.firstFrameWorstMs)}</td><td class="num opt">${ms(qoe.rttMedianMs)}</td>`;
}

function summary(status: AdminStatus): string {
  const { totals } = status;
  const card = (value: string, label: string, kind = '') => `<div class="card ${kind}"><strong>${value}</strong><span>${escapeHtml(label)}</span></div>`;
  const refusal = status.reports.lastRefusal;
  return `<div class="cards">${card(`${totals.guestsRunning}/${totals.guests}`, 'guests running')}${card(String(totals.sessions), 'sessions now')}${card(`${totals.pcsSeenLastHour}/${totals.pcs}`, 'PCs heard in the last hour')}${card(String(totals.pcsWithProblems), 'PCs need a look', totals.pcsWithProblems > 0 ? 'warn' : '')}${card(ms(totals.firstFrameMedianMs), `median Enter to first frame (${totals.sessionsLastHour} sessions, last hour)`, speedClass(totals.firstFrameMedianMs))}</div>${
    refusal
      ? `<p class="note">${status.reports.refused} reports refused; the last from ${escapeHtml(refusal.from)} (${escapeHtml(refusal.mac)}) ${time(refusal.at)}: ${escapeHtml(refusal.reason)}</p>`
      : ''
  }`;
}

function sessions(status: AdminStatus): string {
  if (status.sessions.length === 0) return '<p class="empty">Nobody is on a desktop now.</p>';
  const rows = status.sessions
    .map(
      (session) =>
        `<tr><td>${escapeHtml(session.guestName ?? session.guestId)} <small>${escapeHtml(session.guestId)}</small></td><td>${escapeHtml(session.hostname ?? session.mac)} <small>${escapeHtml(session.mac)}</small></td><td class="opt">${escapeHtml(session.address)}</td><td>${time(session.since)}</td><td><button type="button" data-end="${escapeHtml(session.id)}">End session</button></td></tr>`,
    )
    .join('');
  return `<div class="scroll"><table><caption class="sr">Who is on which desktop since when</caption><thead><tr><th scope="col">Desktop</th><th scope="col">PC</th><th scope="col" class="opt">Address</th><th scope="col">Since</th><th scope="col"></th></tr></thead><tbody>${rows}</tbody></table></div>`;
}

function guests(status: AdminStatus): string {
  if (status.guests.length === 0) return '<p class="empty">The catalog lists no guests.</p>';
  const rows = status.guests
    .map(
      (guest) =>
        `<tr><td>${escapeHtml(guest.name)} <small>${escapeHtml(guest.id)}</small></td><td class="opt">${escapeHtml(guest.os)}</td><td class="opt">${guest.protocol}</td><td>${badge(guest.state, guest.state === 'running' ? 'ok' : guest.state === 'starting' ? 'info' : guest.state === 'stopped' ? 'muted' : 'bad')}</td><td class="num">${guest.inUse}${guest.seats === null ? '' : ` of ${guest.seats}`}${guest.pool === null ? '' : ` <small>pool ${escapeHtml(guest.pool)}</small>`}</td>${qoeCells(guest.qoe)}</tr>`,
    )
    .join('');
  const pools = status.pools.map((pool) => `<li>Pool ${escapeHtml(pool.id)}: ${pool.inUse} of ${pool.desktops} desktops in use</li>`).join('');
  return `${pools === '' ? '' : `<ul class="pools">${pools}</ul>`}<div class="scroll"><table><caption class="sr">Guests, their state, and the QoE of their sessions in the last hour</caption><thead><tr><th scope="col">Guest</th><th scope="col" class="opt">OS</th><th scope="col" class="opt">Protocol</th><th scope="col">State</th><th scope="col" class="num">In use</th><th scope="col" class="num">Sessions (1 h)</th><th scope="col" class="num">First frame median</th><th scope="col" class="num">worst</th><th scope="col" class="num opt">Round trip</th></tr></thead><tbody>${rows}</tbody></table></div>`;
}

function versions(status: AdminStatus): string {
  const { versions: listing, totals } = status;
  if (listing.root === null) return '<p class="empty">Start vdd-broker with <code>--published-root DIR</code> to see the published versions here.</p>';
  const share = (pcs: number) =>
    `<svg class="share" width="80" height="8" role="img" aria-label="${pcs} of ${totals.pcs} PCs"><rect class="track" width="80" height="8"/><rect width="${totals.pcs === 0 ? 0 : Math.round((pcs / totals.pcs) * 80)}" height="8"/></svg>`;
  const rows = listing.published
    .map(
      (entry) =>
        `<tr><td>${escapeHtml(entry.version)} ${entry.current ? badge('current', 'ok') : entry.previous ? badge('previous', 'info') : ''}${entry.signed ? '' : ` ${badge('unsigned', 'bad')}`}</td><td class="opt">${entry.created ? time(entry.created) : '?'}</td><td>${time(entry.published)}</td><td class="num">${entry.pcs}</td><td>${share(entry.pcs)}</td></tr>`,
    )
    .concat(
      listing.unpublished.map(
        (entry) =>
          `<tr class="warn"><td>${escapeHtml(entry.version)} ${badge('not published', 'bad')}</td><td class="opt"></td><td></td><td class="num">${entry.pcs}</td><td>${share(entry.pcs)}</td></tr>`,
      ),
    )
    .join('');
  const problem = listing.problem ? `<p class="note">${escapeHtml(listing.root)}: ${escapeHtml(listing.problem)}</p>` : '';
  return `${problem}<div class="scroll"><table><caption class="sr">Published versions and how many PCs run each</caption><thead><tr><th scope="col">Version</th><th scope="col" class="opt">Built</th><th scope="col">Published</th><th scope="col" class="num">PCs</th><th scope="col">Share</th></tr></thead><tbody>${rows}</tbody></table></div>`;
}

function updateCell(pc: PcStatus): string {
  const update = pc.update;
  if (update === null) return '';
  const kind = update.state === 'rolled-back' || update.state === 'failed' ? 'bad' : update.state === 'current' ? 'ok' : 'info';
  const detail = [update.version, update.percent === null ? null : `${update.percent}%`].filter((part) => part !== null).join(' ');
  return `${badge(update.state, kind)}${detail ? ` <small>${escapeHtml(detail)}</small>` : ''}`;
}

/** Each PC's row, made once per PC status (kept while the PC does not change). */
const rows = new WeakMap<PcStatus, string>();

function pcRow(pc: PcStatus): string {
  let row = rows.get(pc);
  if (row === undefined) {
    row = renderPcRow(pc);
    rows.set(pc, row);
  }
  return row;
}

function renderPcRow(pc: PcStatus): string {
  const search = [pc.hostname, pc.mac, pc.address, pc.image?.version, pc.update?.state, pc.fitness, pc.onGuest, ...pc.problems]
    .filter(Boolean)
    .join(' ')
    .toLowerCase();
  const image = pc.image ? `${escapeHtml(pc.image.version)}${pc.image.published === false ? ` ${badge('not published', 'bad')}` : ''}` : '';
  const fitness = pc.fitness === null ? '' : badge(pc.fitness, pc.fitness === 'fit' ? 'ok' : pc.fitness === 'unfit' ? 'bad' : 'info');
  const problems = pc.problems.length > 0 ? `<div class="problems">${pc.problems.map((problem) => escapeHtml(problem)).join('; ')}</div>` : '';
  const update = updateCell(pc);
  return `<tr${pc.problems.length > 0 ? ' class="warn" data-problem=""' : ''} data-search="${escapeHtml(search)}"><th scope="row">${escapeHtml(pc.hostname ?? '?')} <small>${escapeHtml(pc.mac)} ${escapeHtml(pc.address)}</small>${problems}</th><td>${image}${update ? `<br>${update}` : ''}</td><td>${fitness}</td><td>${escapeHtml(pc.onGuest ?? '')}</td><td class="num">${pc.qoe.sessions}</td><td class="num"><span class="${speedClass(pc.qoe.firstFrameMedianMs)}">${ms(pc.qoe.firstFrameMedianMs)} / ${ms(pc.qoe.firstFrameWorstMs)}</span><br>${sparkline(pc.recentFirstFramesMs, pc.qoe.firstFrameMedianMs)}</td><td class="num opt">${ms(pc.qoe.rttMedianMs)}</td><td>${time(pc.lastSeen)}</td></tr>`;
}

function pcs(status: AdminStatus): string {
  if (status.pcs.length === 0) return '<p class="empty">No PC has reported yet.</p>';
  // What needs a look first, then by name.
  const ordered = [...status.pcs.filter((pc) => pc.problems.length > 0), ...status.pcs.filter((pc) => pc.problems.length === 0)];
  const chunks: string[] = [];
  for (let start = 0; start < ordered.length; start += rowsPerChunk)
    chunks.push(
      `<tbody class="chunk">${ordered
        .slice(start, start + rowsPerChunk)
        .map(pcRow)
        .join('')}</tbody>`,
    );
  return `<div class="scroll"><table id="pc-table"><caption class="sr">Every PC that reported, what it runs and how its sessions of the last hour felt</caption><thead><tr><th scope="col">PC <small>MAC, address, what needs a look</small></th><th scope="col">Image, update</th><th scope="col">Fitness</th><th scope="col">On</th><th scope="col" class="num">Sessions (1 h)</th><th scope="col" class="num">First frame median / worst</th><th scope="col" class="num opt">Round trip</th><th scope="col">Last seen</th></tr></thead>${chunks.join('')}</table></div>`;
}

const renderers: Record<SectionName, (status: AdminStatus) => string> = { summary, sessions, guests, versions, pcs };

export function renderSection(name: SectionName, status: AdminStatus): string {
  return renderers[name](status);
}

const headings: Record<Exclude<SectionName, 'summary'>, string> = {
  sessions: 'Sessions',
  guests: 'Guests',
  versions: 'Versions',
  pcs: 'PCs',
};

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)}</title><link rel="stylesheet" href="/admin/admin.css"></head><body>${body}</body></html>`;
}

/** The whole page; sections[name] is each section's HTML and hashes[name] its hash. */
export function renderPage(status: AdminStatus, sections: Readonly<Record<SectionName, string>>, hashes: Readonly<Record<SectionName, string>>): string {
  const section = (name: SectionName, inner: string) => `<div data-section="${name}" data-hash="${hashes[name]}">${inner}</div>`;
  const blocks = (['sessions', 'guests', 'versions', 'pcs'] as const)
    .map((name) => {
      const extra =
        name === 'pcs'
          ? '<div class="tools"><label for="filter">Filter PCs <kbd>/</kbd></label> <input id="filter" type="search" autocomplete="off" placeholder="name, MAC, address, version"> <label><input id="problems-only" type="checkbox"> only those that need a look</label> <span id="shown" aria-live="polite"></span></div>'
          : '';
      return `<section id="${name}" aria-labelledby="${name}-heading"><h2 id="${name}-heading">${headings[name]}</h2>${extra}${section(name, sections[name])}</section>`;
    })
    .join('');
  return page(
    `${status.broker.name}: lab status`,
    `<a class="skip" href="#pcs">Skip to the PCs</a><header><h1>${escapeHtml(status.broker.name)} <small>lab status</small></h1><nav aria-label="Sections"><a href="#sessions">Sessions</a> <a href="#guests">Guests</a> <a href="#versions">Versions</a> <a href="#pcs">PCs</a></nav><p class="live"><span id="live" role="status" aria-live="polite">updated ${time(status.generatedAt)}</span> <form method="post" action="/admin/logout"><button type="submit">Log out</button></form></p></header><main>${section('summary', sections.summary)}${blocks}</main><script src="/admin/admin.js" defer></script>`,
  );
}

/** The login form: what /admin/ answers (401) without the credential. */
export function renderLogin(message: string | undefined): string {
  return page(
    'vdd-broker: admin login',
    `<main class="login"><h1>vdd-broker admin</h1><form method="post" action="/admin/login"><label for="token">Admin token (the first line of the broker's <code>--admin-token-file</code>)</label><input id="token" name="token" type="password" autocomplete="current-password" required autofocus maxlength="512"><button type="submit">Log in</button></form>${
      message ? `<p class="bad" role="alert">${escapeHtml(message)}</p>` : ''
    }</main>`,
  );
}
