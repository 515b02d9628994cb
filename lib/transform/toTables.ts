/**
 * The transform proper: a raw snapshot's frame and its entries in, rows per table out. Pure (no
 * I/O, no clock), so the same snapshot always gives the same rows in the same order, and the
 * files written from them are byte-identical on a rerun.
 */
import type { RawSnapshot, SnapshotFrame } from "../snapshot/rawSnapshot";
import type { Album, Artist } from "../spotify/schemas";
import type { RowOf, TableRows } from "../tables/schema";
import { byId } from "../util/collections";
import { entryOf, urlOf, type AlbumFacts, type ArtistFacts, type Entry } from "./entries";

/** "2021-03-05", "2021-03" or "2021" → 2021; "0000" (Spotify's unknown year) or junk → null. */
export function releaseYear(releaseDate: string): number | null {
  const m = /^(\d{4})(?:-\d{2}){0,2}$/.exec(releaseDate);
  if (!m) return null;
  const year = Number(m[1]);
  return year > 0 ? year : null;
}

type TrackEntry = Extract<Entry, { skipped: false }>;

/**
 * Rows of every table of a raw snapshot read whole. Throws an InvalidSnapshotError naming
 * entries[i] for a track or an added_at that does not fit.
 */
export function snapshotToTables(snapshot: RawSnapshot): TableRows {
  const extractedAt = snapshot.extraction.finished_at;
  return tablesOf(snapshot, snapshot.entries.map((entry, index) => entryOf(entry, index, extractedAt)));
}

const albumRow = (playlistId: string, a: Omit<AlbumFacts, "url" | "artists">, url: string | null): RowOf<"albums"> => ({
  playlist_id: playlistId,
  album_id: a.id,
  album_name: a.name,
  album_type: a.album_type,
  release_date: a.release_date,
  release_date_precision: a.release_date_precision,
  release_year: releaseYear(a.release_date),
  total_tracks: a.total_tracks,
  album_url: url,
});

const fullArtistRow = (playlistId: string, a: Artist): RowOf<"artists"> => ({
  playlist_id: playlistId,
  artist_id: a.id,
  artist_name: a.name,
  genres: a.genres ? [...a.genres] : null,
  followers: a.followers?.total ?? null,
  popularity: a.popularity ?? null,
  artist_url: urlOf(a),
});

/**
 * Rows of every table for one playlist on one snapshot date, from its entries in playlist order.
 *
 * - `playlist_tracks.position` is 1-based over EVERY entry the API returned: a skipped entry
 *   (null item, local file, episode) keeps its slot, so positions match the Spotify app and
 *   a gap shows where something was skipped.
 * - A song listed twice gives two playlist_tracks rows and one songs row.
 * - songs, song_artists, albums and artists are de-duplicated and sorted by id (song_artists
 *   by song then artist_position); playlist_tracks keeps playlist order.
 * - song_artists lists every artist of the track in order, never the album's artists.
 * - Albums and artists come from the full objects of the snapshot when present, else from
 *   the simplified objects inside the tracks (the first met in song order; then
 *   genres/followers/popularity are null).
 * - Missing popularity, followers or genres stay null (never 0); an empty genres list stays [].
 */
export function tablesOf(frame: SnapshotFrame, entries: readonly Entry[]): TableRows {
  const playlistId = frame.playlist_id;
  const playlistTracks: RowOf<"playlist_tracks">[] = [];
  const songs = new Map<string, TrackEntry>();
  entries.forEach((entry, index) => {
    if (entry.skipped) return;
    const song = entry.song;
    playlistTracks.push({
      playlist_id: playlistId,
      position: index + 1,
      song_id: song.id,
      added_at: entry.added_at === null ? null : new Date(entry.added_at),
      added_by: entry.added_by,
    });
    if (!songs.has(song.id)) songs.set(song.id, entry);
  });

  const sortedSongs = [...songs.values()].sort((a, b) => byId(a.song, b.song));
  const fullAlbums = new Map<string, Album>(frame.albums.map((a) => [a.id, a]));
  const fullArtists = new Map<string, Artist>(frame.artists.map((a) => [a.id, a]));
  const albums = new Map<string, RowOf<"albums">>();
  const artists = new Map<string, RowOf<"artists">>();
  const addArtist = (a: ArtistFacts) => {
    if (artists.has(a.id)) return;
    const full = fullArtists.get(a.id);
    // A simplified artist has no genres, followers or popularity: null, never 0.
    const simple = { playlist_id: playlistId, artist_id: a.id, artist_name: a.name, genres: null, followers: null, popularity: null, artist_url: a.url };
    artists.set(a.id, full ? fullArtistRow(playlistId, full) : simple);
  };
  const songArtists: RowOf<"song_artists">[] = [];
  for (const { song, album, artists: trackArtists } of sortedSongs) {
    if (!albums.has(album.id)) {
      const full = fullAlbums.get(album.id);
      albums.set(album.id, full ? albumRow(playlistId, full, urlOf(full)) : albumRow(playlistId, album, album.url));
    }
    trackArtists.forEach((artist, k) => songArtists.push({ playlist_id: playlistId, song_id: song.id, artist_id: artist.id, artist_position: k + 1 }));
    trackArtists.forEach(addArtist);
    album.artists.forEach(addArtist);
  }

  const songRows = sortedSongs.map(({ song, album }): RowOf<"songs"> => ({
    playlist_id: playlistId,
    song_id: song.id,
    song_name: song.name,
    duration_ms: song.duration_ms,
    explicit: song.explicit,
    popularity: song.popularity,
    isrc: song.isrc,
    disc_number: song.disc_number,
    track_number: song.track_number,
    album_id: album.id,
    song_url: song.url,
  }));
  const sortedValues = <R extends { album_id: string } | { artist_id: string }>(rows: Map<string, R>) => [...rows.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, row]) => row);
  return {
    playlists: [
      {
        playlist_id: playlistId,
        playlist_name: frame.playlist.name,
        owner_id: frame.playlist.owner.id,
        spotify_snapshot_id: frame.playlist.snapshot_id,
        // Every entry returned, skipped ones included: the playlist's length as Spotify shows it.
        total_items: entries.length,
      },
    ],
    playlist_tracks: playlistTracks,
    songs: songRows,
    song_artists: songArtists,
    albums: sortedValues(albums),
    artists: sortedValues(artists),
  };
}

/** Row counts per table, for logs and outcomes. */
export function rowCounts(tables: TableRows): Record<keyof TableRows, number> {
  return Object.fromEntries(Object.entries(tables).map(([name, rows]) => [name, rows.length])) as Record<keyof TableRows, number>;
}
