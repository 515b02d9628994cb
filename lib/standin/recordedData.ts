/**
 * Recorded Spotify responses (fixtures/spotify, copied verbatim from ../shared) turned into
 * the data a Spotify stand-in serves: playlists with their entries, and a full artist and
 * album object for every id the playlists mention.
 *
 * The recordings hold full objects for only one artist and one album, neither of them in a
 * recorded playlist; so the others are derived from the simplified objects inside the
 * tracks, in the shape a development-mode app gets in 2026 (no popularity, no followers,
 * no genres). The recorded full objects are served too, for anyone who asks for their ids.
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";

export type Json = Record<string, unknown>;

export interface StandInPlaylist {
  /** The playlist object without its embedded page of entries. */
  playlist: Json;
  /** Every entry, in order, as recorded (`item` and/or `track`). */
  entries: Json[];
}

export interface StandInData {
  playlists: Record<string, StandInPlaylist>;
  artists: Record<string, Json>;
  albums: Record<string, Json>;
}

export const RECORDED_FIXTURES_DIR = path.resolve(__dirname, "../../fixtures/spotify");

/** "The Core", 74 tracks, pre-2026 shape (`tracks` / `track`), an editorial id. */
export const THE_CORE_ID = "37i9dQZF1DWXIcbzpLauPS";
/** "To find", 1 track with two artists, 2026 transition shape (`items`+`tracks`, `item`+`track`). */
export const TO_FIND_ID = "1Cp6VQCKf2VL4sP09jN9oX";

function readJson(dir: string, name: string): Json {
  return JSON.parse(readFileSync(path.join(dir, name), "utf8")) as Json;
}

function pageOf(playlist: Json): Json[] {
  const page = (playlist.items ?? playlist.tracks) as { items?: Json[] } | undefined;
  return page?.items ?? [];
}

function withoutPage(playlist: Json): Json {
  const { items: _items, tracks: _tracks, ...rest } = playlist;
  return rest;
}

/** A full Artist as a development-mode app receives it: no followers, popularity or genres. */
export function fullArtistFrom(simplified: Json): Json {
  return { ...simplified, images: [] };
}

/** A full Album from the simplified album inside a track. */
export function fullAlbumFrom(simplified: Json): Json {
  const { available_markets: _markets, album_group: _group, is_playable: _playable, ...rest } = simplified;
  return {
    ...rest,
    copyrights: [],
    external_ids: {},
    tracks: { href: null, items: [], limit: 50, next: null, offset: 0, previous: null, total: simplified.total_tracks ?? 0 },
  };
}

/** Adds a full artist and album for every track of the entries to the maps, keeping what is already there. */
export function addCatalogFor(entries: Json[], artists: Record<string, Json>, albums: Record<string, Json>): void {
  for (const entry of entries) {
    const track = (entry.item ?? entry.track) as Json | null | undefined;
    if (!track || track.is_local === true || entry.is_local === true || track.type !== "track") continue;
    const album = track.album as Json;
    for (const artist of [...(track.artists as Json[]), ...((album.artists as Json[]) ?? [])]) {
      const id = artist.id as string | null;
      if (id && !artists[id]) artists[id] = fullArtistFrom(artist);
    }
    const albumId = album.id as string | null;
    if (albumId && !albums[albumId]) albums[albumId] = fullAlbumFrom(album);
  }
}

export function loadRecordedData(dir: string = RECORDED_FIXTURES_DIR): StandInData {
  const theCore = readJson(dir, "spotify-sdk-playlist-the-core.json");
  const toFind = readJson(dir, "joostlek-playlist_1.json");
  const recordedArtist = readJson(dir, "joostlek-artist.json");
  const recordedAlbum = readJson(dir, "joostlek-get_album.json");

  const playlists: Record<string, StandInPlaylist> = {
    [THE_CORE_ID]: { playlist: withoutPage(theCore), entries: pageOf(theCore) },
    [TO_FIND_ID]: { playlist: withoutPage(toFind), entries: pageOf(toFind) },
  };
  const artists: Record<string, Json> = { [recordedArtist.id as string]: recordedArtist };
  const albums: Record<string, Json> = { [recordedAlbum.id as string]: recordedAlbum };
  for (const p of Object.values(playlists)) addCatalogFor(p.entries, artists, albums);
  return { playlists, artists, albums };
}
