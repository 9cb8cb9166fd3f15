// The /admin/ page's style and script, served by the broker itself (/admin/admin.css,
// /admin/admin.js): the lab may have no internet. The script keeps the page current (server-sent
// events say which sections changed; only those are fetched again), shows times as "3 min ago",
// filters the PC table, and ends sessions. It works without a framework in any current browser;
// without script the page still shows everything as of its load.

export const adminCss = `
:root { color-scheme: light dark; --fg: #1b1f24; --bg: #fff; --muted: #5b6470; --line: #d6dae0; --card: #f4f6f8;
  --ok: #1a7f37; --info: #0b62c4; --bad: #b42318; --warn-bg: #fff4e5; --fair: #9a6700; --focus: #0b62c4; }
@media (prefers-color-scheme: dark) { :root { --fg: #e6e8eb; --bg: #14171a; --muted: #9aa4ae; --line: #333a41; --card: #1d2125;
  --ok: #4ac26b; --info: #5ea8ff; --bad: #ff7b72; --warn-bg: #2b2111; --fair: #d4a72c; --focus: #5ea8ff; } }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.4 system-ui, -apple-system, "Segoe UI", "DejaVu Sans", sans-serif; color: var(--fg); background: var(--bg); }
header { display: flex; flex-wrap: wrap; align-items: baseline; gap: .5rem 1.5rem; padding: .6rem 1rem; border-bottom: 1px solid var(--line); }
header h1 { font-size: 1.25rem; margin: 0; } header h1 small { font-weight: normal; color: var(--muted); }
header nav a { margin-right: .6rem; } .live { margin: 0 0 0 auto; color: var(--muted); display: flex; gap: .8rem; align-items: center; }
.live form { display: inline; }
main { padding: .5rem 1rem 2rem; } section { margin-top: 1.2rem; } h2 { font-size: 1.1rem; margin: 0 0 .4rem; }
a { color: var(--info); } :focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
.skip { position: absolute; left: -999px; } .skip:focus { left: 1rem; top: .5rem; background: var(--bg); padding: .3rem .6rem; z-index: 2; }
.sr { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
.cards { display: flex; flex-wrap: wrap; gap: .6rem; margin-top: .4rem; }
.card { background: var(--card); border-radius: 6px; padding: .5rem .8rem; min-width: 9rem; display: flex; flex-direction: column; }
.card strong { font-size: 1.4rem; } .card span { color: var(--muted); font-size: .85rem; }
.card.warn strong, .bad { color: var(--bad); } .card.good strong, .good { color: var(--ok); } .card.fair strong, .fair { color: var(--fair); }
.card.slow strong, .slow { color: var(--bad); }
.scroll { overflow-x: auto; } table { border-collapse: collapse; width: 100%; font-size: .9rem; }
th, td { text-align: left; padding: .3rem .5rem; border-bottom: 1px solid var(--line); white-space: nowrap; vertical-align: middle; }
thead th { position: sticky; top: 0; background: var(--bg); font-size: .8rem; color: var(--muted); white-space: normal; vertical-align: bottom; }
tbody th { font-weight: 600; } td.num, th.num { text-align: right; } small { color: var(--muted); font-weight: normal; }
div.problems { white-space: normal; max-width: 17rem; color: var(--bad); font-weight: normal; font-size: .85rem; }
tr.warn { background: var(--warn-bg); }
tbody.chunk { content-visibility: auto; contain-intrinsic-size: auto 3400px; }
.badge { display: inline-block; padding: 0 .4rem; border-radius: 9px; font-size: .78rem; border: 1px solid currentColor; }
.badge.ok { color: var(--ok); } .badge.info { color: var(--info); } .badge.bad { color: var(--bad); } .badge.muted { color: var(--muted); }
svg.spark polyline { fill: none; stroke: var(--info); stroke-width: 1.5; } svg.spark circle { fill: var(--info); }
svg rect { fill: var(--info); } svg rect.good { fill: var(--ok); } svg rect.fair { fill: var(--fair); } svg rect.slow { fill: var(--bad); }
svg rect.track { fill: var(--line); }
.tools { display: flex; flex-wrap: wrap; gap: .4rem .8rem; align-items: center; margin-bottom: .4rem; }
input[type=search], input[type=password] { font: inherit; padding: .3rem .5rem; min-width: 16rem; border: 1px solid var(--line); border-radius: 4px; background: var(--bg); color: var(--fg); }
button { font: inherit; padding: .25rem .7rem; border: 1px solid var(--line); border-radius: 4px; background: var(--card); color: var(--fg); cursor: pointer; }
kbd { border: 1px solid var(--line); border-radius: 3px; padding: 0 .3rem; font-size: .8rem; }
.empty, .note { color: var(--muted); } .note { margin: .4rem 0; }
.login { max-width: 28rem; margin: 4rem auto; } .login form { display: flex; flex-direction: column; gap: .6rem; }
@media (max-width: 1100px) { #pc-table .opt { display: none; } }
@media (max-width: 760px) {
  body { font-size: 14px; } .opt { display: none; } .live { margin-left: 0; } header { padding: .5rem; } main { padding: .3rem .5rem 2rem; }
  input[type=search] { min-width: 0; width: 100%; } .card { min-width: 45%; }
}
`;

