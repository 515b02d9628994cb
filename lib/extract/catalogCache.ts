/**
 * The cache of full artist and album objects (C2), under SPOTIFY_CACHE_PREFIX in the lake:
 * one JSON object per id, `{"fetched_at": ISO time, "object": <as Spotify sent it> | null}`
 * (null: Spotify no longer has the id), written with the store's atomic put as soon as it is
 * fetched, so an interrupted run keeps everything it paid for. Shared by every playlist.
 *
 * Nothing read back is trusted: an entry is used only when it is whole, names the id and the
 * kind of its key, and was fetched no later than today; anything else is counted as rejected and
 * fetched again (then overwritten). A refusal of the batch endpoints dated in the future is
 * ignored, so batch probing resumes.
 */
import { z } from "zod";
import { SPOTIFY_CACHE_PREFIX } from "../lake/layout";
import { Album, Artist } from "../spotify/schemas";
import type { ObjectStore } from "../storage/objectStore";
import type { CacheSettings } from "./cacheSettings";
import { readStoredJson, writeStoredJson } from "./storedJson";

export type CatalogKind = "artists" | "albums";
export const CATALOG_KINDS: readonly CatalogKind[] = ["artists", "albums"];

export interface CachedObject {
  fetched_at: string;
  object: Artist | Album | null;
}
export type CachedCatalog = Record<CatalogKind, Map<string, CachedObject>> & {
  /** Entries that were present but not believable (damaged, another id or kind, fetched in the future): fetched again. */
  rejected: number;
};
export type IdsByKind = Record<CatalogKind, string[]>;

const ENTRY_SCHEMAS = {
  artists: z.object({ fetched_at: z.iso.datetime(), object: Artist.nullable() }),
  albums: z.object({ fetched_at: z.iso.datetime(), object: Album.nullable() }),
} as const;

/** Spotify ids are base62; anything else (a slash, "..") never becomes part of a key. */
const CACHEABLE_ID = /^[A-Za-z0-9]{1,64}$/;
export const isCacheableId = (id: string) => CACHEABLE_ID.test(id);
export const cacheObjectKey = (kind: CatalogKind, id: string) => `${SPOTIFY_CACHE_PREFIX}${kind}/${id}.json`;
const BATCH_ENDPOINTS_KEY = `${SPOTIFY_CACHE_PREFIX}batch-endpoints.json`;
/** Reads in flight at once: S3 GETs are cheap and slow, files are fast. */
const READ_CONCURRENCY = 32;

const SINGULAR: Record<CatalogKind, string> = { artists: "artist", albums: "album" };

const DAY_MS = 86_400_000;
/** Whole days from the day of `fetchedAt` to `today` (YYYY-MM-DD, both UTC). */
export const ageInDays = (fetchedAt: string, today: string) => Math.round((Date.parse(today) - Date.parse(fetchedAt.slice(0, 10))) / DAY_MS);

/**
 * Entries one CatalogCache keeps in memory once read or written (a Lambda container's playlists
 * share it): each is read from the store and checked once per container, not once per playlist.
 * Bounded, oldest first out: at a few KiB an entry, this is tens of MiB at most.
 */
export const MEMORY_ENTRIES = 20_000;

export class CatalogCache {
  /** Checked entries by "kind/id"; one another extraction has since replaced in the store is older, still valid, and refreshed as its age says. */
  private readonly known = new Map<string, CachedObject>();

  constructor(
    readonly store: ObjectStore,
    readonly settings: CacheSettings,
  ) {}

  private remember(kind: CatalogKind, id: string, entry: CachedObject): void {
    const key = `${kind}/${id}`;
    this.known.delete(key);
    this.known.set(key, entry);
    if (this.known.size > MEMORY_ENTRIES) this.known.delete(this.known.keys().next().value!);
  }

  /**
   * The cached entries of these ids (`today`: YYYY-MM-DD, UTC); missing and rejected ones are left out
   * (and fetched again). `from: "store"` skips the memory: for objects another extraction is fetching now.
   */
  async read(ids: IdsByKind, today: string, from: "memory or store" | "store" = "memory or store"): Promise<CachedCatalog> {
    const out: CachedCatalog = { artists: new Map(), albums: new Map(), rejected: 0 };
    const work = CATALOG_KINDS.flatMap((kind) => ids[kind].filter(isCacheableId).map((id) => ({ kind, id })));
    let next = 0;
    const worker = async () => {
      while (next < work.length) {
        const { kind, id } = work[next++];
        const entry = await this.readOne(kind, id, today, from === "store");
        if (entry === "rejected") out.rejected++;
        else if (entry) out[kind].set(id, entry);
      }
    };
    await Promise.all(Array.from({ length: READ_CONCURRENCY }, worker));
    return out;
  }

