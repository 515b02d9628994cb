/**
 * Extraction against the Spotify stand-in (in its own process) with a rolling-window rate
 * limit: calls answered vs the least that can fetch everything, 429s, and wall time vs the
 * time the rate limit itself imposes on those calls.
 */
import { forkTs } from "./forkTs";
import { printResult } from "./script";
import type { ChildProcess } from "node:child_process";
import { performance } from "node:perf_hooks";
import { SpotifyClient } from "../lib/spotify/client";
import { ALBUMS_BATCH, ARTISTS_BATCH, PAGE_LIMIT } from "../lib/spotify/client";
import { extractPlaylist } from "../lib/extract/extractPlaylist";
import type { Endpoint } from "../lib/standin/spotifyStandIn";
import { BENCH_PLAYLIST_ID, distinctIds, generatePlaylist } from "./generatePlaylist";
import type { StandInProcessOptions } from "./standinProcess";

export interface ExtractCaseOptions {
  items: number;
  batchEndpoints: boolean;
  rateLimit: { requests: number; windowMs: number };
  concurrency: number;
  /** Tell the client the window's length (SpotifyConfig.rateWindowMs), scaled like the stand-in's; otherwise it assumes Spotify's 30 s. */
  knownWindow: boolean;
}

export interface ExtractResult {
  items: number;
  mode: "development (batch 403, singles)" | "batch-capable";
  api_calls: number;
  lower_bound_calls: number;
  http_429: number;
  wall_s: number;
  rate_bound_s: number;
  rate_limit: { requests: number; window_ms: number };
  concurrency: number;
  client_knows_window_length: boolean;
  calls_by_endpoint: Partial<Record<Endpoint, number>>;
  rate_controller: { cuts: number; final_rate_per_s?: number };
  client_retries: number;
  /** Calls beyond the lower bound, by cause. */
  excess: Record<string, number>;
  targets: {
    api_calls_eq_lower_bound: { target: number; value: number; pass: boolean };
    http_429_share_max_1pct: { target: number; value: number; pass: boolean };
    wall_max_1_15x_rate_bound: { target: number; value: number; pass: boolean };
  };
}

const CREDENTIALS = { clientId: "bench-client", clientSecret: "bench-secret" };
const round = (x: number, digits = 3) => Number(x.toFixed(digits));

/** The least calls that fetch everything: token + metadata + pages + (singles | batches). */
export function lowerBoundCalls(entries: number, artists: number, albums: number, batch: boolean): number {
  const pages = Math.ceil(entries / PAGE_LIMIT);
  const enrichment = batch ? Math.ceil(artists / ARTISTS_BATCH) + Math.ceil(albums / ALBUMS_BATCH) : artists + albums;
  return 1 + 1 + pages + enrichment;
}

interface StandInHandle {
  child: ChildProcess;
  apiUrl: string;
  accountsUrl: string;
  request<T>(message: string): Promise<T>;
  close(): Promise<void>;
}

export function startStandInProcess(options: StandInProcessOptions): Promise<StandInHandle> {
  const child = forkTs("standinProcess.ts", [JSON.stringify(options)]);
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", (code) => reject(new Error(`stand-in process exited with ${code} before it was ready`)));
    child.once("message", (m) => {
      const ready = m as { apiUrl: string; accountsUrl: string };
      child.removeAllListeners("exit");
      resolve({
        child,
        apiUrl: ready.apiUrl,
        accountsUrl: ready.accountsUrl,
        request: <T>(message: string) =>
          new Promise<T>((res) => {
            child.once("message", (reply) => res(reply as T));
            child.send(message);
          }),
        close: () =>
          new Promise<void>((res) => {
            child.once("exit", () => res());
            child.send("close");
          }),
      });
    });
  });
}

