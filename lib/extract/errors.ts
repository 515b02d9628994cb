/** Errors of the extraction itself (the API client's are in lib/spotify/errors.ts). */

/**
 * The run stopped before its deadline (C4). What it fetched is kept (the cache and the run's
 * checkpoint); the handler lets this propagate so that the retry or redelivery resumes.
 */
export class ExtractionIncompleteError extends Error {
  constructor(
    message: string,
    readonly progress: { playlistId: string; snapshotDate: string; attempt: number; pagesFetched: number; objectsLeft: number },
  ) {
    super(message);
    this.name = "ExtractionIncompleteError";
  }
}
