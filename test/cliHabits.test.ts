/** The command-line habits users expect: a bin entry that pipes cleanly, --version, .env, status, and the past --date warning. */
import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { runStatusCli } from "../cli/status";
import { pastDateWarning } from "../cli/main";
import { rawSnapshotKey } from "../lib/lake/layout";
import { transformAll } from "../lib/transform/transformObject";
import { buildChartLake } from "./support/chartLake";
import { THE_CORE_ID, TO_FIND_ID } from "./support/snapshots";
import { CLI_CWD } from "./support/cliCwd";

const ROOT = path.resolve(__dirname, "..");
const VERSION = (require("../package.json") as { version: string }).version;

/** Runs a command in CLI_CWD unless told otherwise (npx looks for the project's bin from its folder). */
function run(command: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) {
  const env = { ...process.env, ...opts.env };
  for (const k of Object.keys(env)) if (k.startsWith("SPOTIFY_") && !(opts.env && k in opts.env)) delete env[k];
  const r = spawnSync(command, args, { cwd: opts.cwd ?? CLI_CWD, env, encoding: "utf8", timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("command-line habits", function () {
  this.timeout(180_000);
  let dir: string;
  let lake: string;
  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "cli-habits-"));
    lake = path.join(dir, "lake");
    const built = await buildChartLake(lake);
    // A rejected file, for status to list.
    await built.store.put(rawSnapshotKey("2026-11-05", "0badSnapshot0000000000"), '{"not": "a snapshot"');
    await transformAll(built.store, { snapshotDate: "2026-11-05" });
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("npx spotify-pipeline query --format json prints the JSON alone on stdout (jq-ready)", () => {
    const r = run("npx", ["--offline", "spotify-pipeline", "query", "--lake", lake, "--format", "json", "SELECT playlist_name, count(*) AS songs FROM playlist_chart GROUP BY 1 ORDER BY 1"], { cwd: ROOT });
    expect(r.code, r.stderr).to.equal(0);
    expect(JSON.parse(r.stdout)).to.deep.equal([
      { playlist_name: "The Core", songs: 15 },
      { playlist_name: "To find", songs: 3 },
    ]);
  });

  it("--version, from the bin and from npm start, is package.json's", () => {
    expect(run(process.execPath, [path.join(ROOT, "cli", "bin.js"), "--version"]).stdout).to.equal(`${VERSION}\n`);
    expect(run(process.execPath, [path.join(ROOT, "cli", "launch.js"), "main", "--version"]).stdout).to.equal(`spotify-pipeline ${VERSION}\n`);
    const unknown = run(process.execPath, [path.join(ROOT, "cli", "bin.js"), "strat"]);
    expect(unknown.code).to.equal(2);
    expect(unknown.stderr).to.contain('Unknown command "strat"').and.contain("spotify-pipeline <command>");
  });

  it(".env in the current folder fills in what the environment does not set; the environment wins", () => {
    const here = mkdtempSync(path.join(tmpdir(), "dotenv-"));
    try {
      writeFileSync(path.join(here, ".env"), "# my settings\nSPOTIFY_CLIENT_ID=from-dotenv\nSPOTIFY_CLIENT_SECRET=s3cret\nSPOTIFY_PLAYLISTS=not a playlist from .env\n");
      const args = [path.join(ROOT, "cli", "launch.js"), "main", "--lake", path.join(here, "lake")];
      // Credentials and playlists from .env: the run reads them (and stops at the bad id, before any request).
      const fromFile = run(process.execPath, args, { cwd: here });
      expect(fromFile.code, fromFile.stdout + fromFile.stderr).to.equal(2);
      expect(fromFile.stderr).to.contain('SPOTIFY_PLAYLISTS: Invalid playlist id "not a playlist from .env"');
      // The same variable in the environment: the environment's value is the one used.
      const fromEnv = run(process.execPath, args, { cwd: here, env: { SPOTIFY_PLAYLISTS: "bad id from the environment" } });
      expect(fromEnv.stderr).to.contain('SPOTIFY_PLAYLISTS: Invalid playlist id "bad id from the environment"');
    } finally {
      rmSync(here, { recursive: true, force: true });
    }
  });

  it("status: playlists with their names, days, gaps, the last run and the rejected files", async () => {
    let text = "";
    const io = { out: (t: string) => (text += t), err: (t: string) => (text += t) };
    expect(await runStatusCli(["--lake", lake], io)).to.equal(0);
    const table = text.split("\n").filter((l) => l.includes(" | ")).map((l) => l.split("|").map((c) => c.trim()));
    expect(table).to.deep.equal([
      ["playlist_id", "name", "days", "first", "last", "gaps"],
      ["0badSnapshot0000000000", "(unreadable)", "1", "2026-11-05", "2026-11-05", "none"],
      [TO_FIND_ID, "To find", "2", "2026-11-01", "2026-11-03", "1: 2026-11-02"],
      [THE_CORE_ID, "The Core", "4", "2026-11-01", "2026-11-05", "1: 2026-11-03"],
    ]);
    expect(text).to.match(/Last run: \d{4}-\d\d-\d\dT[\d:.]+Z \(wrote raw_data\/snapshot_date=2026-11-05\//);
    expect(text).to.contain("Rejected files: 1\n  raw_data/rejected/snapshot_date=2026-11-05/playlist_id=0badSnapshot0000000000.json: not JSON");
    let json = "";
    expect(await runStatusCli(["--lake", lake, "--format", "json"], { out: (t) => (json += t), err: () => undefined })).to.equal(0);
    expect(JSON.parse(json).playlists.find((p: { playlistId: string }) => p.playlistId === THE_CORE_ID)).to.deep.include({ days: 4, gaps: ["2026-11-03"] });
  });

  it("warns when a past --date is used with real credentials: today's playlist is filed under that date", () => {
    const now = new Date("2026-11-20T10:00:00Z");
    expect(pastDateWarning({ date: "2026-11-19", dateGiven: true }, now)).to.equal(
      "Warning: --date 2026-11-19 is in the past, but Spotify returns each playlist as it is today (2026-11-20): today's playlist will be filed under 2026-11-19. Leave --date out to file it under today.",
    );
    expect(pastDateWarning({ date: "2026-11-20", dateGiven: true }, now)).to.equal(undefined);
    expect(pastDateWarning({ date: "2026-11-19", dateGiven: false }, now)).to.equal(undefined);
  });
});
