import { expect } from "chai";
import { existsSync, mkdtempSync, readFileSync, rmSync, copyFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { openLake, type LakeDb } from "../lib/query/lakeDb";
import { loadHistories, loadLatestCharts, type PlaylistChart, type PlaylistHistory } from "../lib/report/chartData";
import { BUMP_TOP_N, escapeHtml, historyPageHtml, renderPictures, type RenderedPlaylist } from "../lib/report/historyPage";
import { writeHistoryPage } from "../lib/report/writePage";
import { runReportCli } from "../cli/report";
import { buildChartLake, type ChartLake } from "./support/chartLake";
import { THE_CORE_ID, TO_FIND_ID } from "./support/snapshots";
import { CHROMIUM, visitFile } from "./support/headlessChromium";

/** A playlist name that would break out of HTML and of a terminal line if it were not escaped. */
const HOSTILE_NAME = 'To <b>find</b> & "keep"\nWarning: forged';

describe("history page", function () {
  this.timeout(120_000);
  let dir: string;
  let lake: ChartLake;
  let db: LakeDb;
  let charts: PlaylistChart[];
  let histories: Map<string, PlaylistHistory>;
  let rendered: RenderedPlaylist[];
  let html: string;

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "history-page-"));
    lake = await buildChartLake(dir, { id: TO_FIND_ID, name: HOSTILE_NAME });
    db = await openLake(dir);
    charts = await loadLatestCharts(db);
    histories = await loadHistories(db, charts, BUMP_TOP_N);
    rendered = await renderPictures(charts, histories);
    html = historyPageHtml(rendered, histories, "2026-11-05T12:00:00.000Z");
  });
  after(() => {
    db?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("reads each playlist's days, latest chart and exits", () => {
    const core = charts.find((c) => c.playlistId === THE_CORE_ID)!;
    expect(core).to.deep.include({ playlistName: "The Core", days: ["2026-11-01", "2026-11-02", "2026-11-04", "2026-11-05"], latest: "2026-11-05", previous: "2026-11-04" });
    expect(core.chart.map((r) => r.song_id)).to.deep.equal([lake.ids.E, lake.ids.D, lake.ids.B, lake.ids.C]);
    expect(core.exits.map((e) => [e.song_id, e.previous_position])).to.deep.equal([[lake.ids.A, 3]]);
  });

  it("bump chart: every latest top song on every day from its first, null where it was absent (the line breaks)", () => {
    const { A, B, C, D, E } = lake.ids;
    const points = histories.get(THE_CORE_ID)!.positions.map((p) => [p.song_id, p.snapshot_date, p.position]);
    expect(points).to.not.deep.include([A, "2026-11-05", 3]);
    expect(points).to.deep.equal([
      [E, "2026-11-05", 1],
      [D, "2026-11-01", 4], [D, "2026-11-02", null], [D, "2026-11-04", 1], [D, "2026-11-05", 2],
      [B, "2026-11-01", 2], [B, "2026-11-02", 1], [B, "2026-11-04", 2], [B, "2026-11-05", 3],
      [C, "2026-11-01", 3], [C, "2026-11-02", 3], [C, "2026-11-04", 4], [C, "2026-11-05", 4],
    ]);
    const spec = rendered.find((r) => r.chart.playlistId === THE_CORE_ID)!.specs.bump as { data: { values: unknown[] }; encoding: { y: { scale: { reverse: boolean } } } };
    expect(spec.data.values).to.have.length(points.length);
    expect(spec.encoding.y.scale.reverse, "position 1 at the top").to.equal(true);
  });

  it("entries and exits per day, and the share of today's songs that entered within 7, 28 and 90 days", () => {
    expect(histories.get(THE_CORE_ID)!.flow).to.deep.equal([
      { snapshot_date: "2026-11-02", entries: 0, exits: 1 },
      { snapshot_date: "2026-11-04", entries: 1, exits: 0 },
      { snapshot_date: "2026-11-05", entries: 1, exits: 1 },
    ]);
    // Five days of history: no snapshot 7 days before the latest, so no share can be given.
    expect(histories.get(THE_CORE_ID)!.newShares).to.deep.equal([
      { windowDays: 7, since: undefined, share: undefined },
      { windowDays: 28, since: undefined, share: undefined },
      { windowDays: 90, since: undefined, share: undefined },
    ]);
  });

  it("the SVG is Vega's drawing of those specs: axes, one line per song, the legend's song names", () => {
    const core = rendered.find((r) => r.chart.playlistId === THE_CORE_ID)!;
    expect(core.svgs.bump).to.match(/^<svg [^>]*class="marks"/);
    expect(core.svgs.bump).to.include("snapshot date").and.include("position");
    for (const r of core.chart.chart) expect(core.svgs.bump).to.include(`${r.position}. ${escapeHtml(r.song_name)}`);
    // One line mark per song, each labelled with the song (Vega writes the data of a mark into its aria-label).
    const lines = [...core.svgs.bump.matchAll(/<g class="mark-line role-mark[^"]*"[^>]*><path aria-label="[^"]*song_label: ([^"]*)"/g)].map((m) => m[1]);
    expect(lines).to.deep.equal(core.chart.chart.map((r) => `${r.position}. ${escapeHtml(r.song_name)}`));
    expect(core.svgs.flow).to.include("entries").and.include("exits");
    // One bar per day and kind, exits drawn below zero (Vega writes a bar's data into its aria-label).
    const bars = [...core.svgs.flow.matchAll(/aria-label="snapshot_date \(year-month-date\): ([0-9-]+); songs: (−?\d+); kind: (\w+)"/g)].map((m) => `${m[1]} ${m[3]} ${m[2]}`);
    expect(bars).to.deep.equal([
      "2026-11-02 entries 0", "2026-11-02 exits −1", "2026-11-04 entries 1", "2026-11-04 exits 0", "2026-11-05 entries 1", "2026-11-05 exits −1",
    ]);
  });

  it("names each playlist, escaped, with its latest chart table from playlist_chart", () => {
    expect(html).to.include("<h2>The Core</h2>");
    expect(html).to.include(`<h2>${escapeHtml(HOSTILE_NAME)}</h2>`);
    expect(html).to.not.include("<b>find</b>");
    expect(html.match(/<section class="playlist"/g)).to.have.length(2);
    expect(html.match(/<figure class="(bump|flow)"><svg /g)).to.have.length(4);
    const coreTable = /data-playlist-id="[^"]*"[\s\S]*?<h2>The Core<\/h2>[\s\S]*?<table class="chart">([\s\S]*?)<\/table>/.exec(html)![1];
    const cells = [...coreTable.matchAll(/<tr><td class="n">(\d+)<\/td><td class="change">([^<]*)<\/td><td>([^<]*)<\/td>[\s\S]*?<\/tr>/g)].map((m) => [Number(m[1]), m[2]]);
    expect(cells).to.deep.equal([[1, "NEW"], [2, "▼1"], [3, "▼1"], [4, "="]]);
  });

  it("loads nothing from anywhere: no script, link, image source or remote URL, and a CSP that forbids loads", () => {
    expect(html).to.include(`content="default-src 'none'; style-src 'unsafe-inline'; img-src data:"`);
    expect(html).to.not.match(/<script|<link|<img|<iframe|@import|url\(/i);
    const urls = [...html.matchAll(/https?:\/\/[^\s"'<>)]+/g)].map((m) => m[0]);
    // Only XML namespace names, which are never fetched.
    expect(new Set(urls)).to.deep.equal(new Set(["http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"]));
  });

  it("npm run report writes the page where --out says and prints its path; a missing lake is an error with what to do", async () => {
    const out = path.join(dir, "pages", "page.html");
    const io = { outText: "", errText: "", out: (t: string) => (io.outText += t), err: (t: string) => (io.errText += t) };
    expect(await runReportCli(["--lake", dir, "--out", out], io)).to.equal(0);
    expect(io.outText).to.equal(`History page written: ${out}\n`);
    expect(readFileSync(out, "utf8")).to.include("<h2>The Core</h2>");
    const missing = { text: "", out: () => undefined, err: (t: string) => (missing.text += t) };
    expect(await runReportCli(["--lake", path.join(dir, "nope")], missing)).to.equal(1);
    expect(missing.text).to.match(/No lake at .*nope: run `npm start` first/);
  });

  it("in Debian's chromium, headless: both charts of each playlist drawn, no console error, nothing requested", async () => {
    expect(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install -y chromium (.ci/run does)`).to.equal(true);
    const file = await writeHistoryPage(db, path.join(dir, "browser.html"));
    const screenshot = path.join(dir, "browser.png");
    const visit = await visitFile(
      file,
      () =>
        Array.from(document.querySelectorAll("section.playlist")).map((s) => ({
          name: s.querySelector("h2")?.textContent,
          figures: Array.from(s.querySelectorAll("figure")).map((f) => {
            const svg = f.querySelector("svg");
            const box = svg?.getBoundingClientRect();
            return { kind: f.className, width: Math.round(box?.width ?? 0), height: Math.round(box?.height ?? 0), drawn: svg?.querySelectorAll("path").length ?? 0 };
          }),
          tableRows: s.querySelectorAll("table.chart tbody tr").length,
        })),
      screenshot,
    );
    if (process.env.HISTORY_PAGE_SCREENSHOT) copyFileSync(screenshot, process.env.HISTORY_PAGE_SCREENSHOT);
    expect(visit.errors).to.deep.equal([]);
    expect(visit.requests).to.deep.equal([]);
    const sections = visit.found as { name: string; figures: { kind: string; width: number; height: number; drawn: number }[]; tableRows: number }[];
    expect(sections.map((s) => s.name)).to.deep.equal(["The Core", HOSTILE_NAME]);
    expect(sections.map((s) => s.tableRows)).to.deep.equal([4, 2]);
    for (const s of sections) {
      expect(s.figures.map((f) => f.kind)).to.deep.equal(["bump", "flow"]);
      for (const f of s.figures) {
        expect(f.width, `${s.name} ${f.kind}`).to.be.greaterThan(800);
        expect(f.height, `${s.name} ${f.kind}`).to.be.greaterThan(150);
        expect(f.drawn, `${s.name} ${f.kind}`).to.be.greaterThan(3);
      }
    }
    expect(readFileSync(screenshot).subarray(1, 4).toString()).to.equal("PNG");
  });
});
