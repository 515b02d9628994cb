/**
 * One playlist into one raw snapshot: metadata, every page of entries (as returned), and the
 * full artists and albums the tracks name, with a record of how it went. Nothing is written
 * to raw_data here (lib/extract/land.ts stores the document).
 *
 * With a cache (C2), artist and album objects fetched within the reuse period come from it and
 * only new ids and the day's refreshes are fetched; the snapshot stays complete and records the
 * day each object was fetched. With a remaining-time function (C4), the run stops before its
 * deadline, keeps what it fetched (cache + checkpoint) and throws ExtractionIncompleteError;
 * the next attempt for the same snapshot date resumes without fetching anything twice.
 */
import { z } from "zod";
import { assertPlaylistId, assertSnapshotDate, todayUtc } from "../lake/layout";
import { RAW_SNAPSHOT_FORMAT, type RawSnapshot, type ResponseShape, type SkippedCounts } from "../snapshot/rawSnapshot";
import { PAGE_LIMIT, type SpotifyClient } from "../spotify/client";
import { InvalidResponseError } from "../spotify/errors";
import { describeZodError, readEntry, type Album, type Artist, type PlaylistEntry } from "../spotify/schemas";
import { copyStats, statsSince } from "../spotify/stats";
import { byId } from "../util/collections";
import { CATALOG_KINDS, ageInDays, refreshCandidates, type CachedCatalog, type CatalogCache, type CatalogKind, type IdsByKind } from "./catalogCache";
import { ClaimWait, Claims } from "./claims";
import { CHECKPOINT_FORMAT, readCheckpoint, writeCheckpoint, type Checkpoint } from "./checkpoint";
import { Deadline, type RemainingTime } from "./deadline";
import { ExtractionIncompleteError } from "./errors";
import { fetchCatalog, type CatalogObject } from "./fetchCatalog";
import { fetchPages, type FetchedPages } from "./pages";

export type ProgressEvent = { playlistId: string; phase: "playlist" | "items" | "artists" | "albums" | "done"; done: number; total?: number };

export interface ExtractOptions {
  onProgress?: (e: ProgressEvent) => void;
  /** The object cache (and the run's checkpoint); without it every artist and album is fetched. */
  cache?: CatalogCache;
  /** Milliseconds left to this invocation (Lambda's context.getRemainingTimeInMillis); without it the run never stops early. */
  remainingMs?: RemainingTime;
  /** Stop starting requests when less than this is left (default DEFAULT_RESERVE_MS). */
  reserveMs?: number;
  now?: () => Date;
  /** Entries a playlist may have at most (default MAX_PLAYLIST_ENTRIES). */
  maxEntries?: number;
}

/** Which entry field the API sent: `item` (2026), `track` (before), or both (transition). */
export function responseShapeOf(entries: PlaylistEntry[], embedded: { items: boolean; tracks: boolean }): ResponseShape {
  let item = false;
  let track = false;
  for (const e of entries) {
    if ("item" in e) item = true;
    if ("track" in e) track = true;
  }
  if (!item && !track) {
    item = embedded.items;
    track = embedded.tracks;
  }
  if (item && track) return "both";
  return track ? "tracks" : "items";
}

/** The ids the tracks name, and the entries skipped by kind; a track that does not fit is an error that says where. */
function readEntries(entries: PlaylistEntry[], playlistId: string): { ids: IdsByKind; skipped: SkippedCounts } {
  const skipped: SkippedCounts = { null_items: 0, local_files: 0, episodes: 0 };
  const artistIds = new Set<string>();
  const albumIds = new Set<string>();
  entries.forEach((entry, i) => {
    let read: ReturnType<typeof readEntry>;
    try {
      read = readEntry(entry);
    } catch (err) {
      if (!(err instanceof z.ZodError)) throw err;
      const field = entry.item !== undefined && entry.item !== null ? "item" : "track";
      throw new InvalidResponseError(
        `Spotify's entry ${i} of playlist ${playlistId} (page offset ${Math.floor(i / PAGE_LIMIT) * PAGE_LIMIT}, items[${i % PAGE_LIMIT}]) does not have the expected shape at ` +
          `${field}.${describeZodError(err)}; nothing was written. The API may have changed: please report it with this message.`,
      );
    }
    if (read.kind === "track") {
      const track = read.track;
      for (const a of track.artists) if (a.id) artistIds.add(a.id);
      for (const a of track.album.artists) if (a.id) artistIds.add(a.id);
      if (track.album.id) albumIds.add(track.album.id);
    } else if (read.kind === "null_item") skipped.null_items++;
    else if (read.kind === "local_file") skipped.local_files++;
    else skipped.episodes++;
  });
  return { ids: { artists: [...artistIds], albums: [...albumIds] }, skipped };
}

