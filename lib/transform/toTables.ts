/**
 * The transform proper: a raw snapshot in, rows per table out. Pure (no I/O, no clock), so
 * the same snapshot always gives the same rows in the same order, and the files written
 * from them are byte-identical on a rerun.
 */
import type { RawSnapshot } from "../snapshot/rawSnapshot";
import type { Album, Artist } from "../spotify/schemas";
import type { RowOf, TableRows } from "../tables/schema";
import { byId } from "../util/collections";
import { digestEntry, SIMPLE_ARTIST_FIELDS, SKIPPED, TRACK_FIELDS, urlOf, type DigestValue, type EntryDigests } from "./entryDigest";

/** "2021-03-05", "2021-03" or "2021" → 2021; "0000" (Spotify's unknown year) or junk → null. */
export function releaseYear(releaseDate: string): number | null {
  const m = /^(\d{4})(?:-\d{2}){0,2}$/.exec(releaseDate);
  if (!m) return null;
  const year = Number(m[1]);
  return year > 0 ? year : null;
}

/** What the albums table takes from an album, full or simplified. */
interface AlbumFacts {
  id: string;
  name: string;
  album_type: string;
  release_date: string;
  release_date_precision: string;
  total_tracks: number;
  url: string | null;
}

/** What the artists table takes from an artist; a simplified one has no genres, followers or popularity. */
interface ArtistFacts {
  id: string;
  name: string;
  genres: string[] | null;
  followers: number | null;
  popularity: number | null;
  url: string | null;
}

/** The first occurrence of a song in the playlist: its row, and where its entry's digest starts. */
interface DigestedSong {
  id: string;
  row: RowOf<"songs">;
  at: number;
}

const fullAlbumFacts = (a: Album): AlbumFacts => ({
  id: a.id,
  name: a.name,
  album_type: a.album_type,
  release_date: a.release_date,
  release_date_precision: a.release_date_precision,
  total_tracks: a.total_tracks,
  url: urlOf(a),
});

const fullArtistFacts = (a: Artist): ArtistFacts => ({
  id: a.id,
  name: a.name,
  genres: a.genres ? [...a.genres] : null,
  followers: a.followers?.total ?? null,
  popularity: a.popularity ?? null,
  url: urlOf(a),
});

/** The simplified album of the track whose digest starts at `at`. */
const digestedAlbumFacts = (d: readonly DigestValue[], at: number): AlbumFacts => ({
  id: d[at + 12] as string,
  name: d[at + 13] as string,
  album_type: d[at + 14] as string,
  release_date: d[at + 15] as string,
  release_date_precision: d[at + 16] as string,
  total_tracks: d[at + 17] as number,
  url: d[at + 18] as string | null,
});

/** Where a list of artists that starts at `at` (its count first) ends. */
const artistsEnd = (d: readonly DigestValue[], at: number): number => at + 1 + (d[at] as number) * SIMPLE_ARTIST_FIELDS;
/** Where the artists of the track whose digest starts at `at` are (their count first); its album's come first, at at + TRACK_FIELDS. */
const trackArtistsAt = (d: readonly DigestValue[], at: number): number => artistsEnd(d, at + TRACK_FIELDS);

/** The raw snapshot without its entries: the frame the entries' digests are read with. */
export type SnapshotFrame = Omit<RawSnapshot, "entries">;

/**
 * Rows of every table of a raw snapshot read whole: its entries digested (entryDigest.ts), then
 * tablesFromDigests. Throws an InvalidSnapshotError naming entries[i] for a track or an added_at
 * that does not fit.
 */
export function snapshotToTables(snapshot: RawSnapshot): TableRows {
  const digests: EntryDigests = [];
  const extractedAt = snapshot.extraction.finished_at;
  snapshot.entries.forEach((entry, index) => digestEntry(entry, index, digests, extractedAt));
  return tablesFromDigests(snapshot, digests);
}