  private async readOne(kind: CatalogKind, id: string, today: string, storeOnly: boolean): Promise<CachedObject | "rejected" | undefined> {
    const known = storeOnly ? undefined : this.known.get(`${kind}/${id}`);
    if (known && ageInDays(known.fetched_at, today) >= 0) return known;
    const json = await readStoredJson(this.store, cacheObjectKey(kind, id));
    if (json === undefined) return undefined;
    const parsed = ENTRY_SCHEMAS[kind].safeParse(json);
    if (!parsed.success) return "rejected"; // damaged or not ours: fetched again and overwritten
    const object = parsed.data.object;
    if (object && (object.id !== id || ((object as { type?: unknown }).type !== undefined && (object as { type?: unknown }).type !== SINGULAR[kind]))) return "rejected";
    if (ageInDays(parsed.data.fetched_at, today) < 0) return "rejected"; // fetched "in the future": its age cannot be known
    const entry = { fetched_at: parsed.data.fetched_at, object: object ? (json as { object: Artist | Album }).object : null };
    this.remember(kind, id, entry);
    return entry;
  }

  async write(kind: CatalogKind, id: string, object: Artist | Album | null, fetchedAt: string): Promise<void> {
    if (!isCacheableId(id)) return;
    await writeStoredJson(this.store, cacheObjectKey(kind, id), { fetched_at: fetchedAt, object });
    this.remember(kind, id, { fetched_at: fetchedAt, object });
  }

  /** True when the batch endpoints answered 403/404 within the reuse period: go straight to one id per call. */
  async batchRefusedRecently(today: string): Promise<boolean> {
    const json = (await readStoredJson(this.store, BATCH_ENDPOINTS_KEY)) as { refused_at?: unknown } | null | undefined;
    if (typeof json?.refused_at !== "string" || Number.isNaN(Date.parse(json.refused_at))) return false;
    const age = ageInDays(json.refused_at, today);
    return age >= 0 && age < this.settings.maxAgeDays; // a refusal dated in the future is not believed: probe again
  }

  async recordBatchRefused(at: string): Promise<void> {
    await writeStoredJson(this.store, BATCH_ENDPOINTS_KEY, { refused_at: at });
  }

  /** The batch endpoints answered a probe: recorded so that extractions waiting for the day's probe go on in batch mode. */
  async recordBatchAccepted(at: string): Promise<void> {
    await writeStoredJson(this.store, BATCH_ENDPOINTS_KEY, { accepted_at: at });
  }

  /** What a probe of the batch endpoints found today, if one did. */
  async batchProbedToday(today: string): Promise<"refused" | "accepted" | undefined> {
    const json = (await readStoredJson(this.store, BATCH_ENDPOINTS_KEY)) as { refused_at?: unknown; accepted_at?: unknown } | null | undefined;
    if (typeof json?.refused_at === "string" && json.refused_at.slice(0, 10) === today) return "refused";
    if (typeof json?.accepted_at === "string" && json.accepted_at.slice(0, 10) === today) return "accepted";
    return undefined;
  }
}

/**
 * Which cached objects to fetch again today: every one fetched `maxAgeDays` ago or more, and
 * then the oldest of the others (fetched before today) until the day's allowance is used. The
 * objects these ids already had refreshed today (by another playlist's run) count against it.
 */
export function planRefresh(cached: CachedCatalog, today: string, settings: CacheSettings): IdsByKind {
  const { stale, ahead } = refreshCandidates(cached, today, settings);
  const plan: IdsByKind = { artists: [], albums: [] };
  for (const { kind, id } of [...stale, ...ahead]) plan[kind].push(id);
  return plan;
}

/**
 * planRefresh in two parts: `stale`, every object too old to reuse (it must be fetched), and
 * `ahead`, the oldest others within the day's allowance, in the order they should go.
 */
export function refreshCandidates(cached: CachedCatalog, today: string, settings: CacheSettings): { stale: { kind: CatalogKind; id: string }[]; ahead: { kind: CatalogKind; id: string }[] } {
  const stale: { kind: CatalogKind; id: string }[] = [];
  const older: { kind: CatalogKind; id: string; at: string }[] = [];
  let fetchedToday = 0;
  for (const kind of CATALOG_KINDS) {
    for (const [id, entry] of cached[kind]) {
      const age = ageInDays(entry.fetched_at, today);
      if (age >= settings.maxAgeDays) stale.push({ kind, id });
      else if (age >= 1) older.push({ kind, id, at: entry.fetched_at });
      else fetchedToday++;
    }
  }
  older.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.kind < b.kind ? -1 : a.kind > b.kind ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const ahead = older.slice(0, Math.max(0, settings.dailyRefresh - fetchedToday - stale.length)).map(({ kind, id }) => ({ kind, id }));
  return { stale, ahead };
}
