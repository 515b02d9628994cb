/**
 * The raw snapshot of the generated 10,000-item playlist, extracted once through the real
 * client from the stand-in (batch endpoints, no rate limit: a few seconds) and cached under
 * bench/out/, so the transform and the lake benchmarks start from what the extractor writes.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { SpotifyClient } from "../lib/spotify/client";
import { extractPlaylist } from "../lib/extract/extractPlaylist";
import { stringifyInLines } from "../lib/snapshot/jsonInLines";
import { startSpotifyStandIn } from "../lib/standin/spotifyStandIn";
import { BENCH_PLAYLIST_ID, generatePlaylist } from "./generatePlaylist";

export const BENCH_OUT_DIR = path.join(__dirname, "out");
export const BENCH_SNAPSHOT_DATE = "2026-11-25";
/** Bump when the generator, the extractor's output or the raw format changes. */
const RAW_VERSION = 2;

export async function benchRawSnapshot(items: number): Promise<{ file: string; text: string; playlistId: string; snapshotDate: string }> {
  const file = path.join(BENCH_OUT_DIR, `raw-${items}-v${RAW_VERSION}.json`);
  if (!existsSync(file)) {
    const credentials = { clientId: "bench-client", clientSecret: "bench-secret" };
    const standIn = await startSpotifyStandIn({ data: generatePlaylist({ items }), batchEndpoints: true, credentials });
    try {
      const client = new SpotifyClient({ ...credentials, apiUrl: standIn.apiUrl, accountsUrl: standIn.accountsUrl, concurrency: 8, timeoutMs: 15_000, maxWaitS: 60 });
      const snapshot = await extractPlaylist(client, BENCH_PLAYLIST_ID, BENCH_SNAPSHOT_DATE);
      mkdirSync(BENCH_OUT_DIR, { recursive: true });
      writeFileSync(file, stringifyInLines(snapshot)); // as lib/extract/land.ts writes it
    } finally {
      await standIn.close();
    }
  }
  return { file, text: readFileSync(file, "utf8"), playlistId: BENCH_PLAYLIST_ID, snapshotDate: BENCH_SNAPSHOT_DATE };
}