/**
 * Rows of every table for one playlist on one snapshot date, from the digests of its entries
 * in playlist order.
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
export function tablesFromDigests(frame: SnapshotFrame, digests: readonly DigestValue[]): TableRows {
  const d = digests; // read by offset, laid out as entryDigest.ts says
  const playlistId = frame.playlist_id;
  const playlistTracks: RowOf<"playlist_tracks">[] = [];
  const songs = new Map<string, DigestedSong>();

  let position = 0;
  for (let at = 0; at < d.length; ) {
    position++;
    if (d[at] === SKIPPED) {
      at++;
      continue;
    }
    const addedAt = d[at + 1] as number | null;
    const songId = d[at + 3] as string;
    playlistTracks.push({
      playlist_id: playlistId,
      position,
      song_id: songId,
      added_at: addedAt === null ? null : new Date(addedAt),
      added_by: d[at + 2] as string | null,
    });
    if (!songs.has(songId)) {
      songs.set(songId, {
        id: songId,
        at,
        row: {
          playlist_id: playlistId,
          song_id: songId,
          song_name: d[at + 4] as string,
          duration_ms: d[at + 5] as number,
          explicit: d[at + 6] as boolean,
          popularity: d[at + 7] as number | null,
          isrc: d[at + 8] as string | null,
          disc_number: d[at + 9] as number,
          track_number: d[at + 10] as number,
          album_id: d[at + 12] as string,
          song_url: d[at + 11] as string | null,
        },
      });
    }
    at = artistsEnd(d, trackArtistsAt(d, at));
  }

  const sortedSongs = [...songs.values()].sort(byId);
  const fullAlbums = new Map<string, Album>(frame.albums.map((a) => [a.id, a]));
  const fullArtists = new Map<string, Artist>(frame.artists.map((a) => [a.id, a]));
  const albums = new Map<string, AlbumFacts>();
  const artists = new Map<string, ArtistFacts>();
  // The first one met in song order stands for an album or artist the snapshot has no full object of.
  const songArtists: RowOf<"song_artists">[] = [];
  for (const song of sortedSongs) {
    const albumId = d[song.at + 12] as string;
    if (!albums.has(albumId)) {
      const full = fullAlbums.get(albumId);
      albums.set(albumId, full ? fullAlbumFacts(full) : digestedAlbumFacts(d, song.at));
    }
    const trackArtists = trackArtistsAt(d, song.at);
    for (const list of [trackArtists, song.at + TRACK_FIELDS]) {
      const count = d[list] as number;
      for (let k = 0, i = list + 1; k < count; k++, i += SIMPLE_ARTIST_FIELDS) {
        const artistId = d[i] as string;
        // song_artists lists the track's own artists, never the album's.
        if (list === trackArtists) songArtists.push({ playlist_id: playlistId, song_id: song.id, artist_id: artistId, artist_position: k + 1 });
        if (artists.has(artistId)) continue;
        const full = fullArtists.get(artistId);
        artists.set(artistId, full ? fullArtistFacts(full) : { id: artistId, name: d[i + 1] as string, genres: null, followers: null, popularity: null, url: d[i + 2] as string | null });
      }
    }
  }

  return {
    playlists: [
      {
        playlist_id: playlistId,
        playlist_name: frame.playlist.name,
        owner_id: frame.playlist.owner.id,
        spotify_snapshot_id: frame.playlist.snapshot_id,
        // Every entry returned, skipped ones included: the playlist's length as Spotify shows it.
        total_items: position,
      },
    ],
    playlist_tracks: playlistTracks,
    songs: sortedSongs.map((s) => s.row),
    song_artists: songArtists,
    albums: [...albums.values()].sort(byId).map((a): RowOf<"albums"> => ({
      playlist_id: playlistId,
      album_id: a.id,
      album_name: a.name,
      album_type: a.album_type,
      release_date: a.release_date,
      release_date_precision: a.release_date_precision,
      release_year: releaseYear(a.release_date),
      total_tracks: a.total_tracks,
      album_url: a.url,
    })),
    artists: [...artists.values()].sort(byId).map((a): RowOf<"artists"> => ({
      playlist_id: playlistId,
      artist_id: a.id,
      artist_name: a.name,
      genres: a.genres,
      followers: a.followers,
      popularity: a.popularity,
      artist_url: a.url,
    })),
  };
}

/** Row counts per table, for logs and outcomes. */
export function rowCounts(tables: TableRows): Record<keyof TableRows, number> {
  return Object.fromEntries(Object.entries(tables).map(([name, rows]) => [name, rows.length])) as Record<keyof TableRows, number>;
}
