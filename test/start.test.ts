/**
 * `npm start` end to end: offline on the bundled sample in a temporary lake (as a child
 * process, exactly as a user runs it), and with credentials against the stand-in.
 */
import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { run } from "../cli/main";
import { parseRunArgs } from "../cli/args";
import { LocalStore } from "../lib/storage/localStore";
import { rawSnapshotKey, rejectedKeys, tableFileKey, FILE_FORMATS, compactedFileKey } from "../lib/lake/layout";
import { TABLE_NAMES } from "../lib/tables/schema";
import { startSpotifyStandIn, type StandIn } from "../lib/standin/spotifyStandIn";
import { loadRecordedData, THE_CORE_ID, TO_FIND_ID } from "../lib/standin/recordedData";
import { sampleDates } from "../lib/sample/sampleDays";
import { parseRawSnapshot } from "../lib/snapshot/rawSnapshot";
import { editTrack, recordedSnapshot as recordedSnapshotOf } from "./support/snapshots";
import type { Json } from "../lib/standin/recordedData";
import { readRefreshToken } from "../lib/spotify/tokenFile";
import { CLI_CWD } from "./support/cliCwd";

const ROOT = path.resolve(__dirname, "..");
/** The environment of a machine with no Spotify credentials at all. */
function offlineEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const k of Object.keys(env)) if (k.startsWith("SPOTIFY_")) delete env[k];
  env.SPOTIFY_TOKEN_FILE = path.join(tmpdir(), "no-such-token-file.json");
  return env;
}

