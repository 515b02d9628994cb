/**
 * Full artists and albums for a set of ids: batch endpoints first (50 artists, 20 albums);
 * when one answers 403/404 (removed for development-mode apps in February 2026), one id per
 * call for the rest of the run. The first batch call goes alone, so a refusal costs one call.
 * Each answer is handed to `onFetched` (the cache writes it) before the next call starts, and
 * no call starts once the deadline passed.
 */
import { ALBUMS_BATCH, ARTISTS_BATCH, type SpotifyClient } from "../spotify/client";
import { SpotifyApiError } from "../spotify/errors";
import type { Album, Artist } from "../spotify/schemas";
import { chunk } from "../util/collections";
import type { CatalogKind, IdsByKind } from "./catalogCache";
import { runPool, type Deadline } from "./deadline";

export type CatalogObject = Artist | Album;

export interface FetchedCatalog {
  /** By the id asked for: the object Spotify sent (checked to carry that id, lib/spotify/client.ts checkAnswers), or null when it has none. */
  found: Record<CatalogKind, Map<string, CatalogObject | null>>;
  /** False when the deadline stopped the fetching before every id was answered. */
  complete: boolean;
}

export type CatalogProgress = (kind: CatalogKind, done: number, total: number) => void;
export type OnFetched = (kind: CatalogKind, id: string, object: CatalogObject | null) => Promise<void>;

const isBatchRefusal = (err: unknown) => err instanceof SpotifyApiError && (err.status === 403 || err.status === 404);
const isNotFound = (err: unknown) => err instanceof SpotifyApiError && err.status === 404;

interface Task {
  kind: CatalogKind;
  ids: string[];
}

export async function fetchCatalog(
  client: SpotifyClient,
  ids: IdsByKind,
  options: { deadline: Deadline; onFetched?: OnFetched; onProgress?: CatalogProgress },
): Promise<FetchedCatalog> {
  const found: FetchedCatalog["found"] = { artists: new Map(), albums: new Map() };
  const done = { artists: 0, albums: 0 };
  const keep = async (kind: CatalogKind, asked: string[], answers: (CatalogObject | null)[]) => {
    await Promise.all(
      asked.map(async (id, i) => {
        const object = answers[i] ?? null;
        await options.onFetched?.(kind, id, object);
        found[kind].set(id, object);
      }),
    );
    done[kind] += asked.length;
    options.onProgress?.(kind, done[kind], ids[kind].length);
  };

  const batch = async ({ kind, ids: asked }: Task) =>
    keep(kind, asked, kind === "artists" ? await client.getArtistsBatch(asked) : await client.getAlbumsBatch(asked));
  const single = async ({ kind, ids: [id] }: Task) => {
    let object: CatalogObject | null;
    try {
      object = kind === "artists" ? await client.getArtist(id) : await client.getAlbum(id);
    } catch (err) {
      if (!isNotFound(err)) throw err;
      object = null; // an id the playlist names but Spotify no longer has
    }
    await keep(kind, [id], [object]);
  };

  const batches: Task[] = [
    ...chunk(ids.artists, ARTISTS_BATCH).map((c) => ({ kind: "artists" as const, ids: c })),
    ...chunk(ids.albums, ALBUMS_BATCH).map((c) => ({ kind: "albums" as const, ids: c })),
  ];
  if (client.enrichmentMode === "batch" && batches.length > 0 && !options.deadline.passed) {
    // Probe with one batch call alone: if batches are refused, only this call is extra.
    try {
      await batch(batches[0]);
      batches.shift();
    } catch (err) {
      if (!isBatchRefusal(err)) throw err;
      client.enrichmentMode = "single";
    }
  }
  const concurrency = client.config.concurrency;
  if (client.enrichmentMode === "batch") {
    await runPool(batches, concurrency, options.deadline, batch);
  } else {
    function* singles(): Generator<Task> {
      for (const kind of ["artists", "albums"] as const) for (const id of ids[kind]) if (!found[kind].has(id)) yield { kind, ids: [id] };
    }
    await runPool(singles(), concurrency, options.deadline, single);
  }
  const complete = ids.artists.every((id) => found.artists.has(id)) && ids.albums.every((id) => found.albums.has(id));
  return { found, complete };
}
