/**
 * The bench sections, in the order `npm run bench` runs them. A section measures one thing,
 * returns the keys it owns in bench/results.json and the lines it prints. Add a section in a
 * file of its own and list it here.
 */
import { snapshotToTables } from "../lib/transform/toTables";
import { parseRawSnapshot } from "../lib/snapshot/rawSnapshot";
import { runDailyBench } from "./daily";
import { runExtractCase, type ExtractResult } from "./extract";
import { fleetLines, runFleetBench } from "./fleet";
import { runLambdaBench } from "./lambda";
import { quotaLines, runQuotaBench } from "./quota";
import { compareParquetWriters } from "./parquetWriters";
import { runQueryBench } from "./query";
import { runFleetLakeBench } from "./fleetLakeBench";
import { benchRawSnapshot } from "./rawSnapshot";
import { runTransformBench } from "./transform";
import { runTransformProcessBench, transformProcessLines } from "./transformProcess";

export interface BenchSection {
  /** The name given on the command line: `npm run bench -- <name>`. */
  name: string;
  /** What the progress line says while it runs. */
  title: string;
  run: () => Promise<{ results: Record<string, unknown>; lines: string[] }>;
}

export const ITEMS = 10_000;
/** Scaled down from Spotify's 30 s window so the run stays short: 200 requests per rolling second. */
const RATE_LIMIT = { requests: 200, windowMs: 1000 };

