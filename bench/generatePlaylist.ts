/**
 * A large synthetic playlist for the benchmarks, in the 2026 response shape, with the
 * cardinalities of a real long playlist: thousands of artists and albums, tracks with one
 * to four artists, album artists that are not the track's first artist, and repeats.
 * Deterministic (seeded), so every run measures the same data.
 */
import type { Json, StandInData } from "../lib/standin/recordedData";

export interface GeneratedPlaylistOptions {
  playlistId?: string;
  items: number;
  seed?: number;
  /** Share of entries that repeat an earlier track. */
  repeatShare?: number;
}

export const BENCH_PLAYLIST_ID = "0benchPlaylist10000xxx";

/** A small, fast, seeded PRNG (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
function spotifyId(prefix: string, n: number): string {
  let s = "";
  let x = n;
  do {
    s = BASE62[x % 62] + s;
    x = Math.floor(x / 62);
  } while (x > 0);
  return (prefix + "0".repeat(22)).slice(0, 22 - s.length) + s;
}

const url = (kind: string, id: string) => ({ spotify: `https://open.spotify.com/${kind}/${id}` });

export function generatePlaylist(options: GeneratedPlaylistOptions): StandInData {
  const random = rng(options.seed ?? 42);
  const playlistId = options.playlistId ?? BENCH_PLAYLIST_ID;
  const artistCount = Math.max(10, Math.round(options.items * 0.3));
  const albumCount = Math.max(10, Math.round(options.items * 0.25));
  const artists: Record<string, Json> = {};
  const simpleArtists: Json[] = [];
  for (let i = 0; i < artistCount; i++) {
    const id = spotifyId("ar", i);
    const simple = { id, name: `Artist ${i}, "the ${i % 7 === 0 ? "Ünïcode 藝術家" : "band"}"`, type: "artist", uri: `spotify:artist:${id}`, href: `https://api.spotify.com/v1/artists/${id}`, external_urls: url("artist", id) };
    simpleArtists.push(simple);
    artists[id] = { ...simple, images: [] };
  }
  const pickArtist = () => simpleArtists[Math.floor(random() ** 2 * artistCount)];
  const albums: Record<string, Json> = {};
  const simpleAlbums: Json[] = [];
  const precisions = ["day", "day", "day", "month", "year"] as const;
  for (let i = 0; i < albumCount; i++) {
    const id = spotifyId("al", i);
    const precision = precisions[i % precisions.length];
    const year = 1960 + (i % 66);
    const release_date = precision === "day" ? `${year}-0${1 + (i % 9)}-1${i % 10}` : precision === "month" ? `${year}-0${1 + (i % 9)}` : `${year}`;
    const simple = {
      id, name: `Album ${i}`, album_type: i % 5 === 0 ? "single" : "album", total_tracks: 1 + (i % 20),
      release_date, release_date_precision: precision, artists: [pickArtist()], images: [], type: "album",
      uri: `spotify:album:${id}`, href: `https://api.spotify.com/v1/albums/${id}`, external_urls: url("album", id),
    };
    simpleAlbums.push(simple);
    albums[id] = { ...simple, copyrights: [], external_ids: {}, tracks: { href: null, items: [], limit: 50, next: null, offset: 0, previous: null, total: simple.total_tracks } };
  }
  const entries: Json[] = [];
  const tracks: Json[] = [];
  const repeatShare = options.repeatShare ?? 0.02;
  for (let i = 0; i < options.items; i++) {
    if (tracks.length > 0 && random() < repeatShare) {
      entries.push({ ...(entries[Math.floor(random() * entries.length)] as Json) });
      continue;
    }
    const id = spotifyId("tr", i);
    const artistN = random() < 0.75 ? 1 : random() < 0.7 ? 2 : random() < 0.7 ? 3 : 4;
    const trackArtists = Array.from({ length: artistN }, pickArtist);
    const track = {
      type: "track", id, name: `Song ${i}${i % 11 === 0 ? ", with a comma and \"quotes\"" : ""}`, duration_ms: 120_000 + Math.floor(random() * 180_000),
      explicit: random() < 0.2, disc_number: 1, track_number: 1 + (i % 12), is_local: false, external_ids: { isrc: `BENCH${String(i).padStart(7, "0")}` },
      album: simpleAlbums[Math.floor(random() * albumCount)], artists: trackArtists, uri: `spotify:track:${id}`, href: `https://api.spotify.com/v1/tracks/${id}`,
      external_urls: url("track", id), preview_url: null,
    };
    tracks.push(track);
    entries.push({ added_at: new Date(Date.UTC(2020, 0, 1) + i * 3_600_000).toISOString().replace(".000", ""), added_by: { id: "bench-user", type: "user" }, is_local: false, item: track });
  }
  const playlist = {
    id: playlistId, name: `Benchmark playlist of ${options.items} items`, description: "generated", public: true, collaborative: false,
    owner: { id: "bench-user", display_name: "Bench", type: "user" }, snapshot_id: `bench-${options.seed ?? 42}`, type: "playlist",
    uri: `spotify:playlist:${playlistId}`, external_urls: url("playlist", playlistId),
  };
  return { playlists: { [playlistId]: { playlist, entries } }, artists, albums };
}

/** Distinct ids the extraction must enrich: every track artist and album artist, every album. */
export function distinctIds(data: StandInData): { artists: number; albums: number; entries: number } {
  const artistIds = new Set<string>();
  const albumIds = new Set<string>();
  let entries = 0;
  for (const p of Object.values(data.playlists)) {
    for (const e of p.entries) {
      entries++;
      const t = (e.item ?? e.track) as Json | null;
      if (!t) continue;
      for (const a of t.artists as Json[]) artistIds.add(a.id as string);
      const album = t.album as Json;
      for (const a of album.artists as Json[]) artistIds.add(a.id as string);
      albumIds.add(album.id as string);
    }
  }
  return { artists: artistIds.size, albums: albumIds.size, entries };
}
