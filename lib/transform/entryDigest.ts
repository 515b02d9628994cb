/**
 * What the tables take from one playlist entry, as a flat run of primitives appended to an
 * array. Once an entry is digested its API objects (about 1.5 KB of JSON each) can die young
 * instead of living until the tables are built (snapshotInPieces.ts says what that saves); the
 * primitives are all that is kept.
 *
 * One entry's run, in order:
 *
 *   SKIPPED                                     a null item, local file or episode (it keeps its position)
 *   TRACK, added_at (ms) | null, added_by | null,
 *     id, name, duration_ms, explicit, popularity | null, isrc | null, disc_number, track_number, url | null,
 *     album id, name, album_type, release_date, release_date_precision, total_tracks, url | null,
 *     the number of album artists, then id, name, url | null of each,
 *     the number of artists, then id, name, url | null of each
 *
 * tablesFromDigests (toTables.ts) reads it back; TRACK_FIELDS and SIMPLE_ARTIST_FIELDS are its sizes.
 */
import { z } from "zod";
import { InvalidSnapshotError } from "../snapshot/rawSnapshot";
import { describeZodError, PlaylistEntry, readEntry, type SimplifiedArtist, type Track } from "../spotify/schemas";
import { fastCheck } from "../util/fastCheck";
import { addedAtMs } from "./addedAt";

export type DigestValue = string | number | boolean | null;
export type EntryDigests = DigestValue[];

export const SKIPPED = 0;
export const TRACK = 1;
/** Values of a TRACK run before its album artists: the marker, 2 of the entry, 9 of the track, 7 of its album. */
export const TRACK_FIELDS = 19;
/** Values per artist: id, name, url. */
export const SIMPLE_ARTIST_FIELDS = 3;

/** An object's Spotify URL, null when it has none. */
export const urlOf = (o: { external_urls?: { spotify?: string } }) => o.external_urls?.spotify ?? null;

function readTrack(entry: PlaylistEntry, index: number): Track | undefined {
  try {
    const read = readEntry(entry);
    return read.kind === "track" ? read.track : undefined;
  } catch (err) {
    if (err instanceof z.ZodError) {
      throw new InvalidSnapshotError(`raw snapshot does not validate at entries[${index}].${entry.item != null ? "item" : "track"}.${describeZodError(err)}`);
    }
    throw err;
  }
}

function pushArtists(artists: readonly SimplifiedArtist[], out: EntryDigests): void {
  out.push(artists.length);
  for (const a of artists) out.push(a.id, a.name, urlOf(a));
}

/**
 * Appends the digest of `entry` (already checked as a PlaylistEntry) to `out` and returns its
 * added_at in milliseconds (-Infinity when it has none or is skipped). Throws an
 * InvalidSnapshotError naming `entries[index]` for a track or added_at that does not fit.
 * Without `extractedAt`, added_at has no upper bound here: the caller checks the largest.
 */
export function digestEntry(entry: PlaylistEntry, index: number, out: EntryDigests, extractedAt: string | undefined): number {
  const track = readTrack(entry, index);
  if (!track) {
    out.push(SKIPPED);
    return -Infinity;
  }
  let addedAt: number | null = null;
  const value = entry.added_at;
  if (value !== null && value !== undefined && value !== "") {
    const ms = addedAtMs(value, extractedAt);
    if (typeof ms === "string") throw new InvalidSnapshotError(`raw snapshot does not validate at entries[${index}].added_at: ${ms}.`);
    addedAt = ms;
  }
  const album = track.album;
  out.push(
    TRACK,
    addedAt,
    // Editorial playlists send added_by.id "" (no user): that is unknown, not a user called "".
    entry.added_by?.id || null,
    track.id,
    track.name,
    track.duration_ms,
    track.explicit,
    track.popularity ?? null,
    track.external_ids?.isrc ?? null,
    track.disc_number,
    track.track_number,
    urlOf(track),
    album.id,
    album.name,
    album.album_type,
    album.release_date,
    album.release_date_precision,
    album.total_tracks,
    urlOf(album),
  );
  pushArtists(album.artists, out);
  pushArtists(track.artists, out);
  return addedAt ?? -Infinity;
}

const isPlaylistEntry = fastCheck(PlaylistEntry);

/**
 * Digests one entry line (its JSON text) into `out` as digestEntry does, after the check the
 * whole-document read makes of an entry; returns its added_at (ms, or -Infinity), or undefined
 * when the line is not a valid entry. Nothing is explained here: the caller reads the document
 * the whole way then, whose error names the field (transformObject.ts).
 */
export function digestEntryLine(text: string, out: EntryDigests): number | undefined {
  try {
    const entry: unknown = JSON.parse(text);
    if (isPlaylistEntry(entry)) return digestEntry(entry as PlaylistEntry, -1, out, undefined);
  } catch {
    // not JSON, or a track or added_at that does not fit (digestEntry appends nothing then)
  }
  return undefined;
}