/** Runs a command as npm's scripts do: cli/launch.js builds (if stale) and runs the command's bundle. */
function cli(command: "main" | "query", args: string[], env = offlineEnv()) {
  const r = spawnSync(process.execPath, [path.join(ROOT, "cli", "launch.js"), command, ...args], {
    cwd: CLI_CWD,
    env,
    encoding: "utf8",
    timeout: 120_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

async function hashes(store: LocalStore, prefix: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const key of await store.list(prefix)) out[key] = createHash("sha256").update(await store.get(key)).digest("hex");
  return out;
}

describe("npm start, offline on the bundled sample", function () {
  this.timeout(180_000);
  const date = "2026-03-02";
  let lake: string;
  let first: ReturnType<typeof cli>;
  before(() => {
    lake = mkdtempSync(path.join(tmpdir(), "lake-"));
    first = cli("main", ["--lake", lake, "--date", date]);
  });
  after(() => rmSync(lake, { recursive: true, force: true }));

  it("runs extract, transform and catalog, says it is sample data, and exits 0", () => {
    expect(first.code, first.stderr + first.stdout).to.equal(0);
    expect(first.stdout).to.contain("SAMPLE DATA");
    expect(first.stdout).to.contain('"The Core" on 2026-03-02 (3 snapshot days; compared with 2026-03-01)');
    expect(first.stdout).to.match(/^pos \| change \| song +\| artists +\| peak \| peak_date +\| days_on$/m);
    expect(first.stdout).to.contain("Entered (1):\n  NEW at 70: ");
    expect(first.stdout).to.contain("Left (1):\n  was 20: ");
    expect(first.stdout).to.contain("npm run query");
    // File and API-call lines are for --verbose.
    expect(first.stdout).to.not.contain("API calls");
    expect(first.stdout).to.not.match(/-> \d+ files/);
    expect(first.stdout).to.contain(`History page: ${path.join(lake, "history.html")}`);
    expect(readFileSync(path.join(lake, "history.html"), "utf8")).to.contain("<h2>The Core</h2>");
  });

  it("lands one raw snapshot per playlist per sample day, labelled as sample, and every table file", async () => {
    const store = new LocalStore(lake);
    const dates = sampleDates(date);
    expect(dates).to.deep.equal(["2026-02-28", "2026-03-01", "2026-03-02"]);
    const expected = dates.flatMap((d) => [THE_CORE_ID, TO_FIND_ID].map((id) => rawSnapshotKey(d, id))).sort();
    expect(await store.list("raw_data/")).to.deep.equal(expected);
    const snapshot = parseRawSnapshot(await store.get(rawSnapshotKey(date, THE_CORE_ID)));
    expect(snapshot.extraction.auth_mode).to.equal("sample");
    expect(snapshot.entries).to.have.length(71);
    const tableKeys = dates.flatMap((d) =>
      [THE_CORE_ID, TO_FIND_ID].flatMap((id) => FILE_FORMATS.flatMap((f) => TABLE_NAMES.map((t) => tableFileKey(f, t, d, id)))),
    );
    // Each day of two playlists also as one file per table (compaction, issue 20).
    const compacted = dates.flatMap((d) => FILE_FORMATS.flatMap((f) => TABLE_NAMES.map((t) => compactedFileKey(f, t, d))));
    expect(await store.list("transformed_data/")).to.deep.equal([...tableKeys, ...compacted].sort());
  });

  it("changes nothing when run again for the same date", async () => {
    const store = new LocalStore(lake);
    const before = await hashes(store, "transformed_data/");
    const rawBefore = await store.list("raw_data/");
    const again = cli("main", ["--lake", lake, "--date", date]);
    expect(again.code, again.stderr).to.equal(0);
    expect(await hashes(store, "transformed_data/")).to.deep.equal(before);
    expect(await store.list("raw_data/")).to.deep.equal(rawBefore);
  });

  it("answers `npm run query -- --format json` from the same lake", () => {
    const q = cli("query", ["--lake", lake, "--format", "json", "select count(*) as n from latest_snapshot"]);
    expect(q.code, q.stderr).to.equal(0);
    expect(JSON.parse(q.stdout)).to.deep.equal([{ n: 72 }]);
  });

  it("rejects a bad raw file with its reason, keeps it, transforms the rest, and exits non-zero", async () => {
    const store = new LocalStore(lake);
    const badKey = rawSnapshotKey(date, "0badSnapshot0000000000");
    await store.put(badKey, '{"not": "a snapshot"');
    const r = cli("main", ["--lake", lake, "--date", date, "--stage", "transform"]);
    expect(r.code).to.equal(1);
    expect(r.stdout).to.contain(`${badKey}: REJECTED: not JSON`);
    expect(readFileSync(path.join(lake, badKey), "utf8")).to.equal('{"not": "a snapshot"');
    expect(existsSync(path.join(lake, "raw_data/rejected/snapshot_date=2026-03-02/playlist_id=0badSnapshot0000000000.json.reason.json"))).to.equal(true);
    expect(await store.list("transformed_data/parquet/songs/snapshot_date=2026-03-02/")).to.have.length(2);
    rmSync(path.join(lake, badKey));
  });

  it("reports changes on a later day, and on a lake of one day says there is nothing to compare yet", async () => {
    // One song climbed 27 places: it is the one move listed; the songs it passed only shifted.
    expect(first.stdout).to.match(/Moved \(1\):\n  ▲27 29 -> 2: Hivemind - Acacia Ridge\n/);
    expect(first.stdout).to.match(/\d+ other song\(s\) only shifted to make room for these changes \(not listed as moves\)/);
    const oneDay = mkdtempSync(path.join(tmpdir(), "lake-one-day-"));
    try {
      const [day] = sampleDates(date);
      const key = rawSnapshotKey(day, THE_CORE_ID);
      await new LocalStore(oneDay).put(key, await new LocalStore(lake).get(key));
      const r = cli("main", ["--lake", oneDay, "--stage", "transform", "--report"]);
      expect(r.code, r.stderr).to.equal(0);
      expect(r.stdout).to.contain(`(1 snapshot day)`);
      expect(r.stdout).to.contain("First snapshot of this playlist: every song is NEW; changes show from the next one.");
      expect(r.stdout).to.not.contain("Entered (");
    } finally {
      rmSync(oneDay, { recursive: true, force: true });
    }
  });

  it("--stage transform prints what it wrote and leaves the DuckDB report to --report", () => {
    const r = cli("main", ["--lake", lake, "--date", date, "--stage", "transform"]);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.contain("2 raw snapshot(s) -> tables, 0 rejected");
    expect(r.stdout).to.not.match(/-> 12 files/);
    expect(r.stdout).to.contain("see them with --report, or query them:");
    expect(r.stdout).to.not.contain("pos | change");
    const verbose = cli("main", ["--lake", lake, "--date", date, "--stage", "transform", "--verbose"]);
    expect(verbose.stdout).to.match(/-> 12 files/);
    const noReport = cli("main", ["--lake", lake, "--date", date, "--no-report"]);
    expect(noReport.code, noReport.stderr).to.equal(0);
    expect(noReport.stdout).to.not.contain("pos | change");
    expect(noReport.stdout).to.not.contain("History page");
  });

  for (const [args, message] of [
    [["--stage", "extract", "--report"], "--report needs tables"],
    [["--report", "--no-report"], "--report and --no-report contradict each other"],
  ] as const) {
    it(`refuses ${args.join(" ")} with the usage (exit 2)`, () => {
      const r = cli("main", [...args, "--lake", path.join(lake, "never")]);
      expect(r.code).to.equal(2);
      expect(r.stderr).to.contain(message).and.contain("Usage: npm start --");
      expect(existsSync(path.join(lake, "never"))).to.equal(false);
    });
  }

  it("explains a bad date and exits 2 without touching the lake", () => {
    const r = cli("main", ["--lake", path.join(lake, "other"), "--date", "2026-13-01"]);
    expect(r.code).to.equal(2);
    expect(r.stderr).to.contain('Invalid snapshot date "2026-13-01": use YYYY-MM-DD');
    expect(existsSync(path.join(lake, "other"))).to.equal(false);
  });
});

describe("npm start on bad input", function () {
  this.timeout(120_000);
  let dir: string;
  before(() => (dir = mkdtempSync(path.join(tmpdir(), "refuse-"))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("never writes sample data into a lake that holds real data", async () => {
    const lake = path.join(dir, "real-lake");
    const store = new LocalStore(lake);
    const real = recordedSnapshotOf(THE_CORE_ID, { snapshotDate: "2026-03-02" });
    real.extraction.auth_mode = "refresh_token";
    const key = rawSnapshotKey("2026-03-02", THE_CORE_ID);
    await store.put(key, JSON.stringify(real));
    const before = await hashes(store, "");
    const r = cli("main", ["--lake", lake, "--date", "2026-03-02"]);
    expect(r.code, r.stdout + r.stderr).to.equal(2);
    expect(r.stderr).to.contain(`The lake ${lake} holds real data (${key} was extracted with refresh_token). Sample mode never writes into such a lake`);
    expect(r.stdout).not.to.contain("SAMPLE DATA");
    expect(await hashes(store, "")).to.deep.equal(before);
  });

  it("names a raw snapshot with an integer too big for its column, keeps it, quarantines a copy, transforms the later files, exits 1", async () => {
    const lake = path.join(dir, "int-lake");
    const store = new LocalStore(lake);
    const bad = recordedSnapshotOf(TO_FIND_ID, { snapshotDate: "2026-03-01" });
    bad.entries[0] = editTrack(bad.entries[0] as Json, (t) => (t.duration_ms = 3e9)) as (typeof bad.entries)[number];
    const badKey = rawSnapshotKey("2026-03-01", TO_FIND_ID);
    const badBody = JSON.stringify(bad);
    await store.put(badKey, badBody);
    await store.put(rawSnapshotKey("2026-03-02", TO_FIND_ID), JSON.stringify(recordedSnapshotOf(TO_FIND_ID, { snapshotDate: "2026-03-02" })));
    const r = cli("main", ["--lake", lake, "--stage", "transform", "--verbose"]);
    expect(r.code, r.stdout + r.stderr).to.equal(1);
    expect(r.stdout).to.contain(`${badKey}: REJECTED: a value does not fit its table: Table songs, row 0, column duration_ms: 3000000000 is not an int32`);
    expect(r.stdout).to.contain(`${rawSnapshotKey("2026-03-02", TO_FIND_ID)} -> 12 files`);
    expect(readFileSync(path.join(lake, badKey), "utf8")).to.equal(badBody);
    expect(readFileSync(path.join(lake, rejectedKeys(badKey).copy), "utf8")).to.equal(badBody);
    expect(JSON.parse(readFileSync(path.join(lake, rejectedKeys(badKey).reason), "utf8")).reason).to.match(/column duration_ms: 3000000000/);
    expect(await store.list("transformed_data/parquet/songs/")).to.deep.equal([tableFileKey("parquet", "songs", "2026-03-02", TO_FIND_ID)]);
  });

  for (const [name, args, message] of [
    ["an invalid --playlist", ["--playlist", "not a playlist!"], 'Invalid playlist id "not a playlist!"'],
    ['an empty --lake', ["--lake", ""], "--lake needs a folder"],
    ["a date before Spotify's launch", ["--date", "0000-01-01"], "Snapshot date 0000-01-01 is out of range: use a date from 2008-10-07"],
    ["sample days before Spotify's launch", ["--date", "2008-10-08"], "it would start at 2008-10-06, before Spotify's launch (2008-10-07): use --date 2008-10-09 or later"],
  ] as const) {
    it(`explains ${name} with the usage`, () => {
      const r = cli("main", [...args, ...(name.includes("lake") ? [] : ["--lake", path.join(dir, "never")])]);
      expect(r.code, r.stdout + r.stderr).to.equal(2);
      expect(r.stderr).to.contain(message).and.contain("Usage: npm start --");
      expect(existsSync(path.join(dir, "never"))).to.equal(false);
    });
  }
});

describe("npm start with credentials (against the stand-in on 127.0.0.1)", function () {
  this.timeout(60_000);
  let standIn: StandIn;
  let dir: string;
  const credentials = { clientId: "my-app", clientSecret: "my-secret", refreshToken: "first-refresh-token" };
  beforeEach(async () => {
    standIn = await startSpotifyStandIn({ data: loadRecordedData(), credentials, rotateRefreshToken: true });
    dir = mkdtempSync(path.join(tmpdir(), "start-"));
  });
  afterEach(async () => {
    await standIn.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Runs `npm start`'s run() in process with the given arguments and environment, capturing what it prints. */
  async function runCapturing(argv: string[], environment: NodeJS.ProcessEnv): Promise<{ code: number; text: string }> {
    const lines: string[] = [];
    const write = process.stdout.write;
    process.stdout.write = ((chunk: string) => (lines.push(chunk), true)) as typeof process.stdout.write;
    try {
      const code = await run(parseRunArgs(argv), environment, () => {});
      return { code, text: lines.join("") };
    } finally {
      process.stdout.write = write;
    }
  }

  function env(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
    return {
      SPOTIFY_CLIENT_ID: credentials.clientId,
      SPOTIFY_CLIENT_SECRET: credentials.clientSecret,
      SPOTIFY_API_URL: standIn.apiUrl,
      SPOTIFY_ACCOUNTS_URL: standIn.accountsUrl,
      SPOTIFY_TOKEN_FILE: path.join(dir, "token.json"),
      ...extra,
    };
  }

  it("extracts the playlists from SPOTIFY_PLAYLISTS, keeps the rotated refresh token, and names the one that failed", async () => {
    writeFileSync(path.join(dir, "token.json"), JSON.stringify({ refresh_token: credentials.refreshToken, saved_at: "2026-01-01T00:00:00Z" }));
    const lake = path.join(dir, "lake");
    // The Core is editorial: apps created after Nov 2024 get 404 for it.
    const { code, text } = await runCapturing(["--lake", lake, "--date", "2026-04-01"], env({ SPOTIFY_PLAYLISTS: `${TO_FIND_ID},${THE_CORE_ID}` }));
    expect(code).to.equal(1);
    expect(text).to.contain("as refresh_token");
    expect(text).to.contain("Warning: --date 2026-04-01 is in the past, but Spotify returns each playlist as it is today");
    expect(text).to.match(new RegExp(`${THE_CORE_ID}: FAILED: .*27 Nov(ember)? 2024`));
    const store = new LocalStore(lake);
    expect(await store.list("raw_data/")).to.deep.equal([rawSnapshotKey("2026-04-01", TO_FIND_ID)]);
    expect(await store.list(`transformed_data/parquet/songs/`)).to.deep.equal([tableFileKey("parquet", "songs", "2026-04-01", TO_FIND_ID)]);
    const stored = readRefreshToken(path.join(dir, "token.json"));
    expect(stored).to.not.equal(credentials.refreshToken);
    expect(standIn.refreshTokens()).to.include(stored);
  });

  it("keeps the artist and album cache in the local lake: a second run fetches only the pages", async () => {
    const lake = path.join(dir, "lake");
    const args = ["--lake", lake, "--playlist", TO_FIND_ID, "--stage", "extract", "--verbose"];
    const first = await runCapturing(args, env({ SPOTIFY_REFRESH_TOKEN: credentials.refreshToken }));
    expect(first.code).to.equal(0);
    expect(first.text).to.match(/artists and albums: 0 from the cache, [1-9]\d* new, 0 refreshed/);
    const catalogCalls = () => standIn.requests.filter((r) => r.endpoint === "artist" || r.endpoint === "album").length;
    const before = catalogCalls();
    const second = await runCapturing(args, env({ SPOTIFY_REFRESH_TOKEN: standIn.refreshTokens()[0] }));
    expect(second.code).to.equal(0);
    expect(second.text).to.match(/artists and albums: [1-9]\d* from the cache, 0 new, 0 refreshed/);
    expect(catalogCalls()).to.equal(before);
    expect((await new LocalStore(lake).list("cache/spotify/artists/")).length).to.be.above(0);
  });

  it("stops before the transform when no playlist could be extracted, and leaves the lake as it was", async () => {
    const lake = path.join(dir, "lake");
    const { code, text } = await runCapturing(["--lake", lake, "--playlist", THE_CORE_ID], env({ SPOTIFY_REFRESH_TOKEN: credentials.refreshToken }));
    expect(code).to.equal(1);
    expect(text).to.contain("No playlist was extracted, so there is nothing to transform.");
    expect(existsSync(lake)).to.equal(false);
  });

  it("asks for a playlist when credentials are set but none is given", async () => {
    let error: Error | undefined;
    try {
      await run(parseRunArgs(["--lake", path.join(dir, "lake")]), env({ SPOTIFY_REFRESH_TOKEN: credentials.refreshToken }), () => {});
    } catch (err) {
      error = err as Error;
    }
    expect(error?.message).to.contain("No playlist to read: pass --playlist ID, set SPOTIFY_PLAYLISTS");
    expect(existsSync(path.join(dir, "lake"))).to.equal(false);
  });
});
