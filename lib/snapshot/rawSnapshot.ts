/**
 * The raw snapshot: one JSON document per playlist per snapshot date, the contract between
 * extraction and transform. It keeps every response body as the API returned it, so the
 * tables can be rebuilt later from raw alone.
 */
import { z } from "zod";
import { RAW_SNAPSHOT_PREFIX } from "../lake/layout";
import { Album, Artist, Playlist, PlaylistEntry, describeZodError } from "../spotify/schemas";
import { fastCheck } from "../util/fastCheck";
import { parseJsonInParts } from "./parseJsonInParts";

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

/** Parses and checks a raw snapshot document; the error names the field that does not fit. */
export function parseRawSnapshot(body: Uint8Array | string): RawSnapshot {
  // Parsed member by member, without the whole document as one string (parseJsonInParts);
  // when that declines, the whole text is parsed for JSON.parse's own error.
  let json: unknown = typeof body === "string" ? undefined : parseJsonInParts(body);
  if (json === undefined) {
    // A view on the same bytes: Buffer.from(body) would first copy the whole document.
    const text = typeof body === "string" ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString("utf8");
    try {
      json = JSON.parse(text);
    } catch (err) {
      throw new InvalidSnapshotError(`not JSON (${(err as Error).message}); a raw snapshot is one JSON document written by the extractor.`);
    }
  }
  return checkRawSnapshot(json);
}

/**
 * Whether a parsed document is a raw snapshot apart from its entries (its frame, artists and
 * albums pass checkRawSnapshot's checks): for a reader that checks the entries one by one as
 * it reads them (snapshotInPieces.ts). Yes or no only: on no, read it with parseRawSnapshot,
 * whose error names the field.
 */
export function isRawSnapshotApartFromEntries(json: Record<string, unknown>): boolean {
  return isFrame({ ...json, entries: [] }) && ELEMENT_CHECKS.every(([key, check]) => key === "entries" || everyElement(json[key], check));
}

/** The parsed document checked as a raw snapshot; the error names the field that does not fit. */
export function checkRawSnapshot(json: unknown): RawSnapshot {
  if (typeof json !== "object" || json === null || (json as { format?: unknown }).format !== RAW_SNAPSHOT_FORMAT) {
    throw new InvalidSnapshotError(`not a raw snapshot: expected "format": "${RAW_SNAPSHOT_FORMAT}"; only files written by the extractor belong under ${RAW_SNAPSHOT_PREFIX}.../.`);
  }
  // The fast checks answer for valid documents; zod runs only to name what is wrong.
  if (isFrame(json) && ELEMENT_CHECKS.every(([key, check]) => everyElement((json as Record<string, unknown>)[key], check))) return json as RawSnapshot;
  const frame = RawSnapshotFrame.safeParse(json);
  const frameIssue = frame.success ? undefined : frame.error.issues[0];
  // zod reports issues in the schema's key order; keep that order across the two passes so
  // the error names the same field as one RawSnapshot.safeParse would.
  const frameKeyRank = frameIssue ? SNAPSHOT_KEYS.indexOf(frameIssue.path[0] as string) : Infinity;
  const elementIssue = firstElementIssue(json as Record<string, unknown>, frameKeyRank);
  const issue = elementIssue ?? frameIssue;
  if (issue) throw new InvalidSnapshotError(`raw snapshot does not validate at ${describeZodError(new z.ZodError([issue]))}`);
  return (frame as { data: RawSnapshot }).data;
}

/**
 * The document with its three big arrays taken as they are; their elements are checked one by
 * one (firstElementIssue) and kept as the parsed JSON objects, not as zod's deep copies: the
 * schemas have no transforms or defaults, so the copies would be equal, and letting each die
 * young keeps tens of MB of a 10,000-item snapshot out of the peak memory.
 */
const RawSnapshotFrame = RawSnapshot.extend({
  entries: z.array(z.unknown()),
  artists: z.array(z.unknown()),
  albums: z.array(z.unknown()),
});
const SNAPSHOT_KEYS = Object.keys(RawSnapshot.shape);
const ELEMENT_SCHEMAS = [
  ["entries", PlaylistEntry],
  ["artists", Artist],
  ["albums", Album],
] as const;

const isFrame = fastCheck(RawSnapshotFrame);
const ELEMENT_CHECKS = ELEMENT_SCHEMAS.map(([key, schema]) => [key, fastCheck(schema)] as const);

function everyElement(elements: unknown, check: (v: unknown) => boolean): boolean {
  const list = elements as unknown[];
  for (let i = 0; i < list.length; i++) if (!check(list[i])) return false;
  return true;
}

/** The first issue of an element of entries, artists or albums, in key order, if it comes before `beforeRank`. */
function firstElementIssue(doc: Record<string, unknown>, beforeRank: number): z.core.$ZodIssue | undefined {
  for (const [key, schema] of ELEMENT_SCHEMAS) {
    if (SNAPSHOT_KEYS.indexOf(key) >= beforeRank) return undefined;
    const elements = doc[key];
    if (!Array.isArray(elements)) continue;
    for (let i = 0; i < elements.length; i++) {
      const checked = schema.safeParse(elements[i]);
      if (!checked.success) {
        const issue = checked.error.issues[0];
        return { ...issue, path: [key, i, ...issue.path] };
      }
    }
  }
  return undefined;
}
