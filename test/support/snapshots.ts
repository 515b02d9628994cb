/**
 * Raw snapshots built straight from the recorded responses (no HTTP), and entries in the
 * recorded shape for the cases the recordings lack (local files, episodes, null items...).
 */
import { loadRecordedData, THE_CORE_ID, TO_FIND_ID, type Json } from "../../lib/standin/recordedData";
import { RAW_SNAPSHOT_FORMAT, RawSnapshot } from "../../lib/snapshot/rawSnapshot";

export { THE_CORE_ID, TO_FIND_ID };

export type EntryShape = "as-recorded" | "tracks" | "items";

const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

/** The same entry as the pre-2026 API (`track` only) or the 2026 API (`item` only) sends it. */
export function reshapeEntry(entry: Json, shape: EntryShape): Json {
  if (shape === "as-recorded") return clone(entry);
  const { item, track, ...rest } = clone(entry);
  const payload = item ?? track ?? null;
  return shape === "tracks" ? { ...rest, track: payload } : { ...rest, item: payload };
}

function trackOf(entry: Json): Json | undefined {
  const t = (entry.item ?? entry.track) as Json | null | undefined;
  return t && t.type === "track" && t.is_local !== true && entry.is_local !== true ? t : undefined;
}

/**
 * A raw snapshot of a recorded playlist: its metadata, entries (optionally replaced or
 * reshaped), and the full artist and album objects every track needs, as the extractor
 * would have fetched them.
 */
export function recordedSnapshot(
  playlistId: string = THE_CORE_ID,
  opts: { snapshotDate?: string; shape?: EntryShape; entries?: Json[]; artists?: Record<string, Json>; albums?: Record<string, Json> } = {},
): RawSnapshot {
  const data = loadRecordedData();
  const recorded = data.playlists[playlistId];
  if (!recorded) throw new Error(`No recorded playlist ${playlistId}`);
  const entries = (opts.entries ?? recorded.entries).map((e) => reshapeEntry(e, opts.shape ?? "as-recorded"));
  const artistPool = { ...data.artists, ...opts.artists };
  const albumPool = { ...data.albums, ...opts.albums };
  const artistIds = new Set<string>();
  const albumIds = new Set<string>();
  for (const entry of entries) {
    const track = trackOf(entry);
    if (!track) continue;
    const album = track.album as Json;
    for (const a of [...(track.artists as Json[]), ...(album.artists as Json[])]) artistIds.add(a.id as string);
    albumIds.add(album.id as string);
  }
  const doc = {
    format: RAW_SNAPSHOT_FORMAT,
    snapshot_date: opts.snapshotDate ?? "2026-11-20",
    playlist_id: playlistId,
    playlist: clone(recorded.playlist),
    entries,
    artists: [...artistIds].sort().filter((id) => artistPool[id]).map((id) => clone(artistPool[id])),
    albums: [...albumIds].sort().filter((id) => albumPool[id]).map((id) => clone(albumPool[id])),
    extraction: {
      started_at: "2026-11-20T06:00:00.000Z",
      finished_at: "2026-11-20T06:00:04.000Z",
      auth_mode: "sample",
      calls: { token: 1, playlist: 1, playlist_items: Math.max(1, Math.ceil(entries.length / 50)), artists_single: artistIds.size, albums_single: albumIds.size },
      retries: 0,
      http_429: 0,
      skipped: { null_items: 0, local_files: 0, episodes: 0 },
      response_shape: opts.shape === "tracks" ? "tracks" : opts.shape === "items" ? "items" : playlistId === TO_FIND_ID ? "both" : "tracks",
      enrichment_mode: "single",
    },
  };
  return RawSnapshot.parse(doc);
}

/** The recorded entries of a playlist (copies), to edit into variants. */
export function recordedEntries(playlistId: string = THE_CORE_ID): Json[] {
  return clone(loadRecordedData().playlists[playlistId].entries);
}

/** A recorded track entry with the track's fields changed (deep-merged one level into album). */
export function editTrack(entry: Json, change: (track: Json) => void): Json {
  const copy = clone(entry);
  const track = (copy.item ?? copy.track) as Json;
  change(track);
  if (copy.item && copy.track) copy.track = clone(track);
  return copy;
}

/** A local file entry as the API sends it: is_local true, null ids. */
export function localFileEntry(): Json {
  return {
    added_at: "2026-01-02T03:04:05Z",
    added_by: { id: "someone" },
    is_local: true,
    track: {
      type: "track",
      id: null,
      name: "my demo.mp3",
      is_local: true,
      duration_ms: 1000,
      explicit: false,
      album: { id: null, name: "", artists: [] },
      artists: [{ id: null, name: "me" }],
    },
  };
}

/** A podcast episode entry. */
export function episodeEntry(): Json {
  return {
    added_at: "2026-01-02T03:04:05Z",
    added_by: { id: "someone" },
    is_local: false,
    track: { type: "episode", id: "5Xt5DXGzch68nYYamXrNxZ", name: "An episode", duration_ms: 3600000, explicit: false },
  };
}

/** An entry whose track was removed or is unavailable: the API sends null. */
export function nullItemEntry(): Json {
  return { added_at: "2026-01-02T03:04:05Z", added_by: { id: "someone" }, is_local: false, track: null };
}