const sumCalls = (a: Record<string, number>, b: Record<string, number>) => {
  const out = { ...a };
  for (const [k, v] of Object.entries(b)) out[k] = (out[k] ?? 0) + v;
  return out;
};

export async function extractPlaylist(client: SpotifyClient, playlistId: string, snapshotDate: string, options: ExtractOptions = {}): Promise<RawSnapshot> {
  assertPlaylistId(playlistId);
  assertSnapshotDate(snapshotDate);
  const emit = (phase: ProgressEvent["phase"], done: number, total?: number) => options.onProgress?.({ playlistId, phase, done, total });
  const now = options.now ?? (() => new Date());
  const { cache } = options;
  const deadline = new Deadline(options.remainingMs, options.reserveMs);
  const before = copyStats(client.stats);
  const today = todayUtc(now());

  if (deadline.passed) {
    // No attempt could ever make progress: say so instead of failing "incomplete" on every retry.
    throw new Error(
      `The invocation has ${Math.round(options.remainingMs!())} ms left at its start, less than the ${deadline.reserveMs} ms the extractor keeps to stop cleanly; ` +
        `nothing was fetched or written. Give the extract function a longer timeout (Pulumi config extractTimeoutSeconds, at least ${Math.ceil((3 * deadline.reserveMs) / 1000)} s).`,
    );
  }
  const stored = cache ? await readCheckpoint(cache.store, playlistId, snapshotDate) : undefined;
  const resumed = stored === "rejected" ? undefined : stored;
  const checkpoint: Checkpoint = resumed
    ? { ...resumed, attempts: resumed.attempts + 1 }
    : { format: CHECKPOINT_FORMAT, playlist_id: playlistId, snapshot_date: snapshotDate, done: false, started_at: now().toISOString(), attempts: 1, calls: {}, retries: 0, http_429: 0, pages: [] };
  const pages: FetchedPages = new Map(checkpoint.pages.map((p) => [p.offset, p.page]));
  /** Counts over every attempt of this run. */
  const usedSoFar = () => {
    const used = statsSince(before, client.stats);
    return { calls: sumCalls(checkpoint.calls, used.calls), retries: checkpoint.retries + used.retries, http_429: checkpoint.http_429 + used.http429 };
  };
  const stop = async (objectsLeft: number): Promise<never> => {
    const kept = cache ? `kept under ${cache.store.location} (cache/spotify/)` : "not kept (no cache was given)";
    if (cache) await writeCheckpoint(cache.store, { ...checkpoint, ...usedSoFar(), pages: [...pages].map(([offset, page]) => ({ offset, page })) });
    throw new ExtractionIncompleteError(
      `Extraction of playlist ${playlistId} for ${snapshotDate} stopped before the invocation's deadline (attempt ${checkpoint.attempts}): ` +
        `${pages.size} page(s) read, ${objectsLeft < 0 ? "artists and albums not started" : `${objectsLeft} artist/album object(s) still to fetch`}; what was fetched is ${kept}. ` +
        `The next attempt for the same snapshot date resumes from there.`,
      { playlistId, snapshotDate, attempt: checkpoint.attempts, pagesFetched: pages.size, objectsLeft },
    );
  };

  if (!checkpoint.playlist && deadline.passed) return stop(-1);
  // The pages go out with the playlist object: the first page says how many there are, so the others need not wait for
  // the object (round trips less per playlist). The playlist's error, if any, is the one reported; progress keeps its order.
  let itemsProgress: [number, number] | undefined;
  let playlistIn = !!checkpoint.playlist;
  if (!playlistIn) emit("playlist", 0, 1);
  const reading = deadline.settle(
    fetchPages(client, playlistId, pages, deadline, (done, total) => (playlistIn ? emit("items", done, total) : (itemsProgress = [done, total])), options.maxEntries),
  );
  reading.catch(() => undefined);
  if (!checkpoint.playlist) {
    const fullPlaylist = await client.getPlaylist(playlistId);
    const { items: _embeddedItems, tracks: _embeddedTracks, ...playlist } = fullPlaylist;
    checkpoint.playlist = playlist;
    checkpoint.embedded = { items: "items" in fullPlaylist, tracks: "tracks" in fullPlaylist };
  }
  emit("playlist", 1, 1);
  playlistIn = true;
  if (itemsProgress) emit("items", ...itemsProgress);

  const read = await reading;
  if (!read?.value.complete) return stop(-1);
  const entries = read.value.entries;
  const { ids, skipped } = readEntries(entries, playlistId);

  // Which objects to fetch: those not cached (or unreadable), and the day's planned refreshes not done yet by this run.
  const cached: CachedCatalog = cache ? await cache.read(ids, today) : { artists: new Map(), albums: new Map(), rejected: 0 };
  // Extractions running at the same time share the day's work through claims in the store (lib/extract/claims.ts).
  const claims = cache ? new Claims(cache.store, today, `${playlistId}@${checkpoint.started_at}`) : undefined;
  if (cache && !checkpoint.refresh) {
    // Every stale object, then the oldest others within the day's allowance, which all the day's extractions share.
    const { stale, ahead } = refreshCandidates(cached, today, cache.settings);
    const granted = await claims!.slots("refresh", stale.length + ahead.length, cache.settings.dailyRefresh);
    checkpoint.refresh = { artists: [], albums: [] };
    for (const { kind, id } of [...stale, ...ahead.slice(0, Math.max(0, granted - stale.length))]) checkpoint.refresh[kind].push(id);
  }
  const refresh = { artists: new Set(checkpoint.refresh?.artists), albums: new Set(checkpoint.refresh?.albums) };
  const toFetch: IdsByKind = { artists: [], albums: [] };
  for (const kind of CATALOG_KINDS) {
    toFetch[kind] = ids[kind].filter((id) => {
      const entry = cached[kind].get(id);
      return !entry || (refresh[kind].has(id) && entry.fetched_at < checkpoint.started_at);
    });
  }
  if (cache && client.enrichmentMode === "batch" && (await cache.batchRefusedRecently(today))) client.enrichmentMode = "single";
  // One extraction of the day probes the batch endpoints; the others wait for what it found.
  let prober = true;
  if (cache && claims!.coordinated && client.enrichmentMode === "batch" && CATALOG_KINDS.some((k) => toFetch[k].length > 0) && !(await claims!.claim("batch-probe"))) {
    prober = false;
    const wait = new ClaimWait();
    for (;;) {
      const found = await cache.batchProbedToday(today);
      if (found === "refused") client.enrichmentMode = "single";
      if (found || deadline.passed || (wait.staleCheckDue() && (await claims!.isStale("batch-probe")))) break;
      await wait.next(false);
    }
  }
  const onFetched = cache ? (kind: CatalogKind, id: string, object: CatalogObject | null) => cache.write(kind, id, object, now().toISOString()) : undefined;
  // Only objects the cache lacks (or holds too old to use) are claimed; a refresh ahead of age is covered by its slot.
  const claim = claims?.coordinated
    ? (kind: CatalogKind, id: string) => (cached[kind].has(id) && !isStale(cached[kind].get(id)!) ? Promise.resolve(true) : claims.claim(`${kind}/${id}`))
    : undefined;
  const isStale = (entry: { fetched_at: string }) => ageInDays(entry.fetched_at, today) >= cache!.settings.maxAgeDays;
  // What the batch probe found is stored as soon as it is known: extractions waiting for the day's probe go on at once.
  const onProbed = cache
    ? (outcome: "accepted" | "refused") => (outcome === "refused" ? cache.recordBatchRefused(now().toISOString()) : prober ? cache.recordBatchAccepted(now().toISOString()) : Promise.resolve())
    : undefined;
  const fetched = await deadline.settle(fetchCatalog(client, toFetch, { deadline, onFetched, claim, onProbed, onProgress: (kind, done, total) => emit(kind, done, total) }));
  if (!fetched?.value.complete) {
    const got = fetched?.value.found;
    return stop(CATALOG_KINDS.reduce((n, kind) => n + toFetch[kind].filter((id) => !got?.[kind].has(id)).length, 0));
  }
  // What other extractions claimed: wait until it is in the cache (fetched today), or take over a claim gone stale.
  const pending = fetched.value.deferred;
  const wait = new ClaimWait();
  while (cache && CATALOG_KINDS.some((k) => pending[k].length > 0)) {
    const landed = await cache.read(pending, today, "store");
    const before = CATALOG_KINDS.reduce((n, kind) => n + pending[kind].length, 0);
    for (const kind of CATALOG_KINDS) {
      pending[kind] = pending[kind].filter((id) => {
        const entry = landed[kind].get(id);
        if (!entry || ageInDays(entry.fetched_at, today) !== 0) return true;
        cached[kind].set(id, entry);
        return false;
      });
    }
    if (!CATALOG_KINDS.some((k) => pending[k].length > 0)) break;
    if (deadline.passed) return stop(CATALOG_KINDS.reduce((n, kind) => n + pending[kind].length, 0));
    const orphaned: IdsByKind = { artists: [], albums: [] };
    if (wait.staleCheckDue()) for (const kind of CATALOG_KINDS) for (const id of pending[kind]) if (await claims!.isStale(`${kind}/${id}`)) orphaned[kind].push(id);
    if (CATALOG_KINDS.some((k) => orphaned[k].length > 0)) {
      const taken = await deadline.settle(fetchCatalog(client, orphaned, { deadline, onFetched }));
      if (!taken?.value.complete) return stop(CATALOG_KINDS.reduce((n, kind) => n + pending[kind].length, 0));
      for (const kind of CATALOG_KINDS) for (const [id, object] of taken.value.found[kind]) fetched.value.found[kind].set(id, object);
      for (const kind of CATALOG_KINDS) pending[kind] = pending[kind].filter((id) => !taken.value.found[kind].has(id));
      continue;
    }
    await wait.next(CATALOG_KINDS.reduce((n, kind) => n + pending[kind].length, 0) < before);
  }

  // The complete catalog: what was fetched now, else the cached object, under the object's own id.
  const catalog = { artists: new Map<string, CatalogObject>(), albums: new Map<string, CatalogObject>() };
  const fetchedOn: Record<CatalogKind, Record<string, string>> = { artists: {}, albums: {} };
  const missing: Record<CatalogKind, Set<string>> = { artists: new Set(), albums: new Set() };
  const counts: { reused: number; fetched_new: number; refreshed: number; rejected?: number } = { reused: 0, fetched_new: 0, refreshed: 0 };
  const rejected = cached.rejected + (stored === "rejected" ? 1 : 0);
  if (rejected > 0) counts.rejected = rejected;
  for (const kind of CATALOG_KINDS) {
    for (const id of ids[kind]) {
      const fresh = fetched.value.found[kind];
      const entry = cached[kind].get(id);
      const object = fresh.has(id) ? fresh.get(id)! : entry!.object;
      if (fresh.has(id)) counts[entry ? "refreshed" : "fetched_new"]++;
      else counts.reused++;
      if (!object) {
        missing[kind].add(id);
        continue;
      }
      catalog[kind].set(object.id, object);
      fetchedOn[kind][object.id] = fresh.has(id) ? today : entry!.fetched_at.slice(0, 10);
    }
  }
  const sortedIds = (set: Set<string>) => [...set].sort();
  const used = usedSoFar();
  const snapshot: RawSnapshot = {
    format: RAW_SNAPSHOT_FORMAT,
    snapshot_date: snapshotDate,
    playlist_id: playlistId,
    playlist: checkpoint.playlist,
    entries,
    artists: [...catalog.artists.values()].sort(byId) as Artist[],
    albums: [...catalog.albums.values()].sort(byId) as Album[],
    extraction: {
      started_at: checkpoint.started_at,
      finished_at: now().toISOString(),
      auth_mode: client.authMode,
      calls: used.calls,
      retries: used.retries,
      http_429: used.http_429,
      skipped,
      response_shape: responseShapeOf(entries, checkpoint.embedded ?? { items: false, tracks: false }),
      enrichment_mode: client.enrichmentMode,
      ...(missing.artists.size > 0 ? { missing_artist_ids: sortedIds(missing.artists) } : {}),
      ...(missing.albums.size > 0 ? { missing_album_ids: sortedIds(missing.albums) } : {}),
      fetched_on: fetchedOn,
      ...(cache ? { cache: counts } : {}),
      ...(checkpoint.attempts > 1 ? { attempts: checkpoint.attempts } : {}),
    },
  };
  emit("done", entries.length, entries.length);
  return snapshot;
}

/** After the snapshot of a resumed run landed: a small `done` record, so a later run of the day starts afresh. */
export async function closeCheckpoint(cache: CatalogCache | undefined, snapshot: RawSnapshot): Promise<void> {
  if (!cache || (snapshot.extraction.attempts ?? 1) === 1) return;
  const { started_at, calls, retries, http_429, attempts } = snapshot.extraction;
  await writeCheckpoint(cache.store, {
    format: CHECKPOINT_FORMAT, playlist_id: snapshot.playlist_id, snapshot_date: snapshot.snapshot_date, done: true,
    started_at, attempts: attempts ?? 1, calls, retries, http_429, pages: [],
  });
}
