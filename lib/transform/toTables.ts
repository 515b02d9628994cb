/**
 * The transform proper: a raw snapshot in, rows per table out. Pure (no I/O, no clock), so
 * the same snapshot always gives the same rows in the same order, and the files written
 * from them are byte-identical on a rerun.
 */
import { z } from "zod";
import { InvalidSnapshotError, type RawSnapshot } from "../snapshot/rawSnapshot";
import { describeZodError, readEntry, type Album, type Artist, type SimplifiedAlbum, type SimplifiedArtist, type Track } from "../spotify/schemas";
import type { RowOf, TableRows } from "../tables/schema";
import { byId } from "../util/collections";
import { parseAddedAt } from "./addedAt";

/** "2021-03-05", "2021-03" or "2021" → 2021; "0000" (Spotify's unknown year) or junk → null. */
export function releaseYear(releaseDate: string): number | null {
  const m = /^(\d{4})(?:-\d{2}){0,2}$/.exec(releaseDate);
  if (!m) return null;
  const year = Number(m[1]);
  return year > 0 ? year : null;
}

function addedAtOrNull(value: string | null | undefined, extractedAt: string, where: string): Date | null {
  if (value === null || value === undefined || value === "") return null;
  const parsed = parseAddedAt(value, extractedAt);
  if (typeof parsed === "string") throw new InvalidSnapshotError(`raw snapshot does not validate at ${where}: ${parsed}.`);
  return parsed;
}

function readTrack(entry: RawSnapshot["entries"][number], index: number): Track | undefined {
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

const urlOf = (o: { external_urls?: { spotify?: string } }) => o.external_urls?.spotify ?? null;

/**
 * Rows of every table for one playlist on one snapshot date.
 *
 * - `playlist_tracks.position` is 1-based over EVERY entry the API returned: a skipped entry
 *   (null item, local file, episode) keeps its slot, so positions match the Spotify app and
 *   a gap shows where something was skipped.
 * - A song listed twice gives two playlist_tracks rows and one songs row.
 * - songs, song_artists, albums and artists are de-duplicated and sorted by id (song_artists
 *   by song then artist_position); playlist_tracks keeps playlist order.
 * - song_artists lists every artist of the track in order, never the album's artists.
 * - Albums and artists come from the full objects of the snapshot when present, else from
 *   the simplified objects inside the tracks (then genres/followers/popularity are null).
 * - Missing popularity, followers or genres stay null (never 0); an empty genres list stays [].
 */
export function snapshotToTables(snapshot: RawSnapshot): TableRows {
  const playlistId = snapshot.playlist_id;
  const playlistTracks: RowOf<"playlist_tracks">[] = [];
  const songs = new Map<string, Track>();

  snapshot.entries.forEach((entry, index) => {
    const track = readTrack(entry, index);
    if (!track) return;
    playlistTracks.push({
      playlist_id: playlistId,
      position: index + 1,
      song_id: track.id,
      added_at: addedAtOrNull(entry.added_at, snapshot.extraction.finished_at, `entries[${index}].added_at`),
      // Editorial playlists send added_by.id "" (no user): that is unknown, not a user called "".
      added_by: entry.added_by?.id || null,
    });
    if (!songs.has(track.id)) songs.set(track.id, track);
  });

  const sortedSongs = [...songs.values()].sort(byId);
  const fullAlbums = new Map<string, Album>(snapshot.albums.map((a) => [a.id, a]));
  const fullArtists = new Map<string, Artist>(snapshot.artists.map((a) => [a.id, a]));
  const albums = new Map<string, SimplifiedAlbum>();
  const artists = new Map<string, SimplifiedArtist | Artist>();
  for (const song of sortedSongs) {
    albums.set(song.album.id, fullAlbums.get(song.album.id) ?? albums.get(song.album.id) ?? song.album);
    for (const a of [...song.artists, ...song.album.artists]) artists.set(a.id, fullArtists.get(a.id) ?? artists.get(a.id) ?? a);
  }

  return {
    playlists: [
      {
        playlist_id: playlistId,
        playlist_name: snapshot.playlist.name,
        owner_id: snapshot.playlist.owner.id,
        spotify_snapshot_id: snapshot.playlist.snapshot_id,
        // Every entry returned, skipped ones included: the playlist's length as Spotify shows it.
        total_items: snapshot.entries.length,
      },
    ],
    playlist_tracks: playlistTracks,
    songs: sortedSongs.map((s): RowOf<"songs"> => ({
      playlist_id: playlistId,
      song_id: s.id,
      song_name: s.name,
      duration_ms: s.duration_ms,
      explicit: s.explicit,
      popularity: s.popularity ?? null,
      isrc: s.external_ids?.isrc ?? null,
      disc_number: s.disc_number,
      track_number: s.track_number,
      album_id: s.album.id,
      song_url: urlOf(s),
    })),
    song_artists: sortedSongs.flatMap((s) =>
      s.artists.map((a, i): RowOf<"song_artists"> => ({ playlist_id: playlistId, song_id: s.id, artist_id: a.id, artist_position: i + 1 })),
    ),
    albums: [...albums.values()].sort(byId).map((a): RowOf<"albums"> => ({
      playlist_id: playlistId,
      album_id: a.id,
      album_name: a.name,
      album_type: a.album_type,
      release_date: a.release_date,
      release_date_precision: a.release_date_precision,
      release_year: releaseYear(a.release_date),
      total_tracks: a.total_tracks,
      album_url: urlOf(a),
    })),
    artists: [...artists.values()].sort(byId).map((a): RowOf<"artists"> => {
      const full = a as Partial<Artist>;
      return {
        playlist_id: playlistId,
        artist_id: a.id,
        artist_name: a.name,
        genres: full.genres ? [...full.genres] : null,
        followers: full.followers?.total ?? null,
        popularity: full.popularity ?? null,
        artist_url: urlOf(a),
      };
    }),
  };
}

/** Row counts per table, for logs and outcomes. */
export function rowCounts(tables: TableRows): Record<keyof TableRows, number> {
  return Object.fromEntries(Object.entries(tables).map(([name, rows]) => [name, rows.length])) as Record<keyof TableRows, number>;
}
