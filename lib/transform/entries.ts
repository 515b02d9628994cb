/**
 * One playlist entry of a raw snapshot, checked and reduced to what the tables take from it,
 * with named fields. Once read, the entry's API objects (about 1.5 KB of JSON each) can die
 * young; only these facts are kept until the tables are built (toTables.ts).
 */
import { z } from "zod";
import { InvalidSnapshotError } from "../snapshot/rawSnapshot";
import { describeZodError, PlaylistEntry, readEntry, type SimplifiedAlbum, type SimplifiedArtist } from "../spotify/schemas";
import { addedAtMs } from "./addedAt";

/** What the artists table can take from an artist object inside a track. */
export interface ArtistFacts {
  id: string;
  name: string;
  url: string | null;
}

/** What the albums table can take from the album object inside a track. */
export interface AlbumFacts {
  id: string;
  name: string;
  album_type: string;
  release_date: string;
  release_date_precision: string;
  total_tracks: number;
  url: string | null;
  artists: ArtistFacts[];
}

/** A track entry; a null item, local file or episode is `skipped` (it keeps its position). */
export type Entry =
  | { skipped: true }
  | {
      skipped: false;
      /** Milliseconds since the epoch, or null when the entry has none. */
      added_at: number | null;
      added_by: string | null;
      /** The added_at text, kept to explain a value the extraction record later shows to be too late. */
      added_at_text: string | null;
      song: { id: string; name: string; duration_ms: number; explicit: boolean; popularity: number | null; isrc: string | null; disc_number: number; track_number: number; url: string | null };
      album: AlbumFacts;
      artists: ArtistFacts[];
    };

/** An object's Spotify URL, null when it has none. */
export const urlOf = (o: { external_urls?: { spotify?: string } }) => o.external_urls?.spotify ?? null;

const artistFacts = (a: SimplifiedArtist): ArtistFacts => ({ id: a.id, name: a.name, url: urlOf(a) });

const albumFacts = (a: SimplifiedAlbum): AlbumFacts => ({
  id: a.id,
  name: a.name,
  album_type: a.album_type,
  release_date: a.release_date,
  release_date_precision: a.release_date_precision,
  total_tracks: a.total_tracks,
  url: urlOf(a),
  artists: a.artists.map(artistFacts),
});

/** The error of entries[index], its path given from the document's root. */
const invalid = (index: number, error: z.ZodError, field: string[] = []) =>
  new InvalidSnapshotError(`raw snapshot does not validate at ${describeZodError(new z.ZodError(error.issues.map((i) => ({ ...i, path: ["entries", index, ...field, ...i.path] }))))}`);

/**
 * The entry at `entries[index]` of a raw snapshot, checked with zod; throws an
 * InvalidSnapshotError naming the field that does not fit. Without `extractedAt`, added_at has
 * no upper bound here: the caller checks the latest once it knows the extraction record.
 */
export function entryOf(json: unknown, index: number, extractedAt: string | undefined): Entry {
  const parsed = PlaylistEntry.safeParse(json);
  if (!parsed.success) throw invalid(index, parsed.error);
  const entry = parsed.data;
  let read: ReturnType<typeof readEntry>;
  try {
    read = readEntry(entry);
  } catch (err) {
    if (err instanceof z.ZodError) throw invalid(index, err, [entry.item != null ? "item" : "track"]);
    throw err;
  }
  if (read.kind !== "track") return { skipped: true };
  const track = read.track;
  const text = entry.added_at || null; // an empty or missing added_at is unknown
  const addedAt = text === null ? null : addedAtMs(text, extractedAt);
  if (typeof addedAt === "string") throw new InvalidSnapshotError(`raw snapshot does not validate at entries[${index}].added_at: ${addedAt}.`);
  return {
    skipped: false,
    added_at: addedAt,
    // Editorial playlists send added_by.id "" (no user): that is unknown, not a user called "".
    added_by: entry.added_by?.id || null,
    added_at_text: text,
    song: {
      id: track.id,
      name: track.name,
      duration_ms: track.duration_ms,
      explicit: track.explicit,
      popularity: track.popularity ?? null,
      isrc: track.external_ids?.isrc ?? null,
      disc_number: track.disc_number,
      track_number: track.track_number,
      url: urlOf(track),
    },
    album: albumFacts(track.album),
    artists: track.artists.map(artistFacts),
  };
}
