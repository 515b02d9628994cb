/**
 * Names written by Spotify users reach the terminal: control sequences in them are neutralised
 * in the terminal views (npm start's report, npm run query's table) and kept in JSON and CSV.
 */
import { expect } from "chai";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { terminalSafe } from "../lib/query/terminalText";
import { renderRows } from "../lib/query/renderRows";
import { rawSnapshotKey } from "../lib/lake/layout";
import { LocalStore } from "../lib/storage/localStore";
import { transformAll } from "../lib/transform/transformObject";
import { runQueryCli } from "../cli/query";
import { run } from "../cli/main";
import { parseRunArgs } from "../cli/args";
import { editTrack, recordedEntries, recordedSnapshot, TO_FIND_ID } from "./support/snapshots";

const ESC = "\u001b";
/** A window-title OSC, an OSC 8 hyperlink, a clear-screen CSI, an 8-bit CSI and a right-to-left override. */
const HOSTILE_PLAYLIST = `${ESC}]0;owned${ESC}\\Chill ${ESC}]8;;https://evil.example${ESC}\\click${ESC}]8;;${ESC}\\`;
const HOSTILE_SONG = `${ESC}[2J${ESC}[31mRed\u009b0m \u202etxt.exe\u0007`;
/** Any control character a terminal acts on. */
const CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

describe("terminal output of names from the data", () => {
  it("shows every control character as a visible stand-in, and keeps the rest of the text", () => {
    expect(terminalSafe(HOSTILE_SONG)).to.equal("␛[2J␛[31mRed<U+009B>0m <U+202E>txt.exe␇");
    expect(terminalSafe(`a\tb\r\nc\u007f`)).to.equal("a␉b␍\nc␡");
    expect(terminalSafe("米津玄師 · Беларусь · 🎶")).to.equal("米津玄師 · Беларусь · 🎶");
  });

  it("neutralises the table format of query results, and keeps JSON and CSV as the data is", () => {
    const result = { columns: ["song_name"], rows: [{ song_name: HOSTILE_SONG }] };
    const table = renderRows(result, "table");
    expect(table).not.to.match(CONTROL);
    expect(table).to.contain("␛[2J␛[31mRed<U+009B>0m <U+202E>txt.exe␇");
    expect(JSON.parse(renderRows(result, "json"))).to.deep.equal(result.rows);
    expect(renderRows(result, "csv")).to.equal(`song_name\n${HOSTILE_SONG}\n`);
  });

  describe("through the commands", () => {
    let dir: string;
    before(async () => {
      dir = mkdtempSync(path.join(tmpdir(), "escapes-"));
      const [entry] = recordedEntries(TO_FIND_ID);
      const snapshot = recordedSnapshot(TO_FIND_ID, { snapshotDate: "2026-11-21", entries: [editTrack(entry, (t) => (t.name = HOSTILE_SONG))] });
      snapshot.playlist.name = HOSTILE_PLAYLIST;
      const store = new LocalStore(dir);
      await store.put(rawSnapshotKey("2026-11-21", TO_FIND_ID), JSON.stringify(snapshot));
      expect((await transformAll(store)).map((o) => o.status)).to.deep.equal(["transformed"]);
    });
    after(() => rmSync(dir, { recursive: true, force: true }));

    const query = async (args: string[]) => {
      const io = { stdout: "", stderr: "", out: (t: string) => (io.stdout += t), err: (t: string) => (io.stderr += t) };
      expect(await runQueryCli(["--lake", dir, ...args], io)).to.equal(0);
      return io.stdout;
    };

    it("npm run query: the table is neutralised, JSON and CSV carry the names exactly", async () => {
      const sql = "SELECT playlist_name, song_name FROM latest_snapshot";
      expect(await query([sql])).not.to.match(CONTROL);
      expect(JSON.parse(await query(["--format", "json", sql]))).to.deep.equal([{ playlist_name: HOSTILE_PLAYLIST, song_name: HOSTILE_SONG }]);
      expect(await query(["--format", "csv", sql])).to.contain(HOSTILE_SONG);
    });

    it("npm start's report prints the names neutralised", async () => {
      const chunks: string[] = [];
      const write = process.stdout.write;
      process.stdout.write = ((chunk: string) => (chunks.push(chunk), true)) as typeof process.stdout.write;
      let code: number;
      try {
        code = await run(parseRunArgs(["--lake", dir, "--stage", "transform", "--report"]), {}, () => {});
      } finally {
        process.stdout.write = write;
      }
      const text = chunks.join("");
      expect(code, text).to.equal(0);
      expect(text).not.to.match(CONTROL);
      expect(text).to.contain(`"${terminalSafe(HOSTILE_PLAYLIST)}" on 2026-11-21 (1 snapshot day)`);
      expect(text).to.contain("␛[2J␛[31mRed<U+009B>0m");
    });
  });
});
