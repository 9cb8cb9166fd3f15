// The broker's report store, admin status and page under generated reports (whatever the schema
// lets through: hostile text, clocks years off, repeated sessions) and generated report files:
// nothing throws, the store stays within its bounds, every status serialises, and the page never
// carries markup from a report.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { renderSection, sectionNames } from '../../broker/admin/admin-page.ts';
import { buildStatus } from '../../broker/admin/admin-status.ts';
import { ReportFile } from '../../broker/reports/report-file.ts';
import { ReportStore } from '../../broker/reports/report-store.ts';
import { reportSchema, type ClientReport } from '../../common/protocol/broker-protocol.ts';
import { seedGuests } from '../support/admin-seed.ts';
import { fuzzRuns, hostileText } from '../support/fuzz.ts';
import { useTempDir } from '../support/temp-dir.ts';

const markup = fc.constantFrom('<script>alert(1)</script>', '"><img src=x onerror=alert(1)>', "'><svg onload=alert(1)>", '&lt;', '</td></tr>');
const text = (max: number) => fc.oneof(hostileText(max), markup);
const iso = fc.date({ min: new Date(0), max: new Date(4e12), noInvalidDate: true }).map((date) => date.toISOString());
const generatedReport = fc
  .record(
    {
      client: fc.record(
        { mac: fc.constantFrom('52:54:00:00:00:01', '52:54:00:00:00:02', '52:54:00:00:00:03'), hostname: fc.oneof(fc.domain(), fc.constant('')) },
        { requiredKeys: ['mac'] },
      ),
      sentAt: iso,
      image: fc.record({ name: text(40), version: text(40) }, { requiredKeys: ['version'] }),
      update: fc.record(
        {
          state: fc.constantFrom('current', 'available', 'downloading', 'installed', 'on-trial', 'rolled-back', 'failed'),
          version: text(40),
          reason: text(200),
          percent: fc.integer({ min: 0, max: 100 }),
        },
        { requiredKeys: ['state'] },
      ),
      fitness: fc.constantFrom('fit', 'fit-with-limits', 'unfit'),
      hardware: fc.dictionary(fc.stringMatching(/^[A-Za-z][A-Za-z0-9]{0,6}$/), fc.oneof(text(40), fc.double({ noNaN: true }), fc.boolean()), { maxKeys: 5 }),
      sessions: fc.array(
        fc.record(
          {
            guestId: fc.constantFrom('desktop-1', 'desktop-2', 'gone'),
            protocol: fc.constantFrom('xdmcp', 'vnc'),
            startedAt: iso,
            seconds: fc.double({ min: 0, max: 31 * 86_400, noNaN: true }),
            outcome: fc.constantFrom('ended', 'failed', 'dropped'),
            reason: text(100),
            rttMs: fc.double({ min: 0, max: 60_000, noNaN: true }),
            firstFrameMs: fc.double({ min: 0, max: 600_000, noNaN: true }),
          },
          { requiredKeys: ['guestId', 'protocol', 'startedAt', 'seconds', 'outcome'] },
        ),
        { maxLength: 8 },
      ),
    },
    { requiredKeys: ['client'] },
  )
  .map((report) => reportSchema.safeParse(report))
  .filter((parsed) => parsed.success)
  .map((parsed) => parsed.data as ClientReport);

describe('admin status under generated reports', () => {
  const dir = useTempDir();

  it('never throws, stays bounded, serialises, and the page carries no markup from a report', () => {
    const now = Date.parse('2026-11-22T10:00:00Z');
    fc.assert(
      fc.property(fc.array(fc.tuple(generatedReport, fc.integer({ min: -7_200_000, max: 7_200_000 })), { minLength: 1, maxLength: 6 }), (reports) => {
        const store = new ReportStore({ maxPcs: 2, maxSessionsPerPc: 5 });
        for (const [report, offset] of reports) store.ingest(report, '10.0.0.1', now + offset);
        expect(store.pcs.size).toBeLessThanOrEqual(2);
        for (const pc of store.pcs.values()) expect(pc.sessions.length).toBeLessThanOrEqual(5);
        const status = buildStatus({
          broker: { id: 'lab', name: 'Lab' },
          guests: seedGuests().map((guest) => ({ guest, state: guest.state })),
          sessions: [],
          store,
          published: { root: '/srv', problem: undefined, versions: [] },
          reports: { accepted: 0, refused: 0, lastRefusal: undefined },
          now,
        });
        expect(JSON.parse(JSON.stringify(status))).toEqual(status);
        for (const name of sectionNames) {
          const html = renderSection(name, status);
          expect(html).not.toMatch(/<(script|img|svg onload)/i);
        }
      }),
      { numRuns: Math.ceil(fuzzRuns / 5) },
    );
  });

  it('replays any report file: valid lines taken, every other one counted', () => {
    const path = join(dir, 'reports.jsonl');
    const line = fc.oneof(
      generatedReport.map((report) => JSON.stringify({ receivedAt: '2026-11-22T09:00:00Z', from: '10.0.0.1', report })),
      fc.json({ maxDepth: 3 }),
      hostileText(200).map((value) => value.replace(/\n/g, ' ')),
    );
    fc.assert(
      fc.property(fc.array(line, { maxLength: 20 }), (lines) => {
        writeFileSync(path, lines.join('\n'));
        const store = new ReportStore();
        let taken = 0;
        const summary = new ReportFile(path, () => []).replay((entry) => {
          taken++;
          store.ingest(entry.report, entry.from, entry.receivedAt);
        });
        expect(taken + summary.bad).toBe(summary.lines);
        expect(summary.lines).toBe(lines.filter((entry) => entry.trim() !== '').length);
      }),
      { numRuns: Math.ceil(fuzzRuns / 10) },
    );
  });
});
