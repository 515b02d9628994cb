/**
 * `npm start`: the whole pipeline on one machine. Extract (Spotify, or the bundled sample
 * through a replay server), transform into the lake, open it with DuckDB as Athena would,
 * and print what landed.
 */
import * as path from "node:path";
import { parseRunArgs, USAGE, UsageError, type RunArgs } from "./args";
import { resolvePlaylists, CONFIG_FILE } from "./playlists";
import { createProgressReporter } from "./progress";
import { LocalStore } from "../lib/storage/localStore";
import { RAW_PREFIX, RAW_SNAPSHOT_PREFIX, TRANSFORMED_PREFIX, todayUtc } from "../lib/lake/layout";
import { snapshotsToTransform } from "../lib/lake/changedSnapshots";
import { compactDays } from "../lib/compact/compactDays";
import { compactMonths, monthsToCompact } from "../lib/compact/compactMonth";
import { staleCompactedDays } from "../lib/compact/staleCompactions";
import { version as packageVersion } from "../package.json";
import { terminalSafe } from "../lib/query/terminalText";
import { assertSampleOnlyLake, LakeHoldsRealDataError } from "../lib/sample/sampleLake";
import { spotifyConfigFromEnv } from "../lib/spotify/config";
import { defaultTokenFile, writeRefreshToken } from "../lib/spotify/tokenFile";
import type { PlaylistOutcome } from "../lib/extract/runExtraction";
import { CatalogCache } from "../lib/extract/catalogCache";
import { cacheSettingsFromEnv } from "../lib/extract/cacheSettings";
import type { ProgressEvent } from "../lib/extract/extractPlaylist";
import { transformAll, type TransformOutcome } from "../lib/transform/transformObject";

// Loaded when a stage needs them, not on every start: the Spotify client (ky), the stand-in
// server and DuckDB take a third of a start-up. `--stage transform` loads no HTTP code, and
// DuckDB only once the tables are written (so its memory does not add to the transform's).
const extraction = () => import("../lib/extract/runExtraction");
const spotifyClient = () => import("../lib/spotify/client");
const sampleRun = () => import("./sampleRun");
const lakeReport = () => import("./chartReport");
const lakeQuery = () => import("../lib/query/lakeDb");
const historyPage = () => import("../lib/report/writePage");

/**
 * Spotify serves a playlist as it is now: a past --date files today's playlist under that date,
 * where it would stand for a day it does not show. Said before anything is fetched.
 */
export function pastDateWarning(args: Pick<RunArgs, "date" | "dateGiven">, now: Date): string | undefined {
  if (!args.dateGiven || args.date >= todayUtc(now)) return undefined;
  return `Warning: --date ${args.date} is in the past, but Spotify returns each playlist as it is today (${todayUtc(now)}): today's playlist will be filed under ${args.date}. Leave --date out to file it under today.`;
}

/** Everything printed passes terminalSafe: names from Spotify users must not drive the terminal. */
const out = (line = "") => process.stdout.write(`${terminalSafe(line)}\n`);

function printExtraction(snapshotDate: string, outcomes: PlaylistOutcome[], verbose: boolean): void {
  if (!verbose) {
    const ok = outcomes.filter((o) => o.ok);
    const entries = ok.reduce((n, o) => n + (o.entries ?? 0), 0);
    out(`  ${snapshotDate}: ${ok.length} of ${outcomes.length} playlist(s) landed, ${entries} entries`);
  }
  for (const o of outcomes) {
    if (o.ok) {
      if (!verbose) continue;
      const calls = Object.entries(o.calls ?? {}).map(([k, v]) => `${k} ${v}`).join(", ");
      const skipped = o.skipped ? Object.entries(o.skipped).filter(([, v]) => v > 0).map(([k, v]) => `${v} ${k}`).join(", ") : "";
      out(`  ${snapshotDate} ${o.playlistId}: ${o.entries ?? "?"} entries -> ${o.key}${skipped ? ` (skipped ${skipped})` : ""}`);
      if (calls) out(`    API calls: ${calls}`);
      if (o.cache) out(`    artists and albums: ${o.cache.reused} from the cache, ${o.cache.fetched_new} new, ${o.cache.refreshed} refreshed${o.cache.rejected ? `, ${o.cache.rejected} stored entr${o.cache.rejected === 1 ? "y" : "ies"} not believed and fetched again` : ""}`);
    } else {
      out(`  ${snapshotDate} ${o.playlistId}: FAILED: ${o.error}`);
    }
  }
}

