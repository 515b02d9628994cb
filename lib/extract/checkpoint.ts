/**
 * Where an extraction that outlives one invocation (C4) keeps what is not an artist or album:
 * the playlist, the pages read so far, the day's refresh plan and the counts, one document per
 * playlist under the cache prefix. The next attempt for the same snapshot date resumes from
 * it; a finished run leaves a small `done` record, so a later run starts afresh.
 */
import { z } from "zod";
import { SPOTIFY_CACHE_PREFIX } from "../lake/layout";
import { PAGE_LIMIT } from "../spotify/client";
import { Playlist, PlaylistItemsPage } from "../spotify/schemas";
import type { ObjectStore } from "../storage/objectStore";
import { readStoredJson, writeStoredJson } from "./storedJson";

export const CHECKPOINT_FORMAT = "spotify-pipeline/extraction-checkpoint@1";
export const checkpointKey = (playlistId: string) => `${SPOTIFY_CACHE_PREFIX}runs/${playlistId}.json`;

const Ids = z.object({ artists: z.array(z.string()), albums: z.array(z.string()) });

export const Checkpoint = z.object({
  format: z.literal(CHECKPOINT_FORMAT),
  playlist_id: z.string(),
  snapshot_date: z.string(),
  done: z.boolean(),
  started_at: z.iso.datetime(),
  attempts: z.number().int().positive(),
  calls: z.record(z.string(), z.number().int().nonnegative()),
  retries: z.number().int().nonnegative(),
  http_429: z.number().int().nonnegative(),
  /** The playlist without its embedded page, and which embedded field it had (for response_shape). */
  playlist: Playlist.optional(),
  embedded: z.object({ items: z.boolean(), tracks: z.boolean() }).optional(),
  pages: z.array(z.object({ offset: z.number().int().nonnegative(), page: PlaylistItemsPage })),
  /** The cached objects this run refreshes (planned once, so a resumed run refreshes no more). */
  refresh: Ids.optional(),
});
export type Checkpoint = z.infer<typeof Checkpoint>;

/**
 * The pages of a checkpoint are believable when no two overlap (each starts at or after the end
 * of the one before) and none holds more than a page may: overlapping pages would repeat entries.
 */
function pagesAreConsistent(pages: Checkpoint["pages"]): boolean {
  const sorted = [...pages].sort((a, b) => a.offset - b.offset);
  return sorted.every((p, i) => p.page.items.length <= PAGE_LIMIT && (i === 0 || sorted[i - 1].offset + sorted[i - 1].page.items.length <= p.offset));
}

/**
 * The unfinished checkpoint of this playlist and snapshot date, if any; one of another playlist,
 * day or a finished run is ignored. One that is there but not believable (damaged, overlapping
 * pages) is `rejected`: the run starts afresh and counts it.
 */
export async function readCheckpoint(store: ObjectStore, playlistId: string, snapshotDate: string): Promise<Checkpoint | "rejected" | undefined> {
  const json = await readStoredJson(store, checkpointKey(playlistId));
  if (json === undefined) return undefined;
  const parsed = Checkpoint.safeParse(json);
  if (!parsed.success) return "rejected";
  if (parsed.data.done || parsed.data.playlist_id !== playlistId || parsed.data.snapshot_date !== snapshotDate) return undefined;
  return pagesAreConsistent(parsed.data.pages) ? parsed.data : "rejected";
}

export async function writeCheckpoint(store: ObjectStore, checkpoint: Checkpoint): Promise<void> {
  await writeStoredJson(store, checkpointKey(checkpoint.playlist_id), checkpoint);
}
