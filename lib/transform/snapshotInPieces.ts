/**
 * A raw snapshot read from its bytes in pieces (ObjectStore.getPieces), never whole, with its
 * entries digested line by line as they come (entryDigest.ts): no entry's objects outlive its
 * line. At 50,000 entries that peaked 28 MiB lower than keeping the parsed entries until the
 * tables were built, in the same time (measured with the CLI here).
 *
 * Digested for the extractor's layout only, one array element per line (jsonLinesInPieces.ts),
 * and for valid snapshots only: undefined for one that does not check, or that is not JSON or
 * too large to gather in another layout. The caller then reads it whole (parseRawSnapshot,
 * snapshotToTables), which gives the same tables for a valid snapshot and, for an invalid one,
 * the error that names the field. A document in another layout that could be gathered is
 * returned parsed: reading it again would only parse it twice.
 */
import { parseJsonLinesInPieces, type LineSink } from "../snapshot/jsonLinesInPieces";
import { isRawSnapshotApartFromEntries } from "../snapshot/rawSnapshot";
import { latestAcceptedMs } from "./addedAt";
import { digestEntryLine, type EntryDigests } from "./entryDigest";
import type { SnapshotFrame } from "./toTables";

/**
 * A raw snapshot read in pieces: its entries digested (the extractor's layout, valid), or the
 * parsed document of a file in another layout that is still small enough to have been read so (a
 * compact snapshot written before the line layout), to be checked as the whole read checks it.
 */
export type SnapshotInPieces = { kind: "digested"; frame: SnapshotFrame; entries: EntryDigests } | { kind: "parsed"; json: unknown };

/** Digests each entry line, keeping the largest added_at: its upper bound is known only at the end. */
class EntryDigestSink implements LineSink {
  readonly digests: EntryDigests = [];
  maxAddedAtMs = -Infinity;

  line(buf: Buffer, start: number, end: number): boolean {
    const ms = digestEntryLine(buf.toString("utf8", start, end), this.digests);
    if (ms === undefined) return false;
    if (ms > this.maxAddedAtMs) this.maxAddedAtMs = ms;
    return true;
  }

  finish(): EntryDigestSink {
    return this;
  }
}

/**
 * The skeleton line that opens the entries array ends so. It is only a guess (a string value
 * could end so too): the digests are used only if the parsed document has them as its entries.
 */
const ENTRIES_OPENING = Buffer.from('"entries":[');

export async function readSnapshotInPieces(pieces: AsyncIterable<Uint8Array>): Promise<SnapshotInPieces | undefined> {
  let sink: EntryDigestSink | undefined;
  const json = (await parseJsonLinesInPieces(pieces, (line) => {
    if (sink || !line.subarray(-ENTRIES_OPENING.length).equals(ENTRIES_OPENING)) return undefined;
    return (sink = new EntryDigestSink());
  })) as Record<string, unknown> | undefined;
  if (json === undefined) return undefined;
  if (!sink) return { kind: "parsed", json };
  if (json.entries !== sink || !isRawSnapshotApartFromEntries(json)) return undefined;
  const { entries: _digested, ...frame } = json;
  // added_at has no upper bound until the extraction record (the document's last member) is read.
  if (sink.maxAddedAtMs > latestAcceptedMs((frame as SnapshotFrame).extraction.finished_at)) return undefined;
  return { kind: "digested", frame: frame as SnapshotFrame, entries: sink.digests };
}