function printTransform(results: TransformOutcome[], verbose: boolean): void {
  if (!verbose) {
    const done = results.filter((r) => r.status === "transformed").length;
    out(`  ${done} raw snapshot(s) -> tables, ${results.length - done} rejected`);
  }
  for (const r of results) {
    if (r.status === "transformed") {
      for (const c of r.csvCuts ?? []) {
        out(
          `  Note: ${r.rawKey}: in csv_${c.table}, row ${c.row}'s ${c.column} was cut from ${c.fromLength} to ${c.toLength} characters so its CSV line ` +
            `stays readable by DuckDB (2 MiB lines) and Athena; the Parquet table ${c.table} keeps it whole.`,
        );
      }
      if (!verbose) continue;
      const rows = Object.entries(r.rows).map(([t, n]) => `${t} ${n}`).join(", ");
      out(`  ${r.rawKey} -> ${r.keys.length} files (${rows})`);
    } else {
      out(`  ${r.rawKey}: REJECTED: ${r.reason}`);
      out(`    kept in place; a copy and the reason are in ${r.rejectedKey}`);
    }
  }
}

/**
 * Each day the transform wrote (or was asked for) as one file per table (lib/compact), then each
 * finished month among them or not yet compacted as one file per table; prints what it did.
 */
async function compactTransformedDays(store: LocalStore, results: TransformOutcome[], dates: string[] | undefined): Promise<{ compacted: number; failed: number }> {
  const written = results.flatMap((r) => (r.status === "transformed" ? [r.snapshotDate] : []));
  const { days, errors } = await compactDays(store, [...written, ...(dates ?? []), ...staleCompactedDays(store.location)]);
  const compacted = days.filter((d) => d.status === "compacted");
  if (compacted.length > 0) out(`Compacted ${compacted.length} day(s) to one file per table (${compacted.map((d) => `${d.snapshotDate}: ${d.playlists} playlists`).join(", ")})`);
  for (const e of errors) out(`  ${e.message}`);
  const monthly = await compactMonths(store, monthsToCompact(store.location, days.map((d) => d.snapshotDate)));
  const months = monthly.months.filter((m) => m.status === "compacted");
  if (months.length > 0) out(`Compacted ${months.length} finished month(s) to one file per table (${months.map((m) => `${m.month}: ${m.days} days`).join(", ")})`);
  for (const e of monthly.errors) out(`  ${e.message}`);
  return { compacted: compacted.length + months.length, failed: errors.length + monthly.errors.length };
}

async function saveLakeCatalog(lake: string): Promise<string> {
  const { saveCatalog, CATALOG_FILE } = await lakeQuery();
  for (const warning of await saveCatalog(lake)) out(`  Warning: ${warning}`);
  return path.join(lake, CATALOG_FILE);
}

