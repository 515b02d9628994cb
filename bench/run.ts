/**
 * `npm run bench`: extraction, transform, query and Lambda packaging measured against the
 * targets of the benchmarks issue, on 127.0.0.1. Prints a table, writes bench/results.json.
 * A missed target is printed as MISSED beside its figure; the run still exits 0 (it is a
 * measurement, not a test). Generated inputs are cached under bench/out/ (gitignored).
 */
import { cpus, totalmem } from "node:os";
import { writeFileSync } from "node:fs";
import * as path from "node:path";
import { performance } from "node:perf_hooks";
import { snapshotToTables } from "../lib/transform/toTables";
import { parseRawSnapshot } from "../lib/snapshot/rawSnapshot";
import { runExtractCase, type ExtractResult } from "./extract";
import { runLambdaBench } from "./lambda";
import { compareParquetWriters } from "./parquetWriters";
import { runQueryBench } from "./query";
import { benchRawSnapshot } from "./rawSnapshot";
import { runTransformBench } from "./transform";

const ITEMS = 10_000;
/** Scaled down from Spotify's 30 s window so the run stays short: 200 requests per rolling second. */
const RATE_LIMIT = { requests: 200, windowMs: 1000 };

const mark = (pass: boolean) => (pass ? "ok" : "MISSED");
const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(2)} MiB`;

function extractLines(name: string, r: ExtractResult): string[] {
  const t = r.targets;
  const excess = Object.entries(r.excess).map(([k, v]) => `${v} ${k}`).join(", ");
  return [
    `${name}  api_calls ${r.api_calls} vs lower bound ${r.lower_bound_calls}${excess ? ` (+${excess})` : ""}  ${mark(t.api_calls_eq_lower_bound.pass)}`,
    `${name}  http_429 ${r.http_429} (${(t.http_429_share_max_1pct.value * 100).toFixed(2)} % of calls, target <= 1 %)  ${mark(t.http_429_share_max_1pct.pass)}`,
    `${name}  wall ${r.wall_s} s vs rate bound ${r.rate_bound_s} s (${(r.wall_s / r.rate_bound_s).toFixed(3)}x, target <= 1.15x)  ${mark(t.wall_max_1_15x_rate_bound.pass)}`,
  ];
}

async function main(): Promise<void> {
  const started = performance.now();
  const step = (what: string) => console.error(`[bench ${((performance.now() - started) / 1000).toFixed(0)} s] ${what}`);

  step("extract: development mode (batch 403, singles), rate limited");
  const extract = await runExtractCase({ items: ITEMS, batchEndpoints: false, rateLimit: RATE_LIMIT, concurrency: 8, knownWindow: true });
  step("extract: batch-capable, rate limited");
  const extractBatch = await runExtractCase({ items: ITEMS, batchEndpoints: true, rateLimit: RATE_LIMIT, concurrency: 8, knownWindow: true });
  step("transform");
  const transform = await runTransformBench(ITEMS);
  step("parquet writers");
  const tables = snapshotToTables(parseRawSnapshot((await benchRawSnapshot(ITEMS)).text));
  const parquetWriters = await compareParquetWriters({ songs: tables.songs, playlist_tracks: tables.playlist_tracks });
  step("query: 365-day lake (built once, then cached in bench/out/)");
  const query = await runQueryBench(ITEMS, 365);
  step("lambda archives and cold starts");
  const lambda = await runLambdaBench();

  const results = {
    generated_at: new Date().toISOString(),
    machine: { cpus: cpus().length, cpu_model: cpus()[0]?.model ?? "unknown", memory_gib: Number((totalmem() / 2 ** 30).toFixed(1)), node: process.version, platform: `${process.platform} ${process.arch}` },
    extract,
    extract_batch: extractBatch,
    transform,
    query,
    lambda,
    parquet_writers: parquetWriters,
    bench_wall_s: Number(((performance.now() - started) / 1000).toFixed(1)),
  };
  writeFileSync(path.join(__dirname, "results.json"), `${JSON.stringify(results, null, 2)}\n`);

  const q = query.targets.latest_parquet_max_1_100_of_csv;
  const lines = [
    "",
    `Benchmarks (${results.machine.cpus} CPUs ${results.machine.cpu_model}, node ${process.version}); details in bench/results.json`,
    "",
    ...extractLines("extract       ", extract),
    ...extractLines("extract_batch ", extractBatch),
    `transform      wall ${transform.wall_s} s vs floor ${transform.floor_s} s (${(transform.wall_s / transform.floor_s).toFixed(2)}x, target <= 3x)  ${mark(transform.targets.wall_max_3x_floor.pass)}`,
    `transform      peak RSS ${transform.peak_rss_mb} MB (target <= 256 MB)  ${mark(transform.targets.peak_rss_max_256_mb.pass)}`,
    `query          latest_snapshot view: Parquet read ${mib(query.parquet_bytes_read)}, CSV ${mib(query.csv_bytes_read)} (ratio 1/${(1 / q.value).toFixed(1)}, target <= 1/100)  ${mark(q.pass)}`,
    `query          latest day as a constant: Parquet ${mib(query.latest_date_constant.parquet.bytes_read)}, CSV ${mib(query.latest_date_constant.csv.bytes_read)}`,
    `query          30-day artist query: Parquet ${mib(query.artist_30_days.parquet.bytes_read)}, CSV ${mib(query.artist_30_days.csv.bytes_read)}`,
    ...Object.entries(lambda).map(
      ([name, l]) => `lambda ${name.padEnd(9)} archive ${mib(l.archive_bytes)} (target <= 10 MiB), cold start ${l.init_ms} ms  ${mark(l.target_max_10_mib.pass)}`,
    ),
    "",
    `bench took ${results.bench_wall_s} s`,
  ];
  console.log(lines.join("\n"));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
