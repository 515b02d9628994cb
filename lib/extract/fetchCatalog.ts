/**
 * Full artists and albums for a set of ids: batch endpoints first (50 artists, 20 albums);
 * when one answers 403/404 (removed for development-mode apps in February 2026), one id per
 * call for the rest of the run. The first batch call goes alone, so a refusal costs one call.
 */
import { ALBUMS_BATCH, ARTISTS_BATCH, type SpotifyClient } from "../spotify/client";
import { SpotifyApiError } from "../spotify/errors";
import type { Album, Artist } from "../spotify/schemas";
import { byId, chunk } from "../util/collections";

export interface Catalog {
  artists: Artist[];
  albums: Album[];
  missingArtistIds: string[];
  missingAlbumIds: string[];
}

export type CatalogProgress = (kind: "artists" | "albums", done: number, total: number) => void;

const isBatchRefusal = (err: unknown) => err instanceof SpotifyApiError && (err.status === 403 || err.status === 404);
const isNotFound = (err: unknown) => err instanceof SpotifyApiError && err.status === 404;

interface Kind<T extends { id: string }> {
  name: "artists" | "albums";
  ids: string[];
  batchSize: number;
  batch: (ids: string[]) => Promise<(T | null)[]>;
  single: (id: string) => Promise<T>;
}

export async function fetchCatalog(client: SpotifyClient, artistIds: string[], albumIds: string[], onProgress?: CatalogProgress): Promise<Catalog> {
  const artists = new Map<string, Artist>();
  const albums = new Map<string, Album>();
  const missingArtistIds: string[] = [];
  const missingAlbumIds: string[] = [];
  const artistKind: Kind<Artist> = { name: "artists", ids: artistIds, batchSize: ARTISTS_BATCH, batch: (ids) => client.getArtistsBatch(ids), single: (id) => client.getArtist(id) };
  const albumKind: Kind<Album> = { name: "albums", ids: albumIds, batchSize: ALBUMS_BATCH, batch: (ids) => client.getAlbumsBatch(ids), single: (id) => client.getAlbum(id) };

  const progress = { artists: 0, albums: 0 };
  const report = (name: "artists" | "albums", n: number) => {
    progress[name] += n;
    onProgress?.(name, progress[name], name === "artists" ? artistIds.length : albumIds.length);
  };
  const keep = <T extends { id: string }>(kind: Kind<T>, into: Map<string, T>, missing: string[], ids: string[], found: (T | null)[]) => {
    ids.forEach((id, i) => {
      const obj = found[i];
      if (obj && obj.id === id) into.set(id, obj);
      else if (obj) into.set(obj.id, obj); // Spotify answered with a relinked id; keep what it sent
      else missing.push(id);
    });
    report(kind.name, ids.length);
  };

  const runBatches = <T extends { id: string }>(kind: Kind<T>, into: Map<string, T>, missing: string[], chunks: string[][]) =>
    Promise.all(chunks.map(async (ids) => keep(kind, into, missing, ids, await kind.batch(ids))));

  const runSingles = <T extends { id: string }>(kind: Kind<T>, into: Map<string, T>, missing: string[], ids: string[]) =>
    Promise.all(
      ids.map(async (id) => {
        let found: T | null;
        try {
          found = await kind.single(id);
        } catch (err) {
          if (!isNotFound(err)) throw err;
          found = null; // an id the playlist names but Spotify no longer has
        }
        keep(kind, into, missing, [id], [found]);
      }),
    );

  const artistChunks = chunk(artistIds, ARTISTS_BATCH);
  const albumChunks = chunk(albumIds, ALBUMS_BATCH);
  if (client.enrichmentMode === "batch") {
    // Probe with one batch call alone: if batches are refused, only this call is extra.
    const probeArtists = artistChunks.length > 0;
    try {
      if (probeArtists) await runBatches(artistKind, artists, missingArtistIds, artistChunks.splice(0, 1));
      else if (albumChunks.length > 0) await runBatches(albumKind, albums, missingAlbumIds, albumChunks.splice(0, 1));
    } catch (err) {
      if (!isBatchRefusal(err)) throw err;
      client.enrichmentMode = "single";
    }
  }
  if (client.enrichmentMode === "batch") {
    await Promise.all([runBatches(artistKind, artists, missingArtistIds, artistChunks), runBatches(albumKind, albums, missingAlbumIds, albumChunks)]);
  } else {
    const doneArtists = new Set([...artists.keys(), ...missingArtistIds]);
    const doneAlbums = new Set([...albums.keys(), ...missingAlbumIds]);
    await Promise.all([
      runSingles(artistKind, artists, missingArtistIds, artistIds.filter((id) => !doneArtists.has(id))),
      runSingles(albumKind, albums, missingAlbumIds, albumIds.filter((id) => !doneAlbums.has(id))),
    ]);
  }

  return {
    artists: [...artists.values()].sort(byId),
    albums: [...albums.values()].sort(byId),
    missingArtistIds: [...new Set(missingArtistIds)].sort(),
    missingAlbumIds: [...new Set(missingAlbumIds)].sort(),
  };
}
