/**
 * Stand-in data for the extraction tests: the recorded playlists plus a long one built from
 * the recorded "The Core" entries (every track twice, so duplicates keep both positions),
 * with a removed item, a local file and an episode mixed in: 151 entries, 4 pages of 50.
 */
import { loadRecordedData, THE_CORE_ID, TO_FIND_ID, type Json, type StandInData } from "../../lib/standin/recordedData";
import type { RawSnapshot } from "../../lib/snapshot/rawSnapshot";

export { THE_CORE_ID, TO_FIND_ID };
/** A user playlist id (not editorial) holding the long playlist. */
export const LONG_ID = "4uLU6hMCjMI75M1A2tKUQC";
export const LONG_ENTRIES = 151;

const localFile: Json = {
  added_at: "2024-03-01T10:00:00Z",
  added_by: { id: "someone" },
  is_local: true,
  track: {
    type: "track", id: null, name: "A song on my disk", is_local: true, uri: "spotify:local:Me:Disk:A+song:200",
    duration_ms: 200000, explicit: false, disc_number: 0, track_number: 0,
    album: { id: null, name: "Disk", type: "album", artists: [] }, artists: [{ id: null, name: "Me", type: "artist" }],
  },
};
const episode: Json = {
  added_at: "2024-03-02T10:00:00Z",
  added_by: { id: "someone" },
  is_local: false,
  track: { type: "episode", id: "5Xt5DXGzch68nYYamXrNxZ", name: "An episode", duration_ms: 1800000, explicit: false, uri: "spotify:episode:5Xt5DXGzch68nYYamXrNxZ" },
};
const removed: Json = { added_at: "2024-03-03T10:00:00Z", added_by: { id: "someone" }, is_local: false, track: null };

export function testData(): StandInData {
  const data = loadRecordedData();
  const core = data.playlists[THE_CORE_ID];
  const entries = [...core.entries.slice(0, 40), removed, ...core.entries.slice(40), localFile, ...core.entries, episode];
  data.playlists[LONG_ID] = { playlist: { ...core.playlist, id: LONG_ID, name: "The Core, twice", uri: `spotify:playlist:${LONG_ID}` }, entries };
  return data;
}

/** The same data with one album whose release_date_precision Spotify would never send. */
export function testDataWithBadTrack(): StandInData {
  const data = testData();
  const entries = data.playlists[LONG_ID].entries.map((e) => structuredClone(e));
  const track = entries[60].track as Json;
  (track.album as Json).release_date_precision = "week";
  data.playlists[LONG_ID] = { ...data.playlists[LONG_ID], entries };
  return data;
}

/** A snapshot without what legitimately differs between two runs: the times, and optionally the response shape. */
export function comparable(snapshot: RawSnapshot, opts: { ignoreShape?: boolean; ignoreStats?: boolean } = {}): unknown {
  const { started_at: _s, finished_at: _f, ...extraction } = snapshot.extraction;
  const rest: Record<string, unknown> = { ...extraction };
  if (opts.ignoreShape) delete rest.response_shape;
  if (opts.ignoreStats) {
    delete rest.calls;
    delete rest.retries;
    delete rest.http_429;
  }
  const strip = (e: Record<string, unknown>) => {
    if (!opts.ignoreShape) return e;
    const { item, track, ...others } = e;
    return { ...others, content: item !== undefined ? item : track };
  };
  return { ...snapshot, entries: snapshot.entries.map((e) => strip(e as Record<string, unknown>)), extraction: rest };
}
