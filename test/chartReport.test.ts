import { expect } from "chai";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { ownMoves, type Placement } from "../lib/report/ownMoves";
import { loadLatestCharts } from "../lib/report/chartData";
import { openLake, type LakeDb } from "../lib/query/lakeDb";
import { terminalSafe } from "../lib/query/terminalText";
import { chartLines, printChartReport } from "../cli/chartReport";
import { changeLabel } from "../lib/report/changeLabel";
import { buildChartLake } from "./support/chartLake";
import { TO_FIND_ID } from "./support/snapshots";

/** Placements of songs named by letters: yesterday's order and today's. */
function placements(yesterday: string, today: string): (Placement & { song: string })[] {
  return [...today].map((song, i) => ({ song, position: i + 1, previous_position: yesterday.includes(song) ? yesterday.indexOf(song) + 1 : null }));
}
const moved = (yesterday: string, today: string) => ownMoves(placements(yesterday, today)).map((p) => p.song).join("");

describe("own moves and knock-on shifts", () => {
  it("an insertion shifts every song below it by one: none of them moved", () => {
    expect(moved("ABCDE", "ABXCDE")).to.equal("");
    expect(moved("ABCDE", "XABCDE")).to.equal("");
  });
  it("an exit lifts every song below it: none of them moved", () => {
    expect(moved("ABCDE", "ABDE")).to.equal("");
  });
  it("one song climbing past four lists that song alone, not the four it passed", () => {
    expect(moved("ABCDE", "EABCD")).to.equal("E");
  });
  it("one song falling lists that song alone", () => {
    expect(moved("ABCDE", "BCDEA")).to.equal("A");
  });
  it("of two songs that swapped places, lists the one that moved further", () => {
    expect(moved("ABCDE", "ADCBE")).to.have.length(2);
    expect(moved("ABCDEF", "AEBCDF")).to.equal("E");
  });
  it("an entry, an exit and a climb together: only the climb", () => {
    expect(moved("ABCDEFG", "FXABDEG")).to.equal("F");
  });
  it("lists as few songs as possible, and among those the ones that moved most (checked against every subset on random days)", () => {
    let seed = 42;
    const random = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2147483648), seed % n);
    for (let round = 0; round < 300; round++) {
      const n = 1 + random(7);
      const today = [...Array(n).keys()].map((i) => String.fromCharCode(65 + i)).sort(() => random(3) - 1).join("");
      const yesterday = [...today].sort(() => random(3) - 1).filter(() => random(5) > 0).join("");
      const rows = placements(yesterday, today);
      const stayed = rows.filter((r) => r.previous_position !== null);
      // Brute force: the largest set of songs in the same relative order, the one whose songs changed least.
      let best = { size: -1, change: Infinity };
      for (let mask = 0; mask < 1 << stayed.length; mask++) {
        const kept = stayed.filter((_, i) => mask & (1 << i));
        if (!kept.every((r, i) => i === 0 || kept[i - 1].previous_position! < r.previous_position!)) continue;
        const change = kept.reduce((s, r) => s + Math.abs(r.previous_position! - r.position), 0);
        if (kept.length > best.size || (kept.length === best.size && change < best.change)) best = { size: kept.length, change };
      }
      const own = ownMoves(rows);
      const keptChange = stayed.filter((r) => !own.includes(r)).reduce((s, r) => s + Math.abs(r.previous_position! - r.position), 0);
      expect(own.length, `${yesterday} -> ${today}`).to.equal(stayed.length - best.size);
      expect(keptChange, `${yesterday} -> ${today}`).to.equal(best.change);
    }
  });
});

describe("terminal chart report", function () {
  this.timeout(60_000);
  let dir: string;
  let db: LakeDb;
  const NAME = "To find\n\u001b[2JWarning: forged";

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "chart-report-"));
    await buildChartLake(dir, { id: TO_FIND_ID, name: NAME });
    db = await openLake(dir);
  });
  after(() => {
    db?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("prints each playlist's chart with change, NEW/RE, peak and days on; entries, exits, and knock-on shifts counted, not listed", async () => {
    const core = (await loadLatestCharts(db)).find((c) => c.playlistName === "The Core")!;
    const lines = chartLines(core);
    expect(lines[0]).to.equal('"The Core" on 2026-11-05 (4 snapshot days; compared with 2026-11-04)');
    const table = lines[1].split("\n").map((l) => l.split("|").map((c) => c.trim()));
    expect(table[0]).to.deep.equal(["pos", "change", "song", "artists", "peak", "peak_date", "days_on"]);
    expect(table.slice(2, 6).map((r) => [r[0], r[1], r[4], r[5], r[6]])).to.deep.equal([
      ["1", "NEW", "1", "2026-11-05", "1"],
      ["2", "▼1", "1", "2026-11-04", "3"],
      ["3", "▼1", "1", "2026-11-02", "4"],
      ["4", "=", "3", "2026-11-01", "4"],
    ]);
    expect(lines.slice(2)).to.deep.equal([
      "Entered (1):",
      `  NEW at 1: ${core.chart[0].song_name} - ${core.chart[0].artist_names}`,
      "Left (1):",
      `  was 3: ${core.exits[0].song_name} - ${core.exits[0].artist_names}`,
      // D 1->2 and B 2->3 made room for the new number one: shifts, not moves.
      "2 other song(s) only shifted to make room for these changes (not listed as moves).",
    ]);
  });

  it("labels a change as trackers do: NEW, RE, climbed, fell, same place", () => {
    const label = (is_new: boolean, is_reentry: boolean, position_change: number | null) => changeLabel({ is_new, is_reentry, position_change });
    expect([label(true, false, null), label(false, true, null), label(false, false, 3), label(false, false, -2), label(false, false, 0)]).to.deep.equal(["NEW", "RE", "▲3", "▼2", "="]);
  });

  it("a playlist name's line break and escape sequence never reach the terminal as such", async () => {
    const printed: string[] = [];
    await printChartReport(db, dir, (line = "") => printed.push(terminalSafe(line)));
    const text = printed.join("\n");
    expect(text).to.contain('"To find⏎␛[2JWarning: forged" on 2026-11-03 (2 snapshot days; compared with 2026-11-01)');
    expect(text).to.not.contain("\u001b");
    expect(text.split("\n").filter((l) => l.startsWith("Warning"))).to.deep.equal([]);
  });
});
