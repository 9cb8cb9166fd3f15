// The /admin/ page in Debian's headless chromium against a real vdd-broker with a seeded lab
// (40 PCs in its report file, a published root): it refuses without the credential, logs in,
// shows the seeded PCs, sessions and versions, updates by itself when a session starts and when
// a PC reports, filters from the keyboard, and reads on a phone. VDD_SCREENSHOTS=DIR keeps the
// screenshots (the README's come from VDD_SCREENSHOTS=docs/screenshots).
import { copyFileSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { sendReport } from '../../../launcher/broker-client/client-report.ts';
import { seedHostname, seedLab, seedMac, seedToken } from '../../support/admin-seed.ts';
import { useChildren, waitFor } from '../../support/children.ts';
import { chromiumMissing, useChromium } from '../../support/peers/chromium.ts';
import { startVddBroker } from '../../support/peers/vdd-broker.ts';
import { announceSkip } from '../../support/skip-reason.ts';
import { useTempDir } from '../../support/temp-dir.ts';

const skip = announceSkip('admin page in chromium', chromiumMissing());

function publishedRoot(dir: string): string {
  const root = join(dir, 'published');
  for (const version of ['2026.11.1', '2026.11.2']) {
    mkdirSync(join(root, 'versions', version), { recursive: true });
    writeFileSync(join(root, 'versions', version, 'manifest.json'), '{}');
  }
  symlinkSync('versions/2026.11.2', join(root, 'current'));
  symlinkSync('versions/2026.11.1', join(root, 'previous'));
  return root;
}

describe.skipIf(skip)('the admin page in headless chromium', () => {
  const children = useChildren();
  const dir = useTempDir();
  const browser = useChromium(dir);
  const keep = process.env.VDD_SCREENSHOTS;
  const screenshot = async (page: Page, name: string, fullPage = false) => {
    const path = join(dir, name);
    await page.screenshot({ path, fullPage });
    if (keep) copyFileSync(path, join(keep, name));
  };
  let url = '';
  let page: Page;
  let brokerLog = () => '';

  it('refuses without the credential: a login form, no data, the refusal logged with the address', async () => {
    const lab = seedLab(dir, 40);
    const broker = await startVddBroker(children, lab.catalogFile, {
      extraArgs: ['--probe-interval', '0', '--reports', lab.reportsFile, '--admin-token-file', lab.tokenFile, '--published-root', publishedRoot(dir)],
    });
    url = broker.url;
    brokerLog = () => broker.child.log;
    page = await (await browser()).newPage();
    const answer = await page.goto(`${url}admin/`);
    expect(answer?.status()).toBe(401);
    await expect(page.locator('#token').isVisible()).resolves.toBe(true);
    expect(await page.content()).not.toContain(seedHostname(1));
    await page.fill('#token', 'not-the-token-at-all');
    await page.press('#token', 'Enter');
    await page.waitForSelector('[role=alert]');
    expect(await page.textContent('[role=alert]')).toContain('not the admin token');
    expect(broker.child.log).toMatch(/admin: refused GET \/admin\/ from 127\.0\.0\.1: no credential/);
    expect(broker.child.log).not.toContain('not-the-token-at-all');
    const api = await fetch(`${url}v1/admin/status`);
    expect(api.status).toBe(401);
    expect(api.headers.get('www-authenticate')).toMatch(/^Bearer/);
  });

  it('logs in from the keyboard and shows the seeded PCs, sessions, versions and guests', async () => {
    const seeded = await fetch(`${url}v1/guests/desktop-2/session`, {
      method: 'POST',
      body: JSON.stringify({ client: { mac: '52:54:00:aa:bb:02', hostname: 'seated-pc' } }),
    });
    expect(seeded.status).toBe(200);
    await page.goto(`${url}admin/`);
    await page.focus('#token');
    await page.keyboard.type(seedToken);
    await page.keyboard.press('Enter');
    await page.waitForSelector('#pc-table');
    expect(await page.locator('#pc-table tbody tr').count()).toBe(40);
    const pcs = await page.textContent('#pcs');
    expect(pcs).toContain(seedHostname(5));
    expect(pcs).toContain('rolled-back');
    expect(pcs).toContain('not published');
    const versions = await page.textContent('#versions');
    expect(versions).toMatch(/2026\.11\.2\s*current/);
    expect(versions).toContain('2026.10.9');
    const guests = await page.textContent('#guests');
    expect(guests).toContain('Desktop 1');
    // Desktop 2 (VNC, one seat) is taken.
    expect(await page.textContent('#guests tr:has-text("Desktop 2")')).toMatch(/1 of 1/);
    expect(await page.textContent('#sessions')).toMatch(/Desktop 2[\s\S]*seated-pc/);
    expect(await page.locator('svg.spark').count()).toBeGreaterThan(30);
  });

  it('shows a session as soon as it starts, and a new PC as soon as it reports, without a reload', async () => {
    // Code that runs in the page is given as text: the tests' TypeScript has no DOM types.
    await page.evaluate('window.marker = true');
    const answer = await fetch(`${url}v1/guests/desktop-4/session`, {
      method: 'POST',
      body: JSON.stringify({ client: { mac: '52:54:00:aa:bb:01', hostname: 'new-pc' } }),
    });
    expect(answer.status).toBe(200);
    await waitFor('the new session on the page', async () => (await page.textContent('#sessions'))?.includes('new-pc'));
    expect(await page.textContent('#sessions')).toContain('Desktop 4');
    await sendReport(
      url,
      {
        client: { mac: '52:54:00:aa:bb:01', hostname: 'new-pc' },
        image: { version: '2026.11.2' },
        update: { state: 'downloading', version: '2026.12.1', percent: 40 },
      },
      { timeoutMs: 3000, caFile: join(dir, 'no-ca.pem') },
    );
    await waitFor('the new PC on the page', async () => (await page.textContent('#pc-table'))?.includes('new-pc'));
    expect(await page.locator('#pc-table tbody tr').count()).toBe(41);
    // The same page all along: no reload happened.
    expect(await page.evaluate('window.marker')).toBe(true);
    await screenshot(page, 'admin-page.png');
    await page.evaluate("document.getElementById('pcs').scrollIntoView()");
    await screenshot(page, 'admin-pcs.png');
    await page.evaluate('window.scrollTo(0, 0)');
  });

  it('ends a session from the page: the desktop is free at once', async () => {
    const ask = () =>
      fetch(`${url}v1/guests/desktop-4/session`, { method: 'POST', body: JSON.stringify({ client: { mac: '52:54:00:aa:bb:03', hostname: 'other-pc' } }) });
    expect((await ask()).status).toBe(409);
    page.once('dialog', (dialog) => void dialog.accept());
    await page.click('#sessions tr:has-text("new-pc") button[data-end]');
    await waitFor('the session to go from the page', async () => !(await page.textContent('#sessions'))?.includes('new-pc'));
    expect(await page.textContent('#sessions')).toContain('seated-pc');
    expect(brokerLog()).toMatch(/admin: ended session L\S+ at the request of 127\.0\.0\.1/);
    expect((await ask()).status).toBe(200);
  });

  it('filters the PCs from the keyboard: / focuses the filter, Escape clears it', async () => {
    await page.click('h1');
    await page.keyboard.press('/');
    expect(await page.evaluate('document.activeElement.id')).toBe('filter');
    await page.keyboard.type(seedMac(7));
    await waitFor('the filter', async () => (await page.locator('#pc-table tbody tr:not([hidden])').count()) === 1);
    expect(await page.textContent('#shown')).toBe('1 of 41 PCs shown');
    await page.keyboard.press('Escape');
    await waitFor('the filter to clear', async () => (await page.locator('#pc-table tbody tr:not([hidden])').count()) === 41);
    await page.check('#problems-only');
    const needingALook = await page.locator('#pc-table tbody tr:not([hidden])').count();
    expect(needingALook).toBeGreaterThan(0);
    expect(needingALook).toBeLessThan(41);
    await page.uncheck('#problems-only');
  });

  it('reads on a phone: no page-wide horizontal scrolling', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.reload();
    await page.waitForSelector('#pc-table');
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    await screenshot(page, 'admin-phone.png');
    await page.setViewportSize({ width: 1024, height: 768 });
  });

  it('logs out: the cookie is gone and the page asks for the token again', async () => {
    await page.reload();
    await page.click('text=Log out');
    await page.waitForSelector('#token');
    const answer = await page.goto(`${url}admin/`);
    expect(answer?.status()).toBe(401);
  });
});
