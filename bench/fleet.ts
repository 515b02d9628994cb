/**
 * The fleet benchmark (issue 19): 200 generated playlists of 50 to 300 entries drawn from one
 * shared pool of artists and albums (bench/generateFleet.ts), extracted and landed through the
 * stand-in (its own process) at the bench's scaled rate limit, two at a time as the deployed queue
 * allows (components/extractor.ts: SQS maximumConcurrency 2), on two days with the artist and
 * album cache, in development mode (batch endpoints refused, one call per id).
 *
 * Each of the two lanes stands for one Lambda container: its own SpotifyClient (token, rate
 * controller) and its own CatalogCache over the one shared lake, so the lanes share nothing but
 * the store, as two containers share nothing but the bucket. Calls are what the stand-in answered.
 *
 * Lower bounds: each client's token, the playlist objects and the pages, and each artist and album
 * of the whole fleet once (the cache is shared): on day 1 fetched, plus the one refused batch
 * probe that teaches the fleet development mode; on day 2 only the day's refresh allowance
 * (SPOTIFY_CACHE_DAILY_REFRESH, shared by every extraction of the day). ideal_s: the Web API calls
 * of both lower bounds at the rate limit (the token endpoint is not rate limited).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { performance } from "node:perf_hooks";
import { CatalogCache } from "../lib/extract/catalogCache";
import { CACHE_DEFAULTS } from "../lib/extract/cacheSettings";
import { extractAndLand } from "../lib/extract/runExtraction";
import { PAGE_LIMIT, SpotifyClient } from "../lib/spotify/client";
import type { Endpoint } from "../lib/standin/spotifyStandIn";
import { LocalStore } from "../lib/storage/localStore";
import { startStandInProcess } from "./extract";
import { FLEET_DEFAULTS, generateFleet } from "./generateFleet";
import { distinctIds } from "./generatePlaylist";
import { printResult } from "./script";

export interface FleetResult {
  playlists: number;
  entries: number;
  artists: number;
  albums: number;
  lanes: number;
  day1_calls: number;
  day1_lower_bound: number;
  day2_calls: number;
  day2_lower_bound: number;
  http_429: number;
  wall_s: number;
  ideal_s: number;
  rate_limit: { requests: number; window_ms: number };
  calls_by_endpoint: { day1: Partial<Record<Endpoint, number>>; day2: Partial<Record<Endpoint, number>> };
  day_wall_s: { day1: number; day2: number };
  targets: {
    day1_calls_eq_lower_bound: { target: number; value: number; pass: boolean };
    day2_calls_eq_lower_bound: { target: number; value: number; pass: boolean };
    http_429_share_max_1pct: { target: number; value: number; pass: boolean };
    wall_max_1_2x_ideal: { target: number; value: number; pass: boolean };
  };
}

const CREDENTIALS = { clientId: "bench-client", clientSecret: "bench-secret" };
/** The bench's scaled rate limit (bench/sections.ts RATE_LIMIT): 200 requests per rolling second. */
const RATE_LIMIT = { requests: 200, windowMs: 1000 };
/** Extractions at once: the deployed queue's maximumConcurrency. */
const LANES = 2;
const round = (x: number, digits = 3) => Number(x.toFixed(digits));
const sum = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);
const minus = (a: Record<Endpoint, number>, b: Record<Endpoint, number>) =>
  Object.fromEntries(Object.entries(a).map(([k, v]) => [k, v - b[k as Endpoint]]).filter(([, v]) => (v as number) > 0)) as Partial<Record<Endpoint, number>>;

