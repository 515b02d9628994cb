/**
 * The daily run with the artist and album cache (issue 9 §2), on the stand-in in development
 * mode (batch endpoints refused, one call per id) with the default cache settings: day 1 on an
 * empty cache, day 2 on the same unchanged 10,000-entry playlist, and day 2 with 1 % of the
 * entries replaced by tracks of new artists and albums. Calls are what the stand-in answered.
 */
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { CatalogCache } from "../lib/extract/catalogCache";
import { CACHE_DEFAULTS } from "../lib/extract/cacheSettings";
import { extractPlaylist } from "../lib/extract/extractPlaylist";
import { PAGE_LIMIT, SpotifyClient } from "../lib/spotify/client";
import type { Json, StandInData } from "../lib/standin/recordedData";
import { startSpotifyStandIn } from "../lib/standin/spotifyStandIn";
import { LocalStore } from "../lib/storage/localStore";
import { BENCH_PLAYLIST_ID, distinctIds, generatePlaylist } from "./generatePlaylist";
import { printResult } from "./script";

export interface DailyResult {
  items: number;
  settings: { max_age_days: number; daily_refresh: number };
  day1_calls: number;
  day2_calls: number;
  day2_lower_bound: number;
  day2_changed_calls: number;
  day2_changed_lower_bound: number;
  /** Distinct artists and albums of the changed playlist that the cache did not have. */
  day2_changed_new_ids: number;
  calls_by_endpoint: { day1: Record<string, number>; day2: Record<string, number>; day2_changed: Record<string, number> };
  targets: {
    day2_calls_eq_lower_bound: { target: number; value: number; pass: boolean };
    day2_max_10pct_of_day1: { target: number; value: number; pass: boolean };
    day2_changed_calls_eq_lower_bound: { target: number; value: number; pass: boolean };
  };
}

const CREDENTIALS = { clientId: "bench-client", clientSecret: "bench-secret" };
const DAY = (d: number) => () => new Date(Date.UTC(2026, 10, 24 + d, 6));

/** The playlist with `share` of its entries (evenly spread) replaced by tracks of new artists and albums. */
export function replaceEntries(data: StandInData, share: number): StandInData {
  const out = structuredClone(data);
  const entries = out.playlists[BENCH_PLAYLIST_ID].entries;
  const step = Math.round(1 / share);
  for (let i = 0, n = 0; i < entries.length; i += step, n++) {
    const track = (entries[i].item ?? entries[i].track) as Json;
    const suffix = String(n).padStart(8, "0");
    const artist = { ...((track.artists as Json[])[0]), id: `0newArtist000${suffix}`, name: `New artist ${n}` };
    const album = { ...(track.album as Json), id: `0newAlbum0000${suffix}`, name: `New album ${n}`, artists: [artist] };
    out.artists[artist.id] = { ...artist, images: [] };
    out.albums[album.id] = { ...out.albums[(track.album as Json).id as string], ...album };
    entries[i] = { ...entries[i], item: { ...track, id: `0newTrack0000${suffix}`, artists: [artist], album } };
  }
  return out;
}

/** One day's extraction on a fresh stand-in: the calls it answered, by endpoint. */
async function runDay(data: StandInData, cache: CatalogCache, day: number): Promise<{ calls: Record<string, number>; total: number }> {
  const standIn = await startSpotifyStandIn({ data, credentials: CREDENTIALS, batchEndpoints: false });
  try {
    const client = new SpotifyClient({ ...CREDENTIALS, apiUrl: standIn.apiUrl, accountsUrl: standIn.accountsUrl, concurrency: 8, timeoutMs: 15_000, maxWaitS: 60 });
    const snapshot = await extractPlaylist(client, BENCH_PLAYLIST_ID, `2026-11-${24 + day}`, { cache, now: DAY(day) });
    const ids = distinctIds(data);
    if (snapshot.entries.length !== ids.entries || snapshot.artists.length !== ids.artists || snapshot.albums.length !== ids.albums) {
      throw new Error(`day ${day}: snapshot incomplete (${snapshot.entries.length} entries, ${snapshot.artists.length} artists, ${snapshot.albums.length} albums)`);
    }
    const calls = Object.fromEntries(Object.entries(standIn.counts()).filter(([, n]) => n > 0));
    return { calls, total: Object.values(calls).reduce((a, b) => a + b, 0) };
  } finally {
    await standIn.close();
  }
}

/** Artist and album ids of `data` that the cache has no entry for. */
function newIds(before: StandInData, after: StandInData): number {
  const known = new Set([...Object.keys(before.artists), ...Object.keys(before.albums)]);
  let n = 0;
  for (const id of [...Object.keys(after.artists), ...Object.keys(after.albums)]) if (!known.has(id)) n++;
  return n;
}

export async function runDailyBench(items: number): Promise<DailyResult> {
  const data = generatePlaylist({ items });
  const changed = replaceEntries(data, 0.01);
  const dir = mkdtempSync(path.join(tmpdir(), "bench-daily-"));
  try {
    const settings = CACHE_DEFAULTS;
    const day1 = await runDay(data, new CatalogCache(new LocalStore(path.join(dir, "a")), settings), 1);
    cpSync(path.join(dir, "a"), path.join(dir, "b"), { recursive: true }); // the same day-1 cache for the changed case
    const day2 = await runDay(data, new CatalogCache(new LocalStore(path.join(dir, "a")), settings), 2);
    const day2Changed = await runDay(changed, new CatalogCache(new LocalStore(path.join(dir, "b")), settings), 2);

    const ids = distinctIds(data);
    const pages = Math.ceil(ids.entries / PAGE_LIMIT);
    const refresh = Math.min(settings.dailyRefresh, ids.artists + ids.albums);
    const lowerBound = pages + refresh + 0 + 2; // + token and playlist
    const added = newIds(data, changed);
    const changedIds = distinctIds(changed);
    const changedLowerBound = Math.ceil(changedIds.entries / PAGE_LIMIT) + Math.min(settings.dailyRefresh, changedIds.artists + changedIds.albums - added) + added + 2;
    return {
      items: ids.entries,
      settings: { max_age_days: settings.maxAgeDays, daily_refresh: settings.dailyRefresh },
      day1_calls: day1.total,
      day2_calls: day2.total,
      day2_lower_bound: lowerBound,
      day2_changed_calls: day2Changed.total,
      day2_changed_lower_bound: changedLowerBound,
      day2_changed_new_ids: added,
      calls_by_endpoint: { day1: day1.calls, day2: day2.calls, day2_changed: day2Changed.calls },
      targets: {
        day2_calls_eq_lower_bound: { target: lowerBound, value: day2.total, pass: day2.total === lowerBound },
        day2_max_10pct_of_day1: { target: 0.1, value: Number((day2.total / day1.total).toFixed(4)), pass: day2.total <= 0.1 * day1.total },
        day2_changed_calls_eq_lower_bound: { target: changedLowerBound, value: day2Changed.total, pass: day2Changed.total === changedLowerBound },
      },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) printResult(runDailyBench(Number(process.argv[2] ?? 10_000)));