export async function run(args: RunArgs, env: NodeJS.ProcessEnv = process.env, progress: (e: ProgressEvent) => void = createProgressReporter(process.stderr, Date.now, args.verbose)): Promise<number> {
  const store = new LocalStore(args.lake);
  const spotify = spotifyConfigFromEnv(env, defaultTokenFile(env));
  let failed = 0;
  let landed = 0;
  let datesToTransform: string[] | undefined = args.dateGiven || args.stage === "all" ? [args.date] : undefined;

  if (args.stage === "extract" || args.stage === "all") {
    if (!spotify) {
      const sample = await sampleRun();
      // Before anything is printed or written: sample output must never land beside real data, nor before 2008.
      sample.assertSampleDates(args.date);
      await assertSampleOnlyLake(store);
      out("No Spotify credentials (SPOTIFY_CLIENT_ID is not set): running on the bundled SAMPLE DATA,");
      out("two recorded playlists over three days, replayed by a stand-in Spotify API on 127.0.0.1.");
      out('To read your own playlists, see "Run against real Spotify" in README.md.');
      if (args.playlists.length > 0) out(`(--playlist is ignored in sample mode: it needs credentials.)`);
      out();
      out("Extract");
      const days = await sample.runSampleExtraction(store, args.date, progress);
      for (const day of days) {
        printExtraction(day.snapshotDate, day.outcomes, args.verbose);
        failed += day.outcomes.filter((o) => !o.ok).length;
        landed += day.outcomes.filter((o) => o.ok).length;
      }
      datesToTransform = days.map((d) => d.snapshotDate);
    } else {
      const selection = resolvePlaylists(args.playlists, env);
      if (!selection) {
        throw new UsageError(`No playlist to read: pass --playlist ID, set SPOTIFY_PLAYLISTS=id1,id2, or write ${CONFIG_FILE} with {"playlists": ["id"]}.`);
      }
      const [{ SpotifyClient }, { extractPlaylists }] = await Promise.all([spotifyClient(), extraction()]);
      const client = new SpotifyClient(spotify, {
        // Spotify may rotate the refresh token: keep the new one where the next run reads it.
        onRefreshToken: (token, replaced) => writeRefreshToken(defaultTokenFile(env), token, spotify.clientId, replaced),
      });
      if (spotify.notice) out(`Note: ${spotify.notice}`);
      const warning = pastDateWarning(args, new Date());
      if (warning) out(warning);
      out(`Extract ${selection.ids.length} playlist(s) from ${selection.source} as ${client.authMode}, snapshot date ${args.date}`);
      // The same artist and album cache as on AWS, in the local lake (cache/spotify/).
      const cache = new CatalogCache(store, cacheSettingsFromEnv(env));
      const outcomes = await extractPlaylists({ client, store, playlistIds: selection.ids, snapshotDate: args.date, onProgress: progress, cache });
      printExtraction(args.date, outcomes, args.verbose);
      failed += outcomes.filter((o) => !o.ok).length;
      landed += outcomes.filter((o) => o.ok).length;
    }
    if (landed === 0) {
      out();
      out("No playlist was extracted, so there is nothing to transform. Nothing in the lake was changed.");
      return 1;
    }
  }

  if (args.stage === "transform" || args.stage === "all") {
    out();
    out(`Transform ${datesToTransform ? datesToTransform.join(", ") : "what is new in the lake"}`);
    const results: TransformOutcome[] = [];
    const onSkip = (key: string, why: string) => out(`  Warning: skipped ${key}: ${why}; move it out of the lake.`);
    // An unreadable file (EACCES) or a refused write is reported, and the other snapshots still transformed.
    let unread = 0;
    const onError = (key: string, err: Error) => {
      unread++;
      out(`  ${key}: NOT TRANSFORMED: ${err.message}`);
      out(`    the raw file is left as it is; fix the cause (its permissions, a link in the lake) and run --stage transform again.`);
    };
    let upToDate = false;
    if (datesToTransform) {
      for (const snapshotDate of datesToTransform) results.push(...(await transformAll(store, { snapshotDate, onSkip, onError })));
    } else {
      // Without --date: only what is new or changed since its tables were written (lib/lake/changedSnapshots.ts).
      const all = await store.list(RAW_SNAPSHOT_PREFIX);
      const changed = snapshotsToTransform(store.location, all);
      upToDate = all.length > 0 && changed.length === 0;
      if (all.length > 0) out(`  ${changed.length} of ${all.length} raw snapshot(s) new or changed since their tables were written${upToDate ? "; to transform a day again, give it: --date YYYY-MM-DD" : ""}`);
      results.push(...(await transformAll(store, { keys: changed, onSkip, onError })));
    }
    failed += unread;
    if (results.length === 0 && unread === 0 && !upToDate) {
      out(`  no raw snapshots under ${path.join(store.location, RAW_PREFIX)}${args.dateGiven ? ` for ${args.date}` : ""}: run the extract stage first.`);
      return 1;
    }
    printTransform(results, args.verbose);
    failed += results.filter((r) => r.status === "rejected").length;
    const compaction = await compactTransformedDays(store, results, datesToTransform);
    failed += compaction.failed;
    if (compaction.compacted > 0 || args.report) out(`Catalog for your own DuckDB tools: ${await saveLakeCatalog(store.location)}`);
    if (args.report) {
      const db = await (await lakeQuery()).openLake(store.location);
      try {
        const charts = await (await lakeReport()).printChartReport(db, store.location, out, { verbose: args.verbose });
        const { writeHistoryPage, PAGE_FILE_NAME } = await historyPage();
        out(`History page: ${await writeHistoryPage(db, path.join(store.location, PAGE_FILE_NAME), charts)} (open it in a browser; works offline)`);
      } finally {
        db.close();
      }
    } else {
      out();
      out(`Tables are in ${path.join(store.location, TRANSFORMED_PREFIX)}; see them with --report, or query them:`);
      out(`  npm run query -- --lake ${store.location} "SELECT * FROM latest_snapshot LIMIT 20"`);
    }
  }

  if (failed > 0) {
    out();
    out(`${failed} step(s) failed; see the messages above. What succeeded is in the lake.`);
    return 1;
  }
  return 0;
}

async function main(): Promise<void> {
  let code: number;
  try {
    const args = parseRunArgs(process.argv.slice(2));
    if (args.help) {
      out(USAGE);
      return;
    }
    if (args.version) {
      out(`spotify-pipeline ${packageVersion}`);
      return;
    }
    code = await run(args);
  } catch (err) {
    process.stderr.write(`\nError: ${terminalSafe((err as Error).message)}\n`);
    code = err instanceof UsageError || err instanceof LakeHoldsRealDataError ? 2 : 1;
  }
  process.exitCode = code;
}

/** What cli/launch.js calls to run this command with the process's arguments. */
export function runFromCommandLine(): void {
  void main();
}

if (require.main === module) runFromCommandLine();