export const adminScript = `'use strict';
(() => {
  const live = document.getElementById('live');
  const filter = document.getElementById('filter');
  const problemsOnly = document.getElementById('problems-only');
  const shown = document.getElementById('shown');
  const units = [[86400, 'd'], [3600, 'h'], [60, 'min'], [1, 's']];
  const ago = (date) => {
    const seconds = Math.round((Date.now() - date.getTime()) / 1000);
    if (Math.abs(seconds) < 5) return 'just now';
    const [size, unit] = units.find(([size]) => Math.abs(seconds) >= size);
    const amount = Math.floor(Math.abs(seconds) / size);
    return seconds > 0 ? amount + ' ' + unit + ' ago' : 'in ' + amount + ' ' + unit;
  };
  const times = (root) => {
    for (const element of root.querySelectorAll('time[datetime]')) {
      const date = new Date(element.getAttribute('datetime'));
      if (Number.isNaN(date.getTime())) continue;
      element.title = date.toLocaleString();
      element.textContent = ago(date);
    }
  };
  const applyFilter = () => {
    const table = document.getElementById('pc-table');
    if (!table || !filter) return;
    const words = filter.value.toLowerCase().split(/\\s+/).filter(Boolean);
    const only = problemsOnly && problemsOnly.checked;
    let total = 0;
    let visible = 0;
    for (const row of table.tBodies.length ? table.querySelectorAll('tbody tr') : []) {
      total++;
      const text = row.getAttribute('data-search') || '';
      const show = (!only || row.hasAttribute('data-problem')) && words.every((word) => text.includes(word));
      row.hidden = !show;
      if (show) visible++;
    }
    if (shown) shown.textContent = words.length || only ? visible + ' of ' + total + ' PCs shown' : '';
  };
  let fetching = false;
  let wanted = null;
  const refresh = async (hashes) => {
    wanted = hashes;
    if (fetching) return;
    fetching = true;
    try {
      while (wanted) {
        const target = wanted;
        wanted = null;
        const started = Date.now();
        for (const [name, hash] of Object.entries(target.sections)) {
          const holder = document.querySelector('[data-section="' + name + '"]');
          if (!holder || holder.getAttribute('data-hash') === hash) continue;
          const answer = await fetch('/admin/section/' + name, { credentials: 'same-origin', cache: 'no-store' });
          if (answer.status === 401) { location.reload(); return; }
          if (!answer.ok) continue;
          holder.innerHTML = await answer.text();
          holder.setAttribute('data-hash', answer.headers.get('x-section-hash') || hash);
          times(holder);
          if (name === 'pcs') applyFilter();
        }
        if (live) { live.innerHTML = 'updated <time datetime="' + target.generatedAt + '"></time>'; times(live); }
        // A big lab changes every second: fetch again only after a pause that grows with the fetch,
        // so a phone on a slow link is not kept busy downloading the PC table.
        if (wanted) await new Promise((resolve) => setTimeout(resolve, Math.max(2000, 4 * (Date.now() - started))));
      }
    } catch (error) {
      if (live) live.textContent = 'update failed: ' + error.message;
    } finally {
      fetching = false;
    }
  };
  const poll = async () => {
    try {
      const answer = await fetch('/admin/hashes', { credentials: 'same-origin', cache: 'no-store' });
      if (answer.status === 401) { location.reload(); return; }
      if (answer.ok) await refresh(await answer.json());
    } catch {}
    setTimeout(poll, 5000);
  };
  if (window.EventSource) {
    const events = new EventSource('/admin/events');
    events.onmessage = (event) => { try { refresh(JSON.parse(event.data)); } catch {} };
    events.onerror = () => { if (live) live.textContent = 'reconnecting...'; };
  } else {
    poll();
  }
  if (filter) filter.addEventListener('input', applyFilter);
  if (problemsOnly) problemsOnly.addEventListener('change', applyFilter);
  document.addEventListener('keydown', (event) => {
    if (event.key === '/' && filter && document.activeElement !== filter && !(document.activeElement instanceof HTMLInputElement)) {
      event.preventDefault();
      filter.focus();
    }
    if (event.key === 'Escape' && document.activeElement === filter) { filter.value = ''; applyFilter(); }
  });
  document.addEventListener('click', async (event) => {
    const button = event.target instanceof Element ? event.target.closest('button[data-end]') : null;
    if (!button) return;
    if (!confirm('End this session? The person at that PC loses their desktop.')) return;
    button.disabled = true;
    const answer = await fetch('/v1/admin/sessions/' + encodeURIComponent(button.getAttribute('data-end')) + '/end', {
      method: 'POST', credentials: 'same-origin', headers: { 'x-vdd-admin': '1' },
    });
    if (!answer.ok) { button.disabled = false; alert('The session was not ended: ' + (await answer.text())); }
  });
  times(document);
  setInterval(() => times(document), 15000);
})();
`;
