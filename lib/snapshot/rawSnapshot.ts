/**
 * The raw snapshot: one JSON document per playlist per snapshot date, the contract between
 * extraction and transform. It keeps every response body as the API returned it, so the
 * tables can be rebuilt later from raw alone.
 */
import { z } from "zod";
import { RAW_SNAPSHOT_PREFIX } from "../lake/layout";
import { Album, Artist, Playlist, PlaylistEntry, describeZodError } from "../spotify/schemas";

export const RAW_SNAPSHOT_FORMAT = "spotify-pipeline/raw-snapshot@1";

export const ResponseShape = z.enum(["items", "tracks", "both"]);
export type ResponseShape = z.infer<typeof ResponseShape>;

export const SkippedCounts = z.object({
  null_items: z.number().int().nonnegative(),
  local_files: z.number().int().nonnegative(),
  episodes: z.number().int().nonnegative(),
});
export type SkippedCounts = z.infer<typeof SkippedCounts>;

export const ExtractionRecord = z.object({
  started_at: z.iso.datetime(),
  finished_at: z.iso.datetime(),
  auth_mode: z.enum(["refresh_token", "client_credentials", "sample"]),
  /** Requests answered (not 429) per endpoint, e.g. {"token": 1, "playlist": 1, "playlist_items": 3, "artists_batch": 2}. */
  calls: z.record(z.string(), z.number().int().nonnegative()),
  retries: z.number().int().nonnegative(),
  http_429: z.number().int().nonnegative(),
  skipped: SkippedCounts,
  /** Which entry shape the API sent: `item` (2026), `track` (before) or both (transition). */
  response_shape: ResponseShape,
  /** Whether the batch endpoints were used or we fell back to one id per call. */
  enrichment_mode: z.enum(["batch", "single"]),
  /** Ids the tracks name but Spotify no longer has (404 on the single call, null in a batch); their columns stay empty. */
  missing_artist_ids: z.array(z.string()).optional(),
  missing_album_ids: z.array(z.string()).optional(),
  /** The UTC day each artist and album object was fetched (earlier than the snapshot when it came from the cache), by object id. */
  fetched_on: z.object({ artists: z.record(z.string(), z.iso.date()), albums: z.record(z.string(), z.iso.date()) }).optional(),
  /**
   * Objects taken from the cache, fetched for the first time, and fetched again to refresh the cache;
   * `rejected`: stored entries not believed (damaged, another id or kind, dated in the future, or an
   * inconsistent checkpoint), fetched again. Absent in snapshots written before it existed.
   */
  cache: z
    .object({ reused: z.number().int().nonnegative(), fetched_new: z.number().int().nonnegative(), refreshed: z.number().int().nonnegative(), rejected: z.number().int().nonnegative().optional() })
    .optional(),
  /** Invocations the extraction took (more than 1 when a deadline stopped it and a retry resumed); absent means 1. */
  attempts: z.number().int().positive().optional(),
});
export type ExtractionRecord = z.infer<typeof ExtractionRecord>;

export const RawSnapshot = z.object({
  format: z.literal(RAW_SNAPSHOT_FORMAT),
  snapshot_date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  playlist_id: z.string().min(1),
  /** The playlist object as returned, without its embedded page of entries. */
  playlist: Playlist,
  /** Every entry of every page, in playlist order, as returned (skipped ones included). */
  entries: z.array(PlaylistEntry),
  /** Full artist objects of every track artist and album artist. */
  artists: z.array(Artist),
  /** Full album objects of every track's album. */
  albums: z.array(Album),
  extraction: ExtractionRecord,
});
export type RawSnapshot = z.infer<typeof RawSnapshot>;

export class InvalidSnapshotError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "InvalidSnapshotError";
  }
}

/** The raw snapshot without its entries: what a reader that takes the entries one by one checks whole. */
export const SnapshotFrame = RawSnapshot.omit({ entries: true });
export type SnapshotFrame = z.infer<typeof SnapshotFrame>;

/** Parses and checks a raw snapshot document; the error names the field that does not fit. */
export function parseRawSnapshot(body: Uint8Array | string): RawSnapshot {
  // A view on the same bytes: Buffer.from(body) would first copy the whole document.
  const text = typeof body === "string" ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString("utf8");
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new InvalidSnapshotError(`not JSON (${(err as Error).message}); a raw snapshot is one JSON document written by the extractor.`);
  }
  return checkRawSnapshot(json);
}

/** The parsed document checked as a raw snapshot; the error names the field that does not fit. */
export function checkRawSnapshot(json: unknown): RawSnapshot {
  return checked(RawSnapshot, json);
}

/** The parsed document, its entries left out, checked as a raw snapshot's frame; the error names the field that does not fit. */
export function checkSnapshotFrame(json: unknown): SnapshotFrame {
  return checked(SnapshotFrame, json);
}

function checked<T>(schema: z.ZodType<T>, json: unknown): T {
  if (typeof json !== "object" || json === null || (json as { format?: unknown }).format !== RAW_SNAPSHOT_FORMAT) {
    throw new InvalidSnapshotError(`not a raw snapshot: expected "format": "${RAW_SNAPSHOT_FORMAT}"; only files written by the extractor belong under ${RAW_SNAPSHOT_PREFIX}.../.`);
  }
  const result = schema.safeParse(json);
  if (!result.success) throw new InvalidSnapshotError(`raw snapshot does not validate at ${describeZodError(result.error)}`);
  return result.data;
}
