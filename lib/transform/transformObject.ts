/**
 * Transforms raw snapshot objects of a store (local lake or S3) into table files, and
 * rejects what cannot be read: the raw object stays where it is, a copy and a reason file go
 * under raw_data/rejected/, and nothing else is written. Storage errors are thrown, not
 * rejected: they say nothing about the input and a retry may succeed.
 */
import { parsePartitionFolder, parseRawSnapshotKey, partitionFolder, rejectedKeys, RAW_PREFIX, RAW_SNAPSHOT_KEY_FORM, RAW_SNAPSHOT_PREFIX, REJECTED_PREFIX } from "../lake/layout";
import { InvalidSnapshotError, type SnapshotFrame } from "../snapshot/rawSnapshot";
import { contentTypeFor, type ObjectStore } from "../storage/objectStore";
import type { TableName, TableRows } from "../tables/schema";
import { assertTablesFit, RowDoesNotFitError } from "../formats/rowCheck";
import { readRawSnapshot } from "./readSnapshot";
import { rowCounts, tablesOf } from "./toTables";
import { writeCheckedTables } from "./writeTables";
import type { CsvCut } from "../formats/csvLineLimit";

export type TransformOutcome =
  | {
      status: "transformed";
      rawKey: string;
      snapshotDate: string;
      playlistId: string;
      keys: string[];
      rows: Record<TableName, number>;
      /** CSV values cut to keep their line readable by DuckDB and Athena (lib/formats/csvLineLimit.ts); absent when none. */
      csvCuts?: CsvCut[];
    }
  | { status: "rejected"; rawKey: string; reason: string; rejectedKey: string };

/** What the reason file beside a rejected copy holds. */
export interface RejectionRecord {
  reason: string;
  source_key: string;
  source_location: string;
  rejected_at: string;
}

async function reject(store: ObjectStore, rawKey: string, body: Uint8Array, reason: string, now: Date): Promise<TransformOutcome> {
  const keys = rejectedKeys(rawKey);
  const record: RejectionRecord = { reason, source_key: rawKey, source_location: store.location, rejected_at: now.toISOString() };
  await store.put(keys.copy, body, contentTypeFor(keys.copy));
  await store.put(keys.reason, `${JSON.stringify(record, null, 2)}\n`, "application/json");
  return { status: "rejected", rawKey, reason, rejectedKey: keys.copy };
}

function whatDoesNotMatch(snapshot: SnapshotFrame, ref: { snapshotDate: string; playlistId: string }): string | undefined {
  if (snapshot.snapshot_date !== ref.snapshotDate) {
    return `the key says snapshot_date ${ref.snapshotDate} but the document says ${snapshot.snapshot_date}; the extractor writes both from the same value, so this file was moved or edited by hand.`;
  }
  if (snapshot.playlist_id !== ref.playlistId) {
    return `the key says playlist_id ${ref.playlistId} but the document says ${snapshot.playlist_id}; the extractor writes both from the same value, so this file was moved or edited by hand.`;
  }
  if (snapshot.playlist.id !== snapshot.playlist_id) {
    return `the document's playlist_id ${snapshot.playlist_id} differs from its playlist.id ${snapshot.playlist.id}.`;
  }
  return undefined;
}

export async function transformRawObject(store: ObjectStore, rawKey: string, now: Date = new Date()): Promise<TransformOutcome> {
  if (rawKey.startsWith(REJECTED_PREFIX)) {
    // Never re-reject a rejected copy: that would nest raw_data/rejected/rejected/... forever.
    throw new Error(`"${rawKey}" is a rejected copy, not a raw snapshot; fix or re-extract the original under ${RAW_SNAPSHOT_PREFIX}.`);
  }
  const read = await readTables(store, rawKey, now);
  if ("status" in read) return read;
  // The raw bytes and the parsed document are out of reach from here: only the rows are kept
  // while the files are encoded, so V8 may reclaim the rest when the encoders need memory.
  const { ref, tables } = read;
  const csvCuts: CsvCut[] = [];
  const keys = await writeCheckedTables(store, tables, ref.snapshotDate, ref.playlistId, (cuts) => csvCuts.push(...cuts));
  return { status: "transformed", rawKey, snapshotDate: ref.snapshotDate, playlistId: ref.playlistId, keys, rows: rowCounts(tables), ...(csvCuts.length ? { csvCuts } : {}) };
}

/** The checked rows of a raw object, or the outcome of rejecting it. */
async function readTables(store: ObjectStore, rawKey: string, now: Date): Promise<{ ref: { snapshotDate: string; playlistId: string }; tables: TableRows } | TransformOutcome> {
  const ref = parseRawSnapshotKey(rawKey);
  if (!ref) {
    return reject(store, rawKey, await store.get(rawKey), `"${rawKey}" is not a raw snapshot key: expected ${RAW_SNAPSHOT_KEY_FORM} with a real date.`, now);
  }
  // A rejection copies the bytes: read again when the snapshot was streamed (the raw object stays where it is).
  let body: Uint8Array | undefined;
  const rejectWith = async (reason: string) => reject(store, rawKey, body ?? (await store.get(rawKey)), reason, now);
  try {
    const read = await readRawSnapshot(store, rawKey);
    body = read.body;
    const mismatch = whatDoesNotMatch(read.frame, ref);
    if (mismatch) return rejectWith(`key and content disagree: ${mismatch}`);
    const tables = tablesOf(read.frame, read.entries);
    // The boundary: every value must fit its table's column type (int32, int64, ...) before anything is written.
    assertTablesFit(tables);
    return { ref, tables };
  } catch (err) {
    if (err instanceof InvalidSnapshotError) return rejectWith(err.message);
    if (err instanceof RowDoesNotFitError) return rejectWith(`a value does not fit its table: ${err.message}`);
    throw err;
  }
}

/**
 * Transforms every raw snapshot (or one date's), one after another, going on past rejections.
 * Keys in a folder that is not a valid partition (snapshot_date=2026-07-01.bak) are not raw
 * snapshots of any date: they are skipped and reported through onSkip, not rejected on every run.
 */
export async function transformAll(
  store: ObjectStore,
  opts: { snapshotDate?: string; keys?: readonly string[]; onSkip?: (key: string, why: string) => void; onError?: (key: string, err: Error) => void } = {},
): Promise<TransformOutcome[]> {
  const prefix = opts.snapshotDate ? `${RAW_PREFIX}${partitionFolder(opts.snapshotDate)}/` : RAW_SNAPSHOT_PREFIX;
  const outcomes: TransformOutcome[] = [];
  // `keys`: these raw snapshots only (the CLI's new or changed ones, lib/lake/changedSnapshots.ts).
  for (const key of opts.keys ?? (await store.list(prefix))) {
    if (parsePartitionFolder(key.slice(RAW_PREFIX.length).split("/")[0]) === undefined) {
      opts.onSkip?.(key, `not in a partition folder (${RAW_SNAPSHOT_PREFIX}YYYY-MM-DD/ with a real date)`);
      continue;
    }
    try {
      outcomes.push(await transformRawObject(store, key));
    } catch (err) {
      // A storage error on one file (unreadable: EACCES) says nothing about the others: with
      // onError the caller reports it and the later files are still transformed.
      if (!opts.onError) throw err;
      opts.onError(key, err as Error);
    }
  }
  return outcomes;
}
