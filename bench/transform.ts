/**
 * The transform of a 10,000-item raw snapshot (read, validate, rows, CSV + Parquet of every
 * table, written to a LocalStore) against a floor measured in the same process: reading and
 * JSON.parse of the same raw text plus writing as many files of the same sizes. Best of a
 * few runs after a warm-up for both. Peak RSS in a fresh process that runs only the transform.
 */
import { printResult } from "./script";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { performance } from "node:perf_hooks";
import { buildSync } from "esbuild";
import { rawSnapshotKey } from "../lib/lake/layout";
import { LocalStore } from "../lib/storage/localStore";
import { transformRawObject } from "../lib/transform/transformObject";
import { BENCH_OUT_DIR, benchRawSnapshot } from "./rawSnapshot";

export interface TransformResult {
  items: number;
  wall_s: number;
  floor_s: number;
  peak_rss_mb: number;
  raw_bytes: number;
  output_files: number;
  output_bytes: number;
  runs: number;
  targets: {
    wall_max_3x_floor: { target: number; value: number; pass: boolean };
    peak_rss_max_256_mb: { target: number; value: number; pass: boolean };
  };
}

const round = (x: number, digits = 3) => Number(x.toFixed(digits));

async function transformOnce(rawFile: string, playlistId: string, snapshotDate: string): Promise<{ wallS: number; sizes: number[] }> {
  const dir = mkdtempSync(path.join(tmpdir(), "bench-transform-"));
  try {
    const key = rawSnapshotKey(snapshotDate, playlistId);
    mkdirSync(path.dirname(path.join(dir, key)), { recursive: true });
    writeFileSync(path.join(dir, key), readFileSync(rawFile));
    const store = new LocalStore(dir);
    const start = performance.now();
    const outcome = await transformRawObject(store, key);
    const wallS = (performance.now() - start) / 1000;
    if (outcome.status !== "transformed") throw new Error(`transform rejected the snapshot: ${outcome.reason}`);
    return { wallS, sizes: outcome.keys.map((k) => statSync(path.join(dir, k)).size) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Read + JSON.parse the raw text, write files of the given sizes: what no transform can beat. */
async function floorOnce(rawFile: string, sizes: number[]): Promise<number> {
  const dir = mkdtempSync(path.join(tmpdir(), "bench-floor-"));
  try {
    const store = new LocalStore(dir);
    const start = performance.now();
    const parsed = JSON.parse(readFileSync(rawFile, "utf8")) as { entries: unknown[] };
    if (parsed.entries.length === 0) throw new Error("empty snapshot");
    for (const [i, size] of sizes.entries()) await store.put(`out/file-${i}.bin`, Buffer.alloc(size, 0x61));
    return (performance.now() - start) / 1000;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function peakRssInFreshProcess(rawFile: string, playlistId: string, snapshotDate: string): { wall_s: number; peak_rss_mb: number } {
  const bundle = path.join(BENCH_OUT_DIR, "transformChild.js");
  buildSync({ entryPoints: [path.join(__dirname, "transformChild.ts")], outfile: bundle, bundle: true, platform: "node", target: "node20", format: "cjs", packages: "external", logLevel: "silent" });
  const out = execFileSync(process.execPath, [bundle, rawFile, playlistId, snapshotDate], { encoding: "utf8" });
  return JSON.parse(out) as { wall_s: number; peak_rss_mb: number };
}

export async function runTransformBench(items = 10_000, runs = 3): Promise<TransformResult> {
  const raw = await benchRawSnapshot(items);
  const warm = await transformOnce(raw.file, raw.playlistId, raw.snapshotDate);
  await floorOnce(raw.file, warm.sizes);
  let wallS = Infinity;
  let floorS = Infinity;
  for (let i = 0; i < runs; i++) {
    wallS = Math.min(wallS, (await transformOnce(raw.file, raw.playlistId, raw.snapshotDate)).wallS);
    floorS = Math.min(floorS, await floorOnce(raw.file, warm.sizes));
  }
  const child = peakRssInFreshProcess(raw.file, raw.playlistId, raw.snapshotDate);
  return {
    items,
    wall_s: round(wallS),
    floor_s: round(floorS),
    peak_rss_mb: round(child.peak_rss_mb, 1),
    raw_bytes: Buffer.byteLength(raw.text),
    output_files: warm.sizes.length,
    output_bytes: warm.sizes.reduce((a, b) => a + b, 0),
    runs,
    targets: {
      wall_max_3x_floor: { target: round(3 * floorS), value: round(wallS), pass: wallS <= 3 * floorS },
      peak_rss_max_256_mb: { target: 256, value: round(child.peak_rss_mb, 1), pass: child.peak_rss_mb <= 256 },
    },
  };
}

if (require.main === module) printResult(runTransformBench());
