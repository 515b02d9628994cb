/**
 * Where an extraction that outlives one invocation (C4) keeps what is not an artist or album:
 * the playlist, the pages read so far, the day's refresh plan and the counts, one document per
 * playlist under the cache prefix. The next attempt for the same snapshot date resumes from
 * it; a finished run leaves a small `done` record, so a later run starts afresh.
 */
import { z } from "zod";
import { SPOTIFY_CACHE_PREFIX } from "../lake/layout";
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

/** The unfinished checkpoint of this playlist and snapshot date, if any; anything else is ignored. */
export async function readCheckpoint(store: ObjectStore, playlistId: string, snapshotDate: string): Promise<Checkpoint | undefined> {
  const parsed = Checkpoint.safeParse(await readStoredJson(store, checkpointKey(playlistId)));
  if (!parsed.success || parsed.data.done || parsed.data.playlist_id !== playlistId || parsed.data.snapshot_date !== snapshotDate) return undefined;
  return parsed.data;
}

export async function writeCheckpoint(store: ObjectStore, checkpoint: Checkpoint): Promise<void> {
  await writeStoredJson(store, checkpointKey(checkpoint.playlist_id), checkpoint);
}
