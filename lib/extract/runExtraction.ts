/**
 * Extracts and lands several playlists with one client (one token, one rate gate). Playlists
 * go one after another, each with the client's full concurrency; one that fails is reported
 * and the others go on.
 */
import type { ExtractionRecord, SkippedCounts } from "../snapshot/rawSnapshot";
import type { SpotifyClient } from "../spotify/client";
import { extractPlaylist, type ProgressEvent } from "./extractPlaylist";
import type { ObjectStore } from "../storage/objectStore";
import { landSnapshot } from "./land";

export interface PlaylistOutcome {
  playlistId: string;
  ok: boolean;
  key?: string;
  error?: string;
  calls?: Record<string, number>;
  skipped?: SkippedCounts;
  entries?: number;
}

export async function extractPlaylists(opts: {
  client: SpotifyClient;
  store: ObjectStore;
  playlistIds: string[];
  snapshotDate: string;
  onProgress?: (e: ProgressEvent) => void;
  /** Recorded in each snapshot instead of the client's auth mode: the offline sample says "sample". */
  authMode?: ExtractionRecord["auth_mode"];
}): Promise<PlaylistOutcome[]> {
  const outcomes: PlaylistOutcome[] = [];
  for (const playlistId of opts.playlistIds) {
    try {
      const snapshot = await extractPlaylist(opts.client, playlistId, opts.snapshotDate, opts.onProgress);
      if (opts.authMode) snapshot.extraction.auth_mode = opts.authMode;
      const key = await landSnapshot(opts.store, snapshot);
      outcomes.push({ playlistId, ok: true, key, calls: snapshot.extraction.calls, skipped: snapshot.extraction.skipped, entries: snapshot.entries.length });
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
