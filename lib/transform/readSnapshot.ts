/**
 * A raw snapshot read from a store as its frame and its entries (entries.ts). The extractor's
 * layout, one array element per line (lib/snapshot/jsonInLines.ts), is read as a stream when the
 * store can stream (ObjectStore.getPieces): each entry line is parsed and reduced to its entry as
 * it comes, so neither the whole file nor any entry's API objects stay in memory. Any other
 * layout is parsed whole and its entries read by the same function. Throws an
 * InvalidSnapshotError that names the field for a document that is not a valid raw snapshot.
 */
import { parseJsonLinesInPieces, type LineSink } from "../snapshot/jsonLinesInPieces";
import { checkRawSnapshot, checkSnapshotFrame, InvalidSnapshotError, parseRawSnapshot, type RawSnapshot, type SnapshotFrame } from "../snapshot/rawSnapshot";
import type { ObjectStore } from "../storage/objectStore";
import { addedAtMs } from "./addedAt";
import { entryOf, type Entry } from "./entries";

export interface SnapshotRead {
  frame: SnapshotFrame;
  entries: Entry[];
  /** The raw bytes, when the snapshot was read whole (a rejection copies them). */
  body?: Uint8Array;
}

/** Reads each entry line as it comes, keeping the latest added_at: its upper bound is known only at the end. */
class EntrySink implements LineSink {
  readonly entries: Entry[] = [];
  private latest: { ms: number; index: number; text: string } | undefined;

  line(text: string): boolean {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      return false; // the whole read gives JSON.parse's error
    }
    const entry = entryOf(json, this.entries.length, undefined);
    this.entries.push(entry);
    if (!entry.skipped && entry.added_at !== null && (!this.latest || entry.added_at > this.latest.ms)) {
      this.latest = { ms: entry.added_at, index: this.entries.length - 1, text: entry.added_at_text! };
    }
    return true;
  }

  finish(): Entry[] {
    return this.entries;
  }

  /** Throws the InvalidSnapshotError of an added_at after the extraction finished (one day of slack). */
  checkLatestAddedAt(extractedAt: string): void {
    if (!this.latest) return;
    const ms = addedAtMs(this.latest.text, extractedAt);
    if (typeof ms === "string") throw new InvalidSnapshotError(`raw snapshot does not validate at entries[${this.latest.index}].added_at: ${ms}.`);
  }
}

/** The skeleton line that opens the entries array ends so. */
const ENTRIES_OPENING = '"entries":[';

export async function readRawSnapshot(store: ObjectStore, rawKey: string): Promise<SnapshotRead> {
  if (store.getPieces) {
    let sink: EntrySink | undefined;
    const json = (await parseJsonLinesInPieces(store.getPieces(rawKey), (line) => (!sink && line.endsWith(ENTRIES_OPENING) ? (sink = new EntrySink()) : undefined))) as
      | Record<string, unknown>
      | undefined;
    // The entries read line by line count only as the document's own entries member.
    if (json !== undefined && sink && json.entries === sink.entries) {
      const { entries: _readAlready, ...rest } = json;
      const frame = checkSnapshotFrame(rest);
      sink.checkLatestAddedAt(frame.extraction.finished_at);
      return { frame, entries: sink.entries };
    }
    if (json !== undefined && !sink) return entriesOfWhole(checkRawSnapshot(json)); // a compact document, read at once
  }
  const body = await store.get(rawKey);
  return { ...entriesOfWhole(parseRawSnapshot(body)), body };
}

function entriesOfWhole(snapshot: RawSnapshot): SnapshotRead {
  const { entries, ...frame } = snapshot;
  const extractedAt = frame.extraction.finished_at;
  return { frame, entries: entries.map((entry, index) => entryOf(entry, index, extractedAt)) };
}