export async function runFleetBench(): Promise<FleetResult> {
  const data = generateFleet(FLEET_DEFAULTS);
  const ids = distinctIds(data);
  const playlistIds = Object.keys(data.playlists);
  const pages = playlistIds.reduce((n, id) => n + Math.ceil(data.playlists[id].entries.length / PAGE_LIMIT), 0);
  const settings = CACHE_DEFAULTS;
  const day1LowerBound = LANES + 1 + playlistIds.length + pages + ids.artists + ids.albums;
  const day2LowerBound = LANES + playlistIds.length + pages + Math.min(settings.dailyRefresh, ids.artists + ids.albums);

  const standIn = await startStandInProcess({ items: 0, fleet: FLEET_DEFAULTS, batchEndpoints: false, rateLimit: RATE_LIMIT, credentials: CREDENTIALS });
  const lake = mkdtempSync(path.join(tmpdir(), "bench-fleet-"));
  const counts = () => standIn.request<{ counts: Record<Endpoint, number>; http429: number }>("counts");
  try {
    const runDay = async (day: number) => {
      const date = `2026-11-${24 + day}`;
      const now = () => new Date(`${date}T06:00:00.000Z`);
      const before = await counts();
      const queue = [...playlistIds];
      const start = performance.now();
      await Promise.all(
        Array.from({ length: LANES }, async () => {
          const client = new SpotifyClient({ ...CREDENTIALS, apiUrl: standIn.apiUrl, accountsUrl: standIn.accountsUrl, concurrency: 8, timeoutMs: 15_000, maxWaitS: 60, rateWindowMs: RATE_LIMIT.windowMs });
          const store = new LocalStore(lake);
          const cache = new CatalogCache(store, settings);
          for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
            const { snapshot } = await extractAndLand(client, store, id, date, { cache, now });
            const expected = distinctIds({ ...data, playlists: { [id]: data.playlists[id] } });
            if (snapshot.entries.length !== expected.entries || snapshot.artists.length !== expected.artists || snapshot.albums.length !== expected.albums) {
              throw new Error(`day ${day}, playlist ${id}: snapshot incomplete (${snapshot.entries.length}/${expected.entries} entries, ${snapshot.artists.length}/${expected.artists} artists, ${snapshot.albums.length}/${expected.albums} albums)`);
            }
          }
        }),
      );
      const wallS = (performance.now() - start) / 1000;
      const after = await counts();
      const calls = minus(after.counts, before.counts);
      return { calls, total: sum(calls), http429: after.http429 - before.http429, wallS };
    };
    const day1 = await runDay(1);
    const day2 = await runDay(2);
    const apiCalls = (lb: number) => lb - LANES; // the token endpoint is outside the rate limit
    const idealS = (apiCalls(day1LowerBound) + apiCalls(day2LowerBound)) / RATE_LIMIT.requests * (RATE_LIMIT.windowMs / 1000);
    const wallS = day1.wallS + day2.wallS;
    const http429 = day1.http429 + day2.http429;
    const share429 = http429 / (day1.total + day2.total + http429);
    return {
      playlists: playlistIds.length,
      entries: ids.entries,
      artists: ids.artists,
      albums: ids.albums,
      lanes: LANES,
      day1_calls: day1.total,
      day1_lower_bound: day1LowerBound,
      day2_calls: day2.total,
      day2_lower_bound: day2LowerBound,
      http_429: http429,
      wall_s: round(wallS),
      ideal_s: round(idealS),
      rate_limit: { requests: RATE_LIMIT.requests, window_ms: RATE_LIMIT.windowMs },
      calls_by_endpoint: { day1: day1.calls, day2: day2.calls },
      day_wall_s: { day1: round(day1.wallS), day2: round(day2.wallS) },
      targets: {
        day1_calls_eq_lower_bound: { target: day1LowerBound, value: day1.total, pass: day1.total === day1LowerBound },
        day2_calls_eq_lower_bound: { target: day2LowerBound, value: day2.total, pass: day2.total === day2LowerBound },
        http_429_share_max_1pct: { target: 0.01, value: round(share429, 4), pass: share429 <= 0.01 },
        wall_max_1_2x_ideal: { target: round(1.2 * idealS), value: round(wallS), pass: wallS <= 1.2 * idealS },
      },
    };
  } finally {
    await standIn.close();
    rmSync(lake, { recursive: true, force: true });
  }
}

export function fleetLines(f: FleetResult, mark: (pass: boolean) => string): string[] {
  const t = f.targets;
  return [
    `fleet          ${f.playlists} playlists, ${f.entries} entries, ${f.artists} artists and ${f.albums} albums shared, ${f.lanes} at a time`,
    `fleet          day 1 ${f.day1_calls} calls vs lower bound ${f.day1_lower_bound}  ${mark(t.day1_calls_eq_lower_bound.pass)}`,
    `fleet          day 2 ${f.day2_calls} calls vs lower bound ${f.day2_lower_bound}  ${mark(t.day2_calls_eq_lower_bound.pass)}`,
    `fleet          http_429 ${f.http_429} (${(t.http_429_share_max_1pct.value * 100).toFixed(2)} % of calls, target <= 1 %)  ${mark(t.http_429_share_max_1pct.pass)}`,
    `fleet          wall ${f.wall_s} s vs ideal ${f.ideal_s} s (${(f.wall_s / f.ideal_s).toFixed(3)}x, target <= 1.2x)  ${mark(t.wall_max_1_2x_ideal.pass)}`,
  ];
}

if (require.main === module) printResult(runFleetBench());
