/**
 * Which raw snapshots of a local lake are new or changed since their tables were written: the
 * work of `npm start -- --stage transform` without --date, so that a run transforms what the
 * last extraction added, not the whole history again.
 *
 * A raw snapshot is up to date when every one of its 12 table files (lib/lake/layout.ts,
 * tableFileKey) exists and was written after it, or when it was rejected after it was written
 * (the reason file under raw_data/rejected/ is newer: the same bytes would be rejected again).
 * Writes are a rename of a finished temporary file (lib/storage/localStore.ts), so a file's
 * modification time is when it was complete. The cost is a few stat calls per raw snapshot.
 */
import * as path from "node:path";
import { FILE_FORMATS, parseRawSnapshotKey, rejectedKeys, tableFileKey } from "./layout";
import { TABLE_NAMES } from "../tables/schema";
import { writtenAtMs } from "./writtenAt";

/** The raw snapshot keys (of those given) whose tables are missing or older than they are, in the given order. */
export function snapshotsToTransform(lakeDir: string, rawKeys: readonly string[]): string[] {
  return rawKeys.filter((key) => {
    const ref = parseRawSnapshotKey(key);
    const raw = writtenAtMs(path.join(lakeDir, key));
    // Not a raw snapshot key, or gone since it was listed: the transform reports it.
    if (!ref || raw === undefined) return true;
    const rejectedAt = writtenAtMs(path.join(lakeDir, rejectedKeys(key).reason));
    if (rejectedAt !== undefined && rejectedAt >= raw) return false;
    for (const format of FILE_FORMATS) {
      for (const table of TABLE_NAMES) {
        const written = writtenAtMs(path.join(lakeDir, tableFileKey(format, table, ref.snapshotDate, ref.playlistId)));
        if (written === undefined || written < raw) return true;
      }
    }
    return false;
  });
}
