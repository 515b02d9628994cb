/**
 * Full artists and albums for a set of ids: batch endpoints first (50 artists, 20 albums);
 * when one answers 403/404 (removed for development-mode apps in February 2026), one id per
 * call for the rest of the run. The first batch call goes alone, so a refusal costs one call;
 * its outcome goes to `onProbed` at once (extractions waiting for the day's probe go on then).
 * Each answer is handed to `onFetched` (the cache writes it) before the next call starts, and
 * no call starts once the deadline passed. With `claim`, an id is fetched only by the extraction
 * that claims it (lib/extract/claims.ts); the others are handed back as `deferred`.
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
  /** False when the deadline stopped the fetching before every id was answered or deferred. */
  complete: boolean;
  /** Ids another extraction claimed: it fetches them, this one waits for them in the cache. */
  deferred: IdsByKind;
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
  options: {
    deadline: Deadline;
    onFetched?: OnFetched;
    onProgress?: CatalogProgress;
    claim?: (kind: CatalogKind, id: string) => Promise<boolean>;
    /** What the first batch call found: the batch endpoints answered, or refused (403/404). */
    onProbed?: (outcome: "accepted" | "refused") => Promise<void>;
  },
): Promise<FetchedCatalog> {
  const found: FetchedCatalog["found"] = { artists: new Map(), albums: new Map() };
  const deferred: IdsByKind = { artists: [], albums: [] };
  /** The ids of `asked` this extraction holds the claim of; the others are deferred. */
  const mine = async (kind: CatalogKind, asked: string[]): Promise<string[]> => {
    if (!options.claim) return asked;
    const held = await Promise.all(asked.map((id) => options.claim!(kind, id)));
    asked.forEach((id, i) => {
      if (!held[i] && !deferred[kind].includes(id)) deferred[kind].push(id);
    });
    return asked.filter((_, i) => held[i]);
  };
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

  /** One batch call for the ids of the task this extraction holds; false when it holds none (no call made). */
  const batch = async ({ kind, ids: wanted }: Task): Promise<boolean> => {
    const asked = await mine(kind, wanted);
    if (asked.length === 0) return false;
    await keep(kind, asked, kind === "artists" ? await client.getArtistsBatch(asked) : await client.getAlbumsBatch(asked));
    return true;
  };
  const single = async ({ kind, ids: [id] }: Task) => {
    if ((await mine(kind, [id])).length === 0) return;
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
    let answered = false;
    try {
      while (batches.length > 0 && !(answered = await batch(batches.shift()!)));
    } catch (err) {
      if (!isBatchRefusal(err)) throw err;
      client.enrichmentMode = "single";
      await options.onProbed?.("refused");
    }
    if (answered) await options.onProbed?.("accepted");
  }
  const concurrency = client.config.concurrency;
  if (client.enrichmentMode === "batch") {
    await runPool(batches, concurrency, options.deadline, async (task) => void (await batch(task)));
  } else {
    function* singles(): Generator<Task> {
      for (const kind of ["artists", "albums"] as const) for (const id of ids[kind]) if (!found[kind].has(id) && !deferred[kind].includes(id)) yield { kind, ids: [id] };
    }
    await runPool(singles(), concurrency, options.deadline, single);
  }
  const settled = (kind: CatalogKind) => ids[kind].every((id) => found[kind].has(id) || deferred[kind].includes(id));
  return { found, complete: settled("artists") && settled("albums"), deferred };
}
