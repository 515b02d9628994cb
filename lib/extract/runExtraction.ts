/**
 * Extracts and lands playlists with one client (one token, one rate controller). Playlists go
 * one after another, each with the client's full concurrency; one that fails is reported, its
 * outstanding requests are aborted (SpotifyClient.scoped), and the others go on.
 */
import type { ExtractionRecord, RawSnapshot, SkippedCounts } from "../snapshot/rawSnapshot";
import type { SpotifyClient } from "../spotify/client";
import type { ObjectStore } from "../storage/objectStore";
import { closeCheckpoint, extractPlaylist, type ExtractOptions, type ProgressEvent } from "./extractPlaylist";
import { landSnapshot } from "./land";

export interface PlaylistOutcome {
  playlistId: string;
  ok: boolean;
  key?: string;
  error?: string;
  calls?: Record<string, number>;
  skipped?: SkippedCounts;
  entries?: number;
  cache?: ExtractionRecord["cache"];
}

/** Extracts one playlist and lands its raw snapshot; a resumed run's checkpoint is closed once it landed. */
export async function extractAndLand(
  client: SpotifyClient,
  store: ObjectStore,
  playlistId: string,
  snapshotDate: string,
  options: ExtractOptions & { authMode?: ExtractionRecord["auth_mode"] } = {},
): Promise<{ key: string; snapshot: RawSnapshot }> {
  // Its own AbortSignal: when the extraction fails, its queued and in-flight requests end with it.
  const snapshot = await client.scoped((scoped) => extractPlaylist(scoped, playlistId, snapshotDate, options));
  if (options.authMode) snapshot.extraction.auth_mode = options.authMode;
  const key = await landSnapshot(store, snapshot);
  await closeCheckpoint(options.cache, snapshot);
  return { key, snapshot };
}

export async function extractPlaylists(opts: {
  client: SpotifyClient;
  store: ObjectStore;
  playlistIds: string[];
  snapshotDate: string;
  onProgress?: (e: ProgressEvent) => void;
  /** Recorded in each snapshot instead of the client's auth mode: the offline sample says "sample". */
  authMode?: ExtractionRecord["auth_mode"];
  /** The artist and album cache (C2); without it every object is fetched. */
  cache?: ExtractOptions["cache"];
}): Promise<PlaylistOutcome[]> {
  const outcomes: PlaylistOutcome[] = [];
  for (const playlistId of opts.playlistIds) {
    try {
      const { key, snapshot } = await extractAndLand(opts.client, opts.store, playlistId, opts.snapshotDate, opts);
      const { calls, skipped, cache } = snapshot.extraction;
      outcomes.push({ playlistId, ok: true, key, calls, skipped, entries: snapshot.entries.length, ...(cache ? { cache } : {}) });
    } catch (err) {
      outcomes.push({ playlistId, ok: false, error: err instanceof Error ? err.message : String(err) });
    }
  }
  return outcomes;
}

/** "2 of 3 playlists failed: A (reason); B (reason)" or undefined when all landed. */
export function describeFailures(outcomes: PlaylistOutcome[]): string | undefined {
  const failed = outcomes.filter((o) => !o.ok);
  if (failed.length === 0) return undefined;
  return `${failed.length} of ${outcomes.length} playlist(s) failed:\n` + failed.map((o) => `  - ${o.playlistId}: ${o.error}`).join("\n");
}
