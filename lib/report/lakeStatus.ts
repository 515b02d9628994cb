/**
 * What a lake holds, from its raw snapshots alone (no table read, no DuckDB): the playlists,
 * their snapshot days and the days missing between their first and last, the last run, and
 * the files the transform rejected with their reasons.
 */
import { promises as fs } from "node:fs";
import { parseRawSnapshotKey, rawSnapshotKey, RAW_SNAPSHOT_PREFIX, REJECTED_PREFIX } from "../lake/layout";
import type { LocalStore } from "../storage/localStore";

export interface PlaylistStatus {
  playlistId: string;
  /** The name in the latest raw snapshot (undefined when that file cannot be read). */
  name: string | undefined;
  days: number;
  first: string;
  last: string;
  /** Dates between first and last with no snapshot of this playlist. */
  gaps: string[];
}

export interface LakeStatus {
  playlists: PlaylistStatus[];
  /** The newest raw snapshot's write time and key; undefined for an empty lake. */
  lastRun: { at: string; key: string } | undefined;
  rejected: { key: string; reason: string }[];
}

const DAY_MS = 86_400_000;

function missingDates(dates: string[]): string[] {
  const have = new Set(dates);
  const gaps: string[] = [];
  for (let t = Date.parse(`${dates[0]}T00:00:00Z`); t <= Date.parse(`${dates[dates.length - 1]}T00:00:00Z`); t += DAY_MS) {
    const d = new Date(t).toISOString().slice(0, 10);
    if (!have.has(d)) gaps.push(d);
  }
  return gaps;
}

async function nameIn(store: LocalStore, key: string): Promise<string | undefined> {
  try {
    const name = (JSON.parse(Buffer.from(await store.get(key)).toString("utf8")) as { playlist?: { name?: unknown } }).playlist?.name;
    return typeof name === "string" ? name : undefined;
  } catch {
    return undefined; // the transform reports why the file cannot be read; status only shows what it can
  }
}

export async function lakeStatus(store: LocalStore): Promise<LakeStatus> {
  const byPlaylist = new Map<string, string[]>();
  let lastRun: LakeStatus["lastRun"];
  for (const key of await store.list(RAW_SNAPSHOT_PREFIX)) {
    const ref = parseRawSnapshotKey(key);
    if (!ref) continue;
    byPlaylist.set(ref.playlistId, [...(byPlaylist.get(ref.playlistId) ?? []), ref.snapshotDate]);
    const at = (await fs.stat(store.pathOf(key))).mtime.toISOString();
    if (!lastRun || at > lastRun.at) lastRun = { at, key };
  }
  const rejected: LakeStatus["rejected"] = [];
  for (const key of await store.list(REJECTED_PREFIX)) {
    if (!key.endsWith(".reason.json")) continue;
    let reason: string;
    try {
      reason = String((JSON.parse(Buffer.from(await store.get(key)).toString("utf8")) as { reason?: unknown }).reason ?? "no reason recorded");
    } catch (err) {
      reason = `the reason file cannot be read: ${(err as Error).message}`;
    }
    rejected.push({ key: key.slice(0, -".reason.json".length), reason });
  }
  const playlists: PlaylistStatus[] = [];
  for (const [playlistId, dates] of byPlaylist) {
    const sorted = [...new Set(dates)].sort();
    const last = sorted[sorted.length - 1];
    playlists.push({ playlistId, name: await nameIn(store, rawSnapshotKey(last, playlistId)), days: sorted.length, first: sorted[0], last, gaps: missingDates(sorted) });
  }
  return { playlists: playlists.sort((a, b) => (a.playlistId < b.playlistId ? -1 : 1)), lastRun, rejected };
}
