/**
 * A generated multi-playlist lake built through the real transform: `playlists` copies of the
 * recorded playlist "The Core", each under its own id and name, over `days` days. Playlist i on
 * day d lists the recorded entries rotated by i + d and cut to a length that varies, so days
 * and playlists differ (entries, exits and moves every day).
 */
import { rawSnapshotKey } from "../../lib/lake/layout";
import { LocalStore } from "../../lib/storage/localStore";
import { transformAll, type TransformOutcome } from "../../lib/transform/transformObject";
import { recordedEntries, recordedSnapshot, THE_CORE_ID } from "./snapshots";

export const fleetPlaylistId = (i: number) => `fleet${String(i).padStart(4, "0")}`;
export const fleetDay = (d: number) => new Date(Date.UTC(2026, 10, 1 + d)).toISOString().slice(0, 10);

/** A remainder that is never negative (days before the first of November are negative d). */
const mod = (a: number, n: number) => ((a % n) + n) % n;

/** The raw snapshot of playlist i on day d (optionally with the entries reversed: a "re-extraction" that changed). */
export function fleetSnapshot(i: number, d: number, opts: { reversed?: boolean } = {}) {
  const all = recordedEntries(THE_CORE_ID);
  const start = mod(i + d, all.length);
  const rotated = [...all.slice(start), ...all.slice(0, start)].slice(0, 4 + mod(i * 3 + d, 5));
  const base = recordedSnapshot(THE_CORE_ID, { snapshotDate: fleetDay(d), entries: opts.reversed ? rotated.reverse() : rotated });
  const id = fleetPlaylistId(i);
  return { ...base, playlist_id: id, playlist: { ...base.playlist, id, name: `Fleet playlist ${i}` } };
}

/** Days fleetDay(firstDay) to fleetDay(firstDay + days - 1); a negative firstDay starts in October. */
export async function buildFleetLake(dir: string, playlists: number, days: number, firstDay = 0): Promise<{ store: LocalStore; outcomes: TransformOutcome[] }> {
  const store = new LocalStore(dir);
  for (let d = firstDay; d < firstDay + days; d++) {
    for (let i = 0; i < playlists; i++) await store.put(rawSnapshotKey(fleetDay(d), fleetPlaylistId(i)), JSON.stringify(fleetSnapshot(i, d)));
  }
  return { store, outcomes: await transformAll(store) };
}
