/**
 * The fleet benchmark (issue 19): 200 generated playlists of 50 to 300 entries drawn from one
 * shared pool of artists and albums (bench/generateFleet.ts), extracted and landed through the
 * stand-in (its own process) at the bench's scaled rate limit, two at a time as the deployed queue
 * allows (components/extractor.ts: SQS maximumConcurrency 2), on two days with the artist and
 * album cache, in development mode (batch endpoints refused, one call per id).
 *
 * Each of the two lanes stands for one Lambda container of the queue's maximum concurrency 2, and
 * is a process of its own (bench/fleetLane.ts), because each container has its own CPU: two lanes
 * in one process would share one thread and measure that thread, not the rate limit. Each lane has
 * its own SpotifyClient (token, rate controller) and CatalogCache over the one shared lake folder,
 * so the lanes share nothing but the store, as two containers share nothing but the bucket (claims
 * are files created exclusively, which hold across processes as conditional writes do on S3). The
 * parent keeps the queue and hands out one playlist id at a time as a lane finishes the last, as
 * SQS gives a consumer its next message, and checks each snapshot's counts against the generated
 * fleet. Lanes start afresh each day (new containers, new tokens). A day's wall time runs from when
 * both lanes are ready (started and waiting) to when the queue is drained and both reported done:
 * starting the processes (ts-node) is left out, as a container's cold start is not the extraction.
 * Calls are what the stand-in answered.
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
import { CACHE_DEFAULTS } from "../lib/extract/cacheSettings";
import { PAGE_LIMIT } from "../lib/spotify/client";
import type { Endpoint } from "../lib/standin/spotifyStandIn";
import { startStandInProcess } from "./extract";
import type { FleetLaneOptions, FromLane, ToLane } from "./fleetLane";
import { forkTs } from "./forkTs";
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
  /** CPU seconds (user + system) of each lane and of the stand-in over each day's wall time: the 2 CPUs they share are most of what the wall time waits for. */
  day_cpu_s: { day1: DayCpu; day2: DayCpu };
  targets: {
    day1_calls_eq_lower_bound: { target: number; value: number; pass: boolean };
    day2_calls_eq_lower_bound: { target: number; value: number; pass: boolean };
    http_429_share_max_1pct: { target: number; value: number; pass: boolean };
    wall_max_1_2x_ideal: { target: number; value: number; pass: boolean };
  };
}