export const mark = (pass: boolean) => (pass ? "ok" : "MISSED");
export const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(2)} MiB`;

function extractLines(name: string, r: ExtractResult): string[] {
  const t = r.targets;
  const excess = Object.entries(r.excess).map(([k, v]) => `${v} ${k}`).join(", ");
  return [
    `${name}  api_calls ${r.api_calls} vs lower bound ${r.lower_bound_calls}${excess ? ` (+${excess})` : ""}  ${mark(t.api_calls_eq_lower_bound.pass)}`,
    `${name}  http_429 ${r.http_429} (${(t.http_429_share_max_1pct.value * 100).toFixed(2)} % of calls, target <= 1 %)  ${mark(t.http_429_share_max_1pct.pass)}`,
    `${name}  wall ${r.wall_s} s vs rate bound ${r.rate_bound_s} s (${(r.wall_s / r.rate_bound_s).toFixed(3)}x, target <= 1.15x)  ${mark(t.wall_max_1_15x_rate_bound.pass)}`,
  ];
}

export const SECTIONS: BenchSection[] = [
  {
    name: "extract",
    title: "extract: development mode (batch 403, singles) and batch-capable, rate limited",
    run: async () => {
      const extract = await runExtractCase({ items: ITEMS, batchEndpoints: false, rateLimit: RATE_LIMIT, concurrency: 8, knownWindow: true });
      const extractBatch = await runExtractCase({ items: ITEMS, batchEndpoints: true, rateLimit: RATE_LIMIT, concurrency: 8, knownWindow: true });
      return { results: { extract, extract_batch: extractBatch }, lines: [...extractLines("extract       ", extract), ...extractLines("extract_batch ", extractBatch)] };
    },
  },
  {
    name: "daily",
    title: "daily: day 1 on an empty artist/album cache, day 2 unchanged and with 1 % of entries replaced (development mode, default cache settings)",
    run: async () => {
      const daily = await runDailyBench(ITEMS);
      const t = daily.targets;
      return {
        results: { daily },
        lines: [
          `daily          day 1 ${daily.day1_calls} calls; day 2 ${daily.day2_calls} vs lower bound ${daily.day2_lower_bound}  ${mark(t.day2_calls_eq_lower_bound.pass)}`,
          `daily          day 2 is ${(t.day2_max_10pct_of_day1.value * 100).toFixed(1)} % of day 1 (target <= 10 %)  ${mark(t.day2_max_10pct_of_day1.pass)}`,
          `daily          day 2 with 1 % of entries replaced: ${daily.day2_changed_calls} vs lower bound ${daily.day2_changed_lower_bound} (${daily.day2_changed_new_ids} new ids)  ${mark(t.day2_changed_calls_eq_lower_bound.pass)}`,
        ],
      };
    },
  },
  {
    name: "fleet",
    title: "fleet: 200 playlists sharing artists and albums, two at a time, over two days with the cache (development mode, rate limited)",
    run: async () => {
      const fleet = await runFleetBench();
      return { results: { fleet }, lines: fleetLines(fleet, mark) };
    },
  },
  {
    name: "quota",
    title: "quota: one rate limit shared (alone, stray 429s, a neighbour, four clients, a changing limit, no Retry-After)",
    run: async () => {
      const quota = await runQuotaBench();
      return { results: { quota }, lines: quotaLines(quota) };
    },
  },
  {
    name: "transform",
    title: "transform (warm, in process) and the Parquet writers compared",
    run: async () => {
      const transform = await runTransformBench(ITEMS);
      const tables = snapshotToTables(parseRawSnapshot((await benchRawSnapshot(ITEMS)).text));
      const parquetWriters = await compareParquetWriters({ songs: tables.songs, playlist_tracks: tables.playlist_tracks });
      return {
        results: { transform, parquet_writers: parquetWriters },
        lines: [
          `transform      wall ${transform.wall_s} s vs floor ${transform.floor_s} s (${(transform.wall_s / transform.floor_s).toFixed(2)}x, target <= 3x)  ${mark(transform.targets.wall_max_3x_floor.pass)}`,
          `transform      peak RSS ${transform.peak_rss_mb} MB (target <= 256 MB)  ${mark(transform.targets.peak_rss_max_256_mb.pass)}`,
        ],
      };
    },
  },
  {
    name: "transform_process",
    title: "transform as whole processes: npm start --stage transform vs the pandas baseline, peak RSS, handler cold start",
    run: async () => {
      const transformProcess = await runTransformProcessBench(ITEMS);
      return { results: { transform_process: transformProcess }, lines: transformProcessLines(transformProcess, mark) };
    },
  },
  {
    name: "query",
    title: "query: 365-day lake (built once, then cached in bench/out/)",
    run: async () => {
      const query = await runQueryBench(ITEMS, 365);
      const q = query.targets.latest_parquet_max_1_100_of_csv;
      return {
        results: { query },
        lines: [
          `query          latest_snapshot view: Parquet read ${mib(query.parquet_bytes_read)}, CSV ${mib(query.csv_bytes_read)} (ratio 1/${(1 / q.value).toFixed(1)}, target <= 1/100)  ${mark(q.pass)}`,
          `query          latest day as a constant: Parquet ${mib(query.latest_date_constant.parquet.bytes_read)}, CSV ${mib(query.latest_date_constant.csv.bytes_read)}`,
          `query          30-day artist query: Parquet ${mib(query.artist_30_days.parquet.bytes_read)}, CSV ${mib(query.artist_30_days.csv.bytes_read)}`,
        ],
      };
    },
  },
  {
    name: "fleet_lake",
    title: "fleet_lake: 100 playlists x 365 days compacted, whole npm run query processes; 100 x 60 vs 100 x 3 and 2 x 365 vs 2 x 3 paired",
    run: async () => {
      const fleetLake = await runFleetLakeBench();
      const t = fleetLake.targets;
      const f = fleetLake.fleet_60_vs_3_days;
      const u = fleetLake.user_365_vs_3_days;
      return {
        results: { fleet_lake: fleetLake },
        lines: [
          `fleet_lake     ${fleetLake.playlists} x ${fleetLake.days} days, ${fleetLake.files} files: select 1 ${fleetLake.select1_s} s (<= 1 s)  ${mark(t.select1_max_1_s.pass)}`,
          `fleet_lake     latest_snapshot ${fleetLake.latest_s} s (<= 2 s)  ${mark(t.latest_max_2_s.pass)}; 30-day daily_changes ${fleetLake.changes30_s} s (<= 5 s)  ${mark(t.changes30_max_5_s.pass)}`,
          `fleet_lake     peak ${fleetLake.peak_mb} MB (<= 1024 MB)  ${mark(t.peak_max_1024_mb.pass)}`,
          `fleet_lake     100 x 60 vs 100 x 3: select 1 ${f.select1.ratio}x (<= 1.5x) ${mark(t.fleet60_select1_max_1_5x.pass)}, latest ${f.latest.ratio}x (<= 1.5x) ${mark(t.fleet60_latest_max_1_5x.pass)}, changes30 ${f.changes30.ratio}x (<= 3x) ${mark(t.fleet60_changes30_max_3x.pass)}`,
          `fleet_lake     2 x 365 vs 2 x 3: latest ${u.latest.ratio}x (<= 1.5x) ${mark(t.user_latest_max_1_5x.pass)}, year scan ${u.year_scan.ratio}x (<= 3x) ${mark(t.user_year_scan_max_3x.pass)}`,
        ],
      };
    },
  },
  {
    name: "lambda",
    title: "lambda archives and cold starts",
    run: async () => {
      const lambda = await runLambdaBench();
      return {
        results: { lambda },
        lines: [
          ...Object.entries(lambda).map(
            ([name, l]) => `lambda ${name.padEnd(9)} archive ${mib(l.archive_bytes)} (target <= 10 MiB), cold start ${l.init_ms} ms on ${l.init_measured_on}, native files ${l.native_files.length}  ${mark(l.target_max_10_mib.pass)}`,
          ),
          "lambda arm64 vs x86_64: same archive bytes for both (no native code); Lambda's own arm64 cold start needs an AWS account to measure",
        ],
      };
    },
  },
];
