/**
 * Only the transform of one raw snapshot, in a fresh process, for its peak memory: run by
 * bench/transform.ts (bundled by esbuild and run with plain node, so no TypeScript compiler
 * sits in the measured memory). argv: raw file, playlist id, snapshot date. Prints JSON.
 */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { performance } from "node:perf_hooks";
import { rawSnapshotKey } from "../lib/lake/layout";
import { LocalStore } from "../lib/storage/localStore";
import { transformRawObject } from "../lib/transform/transformObject";

async function main(): Promise<void> {
  const [rawFile, playlistId, snapshotDate] = process.argv.slice(2);
  const dir = mkdtempSync(path.join(tmpdir(), "bench-transform-rss-"));
  try {
    const key = rawSnapshotKey(snapshotDate, playlistId);
    mkdirSync(path.dirname(path.join(dir, key)), { recursive: true });
    copyFileSync(rawFile, path.join(dir, key));
    const start = performance.now();
    const outcome = await transformRawObject(new LocalStore(dir), key);
    const wallS = (performance.now() - start) / 1000;
    if (outcome.status !== "transformed") throw new Error(`transform rejected the snapshot: ${outcome.reason}`);
    process.stdout.write(JSON.stringify({ wall_s: wallS, peak_rss_mb: process.resourceUsage().maxRSS / 1024 }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