export async function runExtractCase(options: ExtractCaseOptions): Promise<ExtractResult> {
  const ids = distinctIds(generatePlaylist({ items: options.items }));
  const lowerBound = lowerBoundCalls(ids.entries, ids.artists, ids.albums, options.batchEndpoints);
  const standIn = await startStandInProcess({
    items: options.items,
    batchEndpoints: options.batchEndpoints,
    rateLimit: { requests: options.rateLimit.requests, windowMs: options.rateLimit.windowMs },
    credentials: CREDENTIALS,
  });
  try {
    const start = performance.now();
    const client = new SpotifyClient({
      ...CREDENTIALS,
      apiUrl: standIn.apiUrl,
      accountsUrl: standIn.accountsUrl,
      concurrency: options.concurrency,
      timeoutMs: 15_000,
      maxWaitS: 60,
      // The window's length is known (as Spotify documents its 30 s window), scaled like the stand-in's; the rate is found by the controller.
      rateWindowMs: options.knownWindow ? options.rateLimit.windowMs : undefined,
    });
    const snapshot = await extractPlaylist(client, BENCH_PLAYLIST_ID, "2026-11-25");
    const wallS = (performance.now() - start) / 1000;
    if (snapshot.entries.length !== ids.entries || snapshot.artists.length !== ids.artists || snapshot.albums.length !== ids.albums) {
      throw new Error(`extraction incomplete: ${snapshot.entries.length}/${ids.entries} entries, ${snapshot.artists.length}/${ids.artists} artists, ${snapshot.albums.length}/${ids.albums} albums`);
    }
    const { counts, http429 } = await standIn.request<{ counts: Record<Endpoint, number>; http429: number }>("counts");
    const apiCalls = Object.values(counts).reduce((a, b) => a + b, 0);
    const rateBoundS = (lowerBound * options.rateLimit.windowMs) / 1000 / options.rateLimit.requests;
    const rate = client.rateState();
    const excess: Record<string, number> = {};
    // In development mode the first batch call is the probe that learns batches are refused (the spec: batch first, fall back on 403/404).
    if (!options.batchEndpoints && counts.artists_batch + counts.albums_batch > 0) excess.refused_batch_probe = counts.artists_batch + counts.albums_batch;
    const unexplained = apiCalls - lowerBound - Object.values(excess).reduce((a, b) => a + b, 0);
    if (unexplained !== 0) excess.other = unexplained;
    const share429 = http429 / (apiCalls + http429);
    return {
      items: ids.entries,
      mode: options.batchEndpoints ? "batch-capable" : "development (batch 403, singles)",
      api_calls: apiCalls,
      lower_bound_calls: lowerBound,
      http_429: http429,
      wall_s: round(wallS),
      rate_bound_s: round(rateBoundS),
      rate_limit: { requests: options.rateLimit.requests, window_ms: options.rateLimit.windowMs },
      concurrency: options.concurrency,
      client_knows_window_length: options.knownWindow,
      calls_by_endpoint: Object.fromEntries(Object.entries(counts).filter(([, n]) => n > 0)),
      rate_controller: { cuts: rate.cuts, ...(rate.ratePerS !== undefined ? { final_rate_per_s: round(rate.ratePerS, 1) } : {}) },
      client_retries: client.stats.retries,
      excess,
      targets: {
        api_calls_eq_lower_bound: { target: lowerBound, value: apiCalls, pass: apiCalls === lowerBound },
        http_429_share_max_1pct: { target: 0.01, value: round(share429, 4), pass: share429 <= 0.01 },
        wall_max_1_15x_rate_bound: { target: round(1.15 * rateBoundS), value: round(wallS), pass: wallS <= 1.15 * rateBoundS },
      },
    };
  } finally {
    await standIn.close();
  }
}

if (require.main === module) {
  const batch = process.argv.includes("--batch");
  printResult(
    runExtractCase({ items: 10_000, batchEndpoints: batch, rateLimit: { requests: Number(process.argv[2] ?? 200), windowMs: 1000 }, concurrency: 8, knownWindow: !process.argv.includes("--unknown-window") }),
  );
}