interface DayCpu {
  lanes: number[];
  standin: number;
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
  const counts = () => standIn.request<{ counts: Record<Endpoint, number>; http429: number; cpuS: number }>("counts");
  try {
    const runDay = async (day: number) => {
      const snapshotDate = `2026-11-${24 + day}`;
      const before = await counts();
      const laneOptions: FleetLaneOptions = { apiUrl: standIn.apiUrl, accountsUrl: standIn.accountsUrl, credentials: CREDENTIALS, rateWindowMs: RATE_LIMIT.windowMs, lake, cacheSettings: settings, snapshotDate };
      const lanes = Array.from({ length: LANES }, () => startLane(laneOptions));
      try {
        await Promise.all(lanes.map((lane) => lane.ready));
        const queue = [...playlistIds];
        const standInCpuBefore = (await counts()).cpuS;
        const start = performance.now();
        const laneCpu = await Promise.all(lanes.map((lane) => lane.drain(queue, (report) => checkSnapshot(day, report))));
        const wallS = (performance.now() - start) / 1000;
        const after = await counts();
        const calls = minus(after.counts, before.counts);
        const cpu: DayCpu = { lanes: laneCpu.map((s) => round(s)), standin: round(after.cpuS - standInCpuBefore) };
        return { calls, total: sum(calls), http429: after.http429 - before.http429, wallS, cpu };
      } finally {
        for (const lane of lanes) lane.stop();
      }
    };
    const checkSnapshot = (day: number, report: Extract<FromLane, { type: "extracted" }>) => {
      const id = report.playlistId;
      const expected = distinctIds({ ...data, playlists: { [id]: data.playlists[id] } });
      if (report.entries !== expected.entries || report.artists !== expected.artists || report.albums !== expected.albums) {
        throw new Error(`day ${day}, playlist ${id}: snapshot incomplete (${report.entries}/${expected.entries} entries, ${report.artists}/${expected.artists} artists, ${report.albums}/${expected.albums} albums)`);
      }
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
      day_cpu_s: { day1: day1.cpu, day2: day2.cpu },
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

interface Lane {
  /** Settles when the lane has started and waits for work. */
  ready: Promise<void>;
  /** Hands the lane playlists from the shared queue one at a time until it is empty; settles when the lane reports done, with the CPU seconds it used. */
  drain(queue: string[], check: (report: Extract<FromLane, { type: "extracted" }>) => void): Promise<number>;
  /** Kills the lane if it has not reported done and exited (after a failure elsewhere). */
  stop(): void;
}

function startLane(options: FleetLaneOptions): Lane {
  const child = forkTs("fleetLane.ts", [JSON.stringify(options)]);
  const send = (message: ToLane) => child.send(message);
  let onMessage: (message: FromLane) => void = () => {};
  let reportedDone = false;
  let fail: (err: Error) => void = () => {};
  const failed = new Promise<never>((_, reject) => {
    fail = reject;
  });
  failed.catch(() => {});
  child.on("message", (message: FromLane) => (message.type === "failed" ? fail(new Error(`fleet lane failed: ${message.message}`)) : onMessage(message)));
  child.once("error", (err) => fail(err));
  // A lane exits 0 only after it sent done; any other exit before that is a failure.
  child.once("exit", (code, signal) => (code !== 0 ? fail(new Error(`fleet lane exited with ${code ?? signal} before it was done`)) : undefined));
  const ready = Promise.race([failed, new Promise<void>((resolve) => (onMessage = (m) => m.type === "ready" && resolve()))]);
  const drain = (queue: string[], check: (report: Extract<FromLane, { type: "extracted" }>) => void) => {
    const next = () => {
      const playlistId = queue.shift();
      send(playlistId === undefined ? { type: "drained" } : { type: "extract", playlistId });
    };
    const done = new Promise<number>((resolve, reject) => {
      onMessage = (message) => {
        if (message.type === "done") {
          reportedDone = true;
          return resolve(message.cpuS);
        }
        if (message.type !== "extracted") return;
        try {
          check(message);
          next();
        } catch (err) {
          reject(err as Error);
        }
      };
    });
    next();
    return Promise.race([failed, done]);
  };
  // A lane that reported done exits by itself (and writes its CPU profile, under BENCH_CPU_PROF): only others are killed.
  const stop = () => {
    if (!reportedDone && child.exitCode === null && child.signalCode === null) child.kill();
  };
  return { ready, drain, stop };
}

export function fleetLines(f: FleetResult, mark: (pass: boolean) => string): string[] {
  const t = f.targets;
  return [
    `fleet          ${f.playlists} playlists, ${f.entries} entries, ${f.artists} artists and ${f.albums} albums shared, ${f.lanes} at a time`,
    `fleet          day 1 ${f.day1_calls} calls vs lower bound ${f.day1_lower_bound}  ${mark(t.day1_calls_eq_lower_bound.pass)}`,
    `fleet          day 2 ${f.day2_calls} calls vs lower bound ${f.day2_lower_bound}  ${mark(t.day2_calls_eq_lower_bound.pass)}`,
    `fleet          http_429 ${f.http_429} (${(t.http_429_share_max_1pct.value * 100).toFixed(2)} % of calls, target <= 1 %)  ${mark(t.http_429_share_max_1pct.pass)}`,
    `fleet          wall ${f.wall_s} s vs ideal ${f.ideal_s} s (${(f.wall_s / f.ideal_s).toFixed(3)}x, target <= 1.2x)  ${mark(t.wall_max_1_2x_ideal.pass)}`,
    `fleet          CPU s, day 1: lanes ${f.day_cpu_s.day1.lanes.join(" + ")}, stand-in ${f.day_cpu_s.day1.standin} (wall ${f.day_wall_s.day1}); day 2: lanes ${f.day_cpu_s.day2.lanes.join(" + ")}, stand-in ${f.day_cpu_s.day2.standin} (wall ${f.day_wall_s.day2})`,
  ];
}

if (require.main === module) printResult(runFleetBench());
