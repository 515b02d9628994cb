/**
 * Compacted days and months older than what they were made from, in a local lake. A run that
 * transformed a day and stopped before compacting it (killed, or a compaction that failed) leaves
 * the old compacted file, which readers keep taking, and the next run's transform finds nothing
 * new to do (lib/lake/changedSnapshots.ts). So `npm start` compacts these again as well.
 *
 * A folder's modification time changes when a file is written into it (LocalStore renames a
 * finished temporary file into place), and compaction writes a day's or a month's files in a fixed
 * order (formats, then tables), so its last file is the oldest of a compaction cut short:
 * - a day is stale when one of its 12 per-playlist table folders is newer than its last compacted file;
 * - a month is stale when one of its days (those folders, or the day's last compacted file) is newer
 *   than its last monthly file.
 * About 13 stat calls per day.
 */
import { existsSync, readdirSync } from "node:fs";
import * as path from "node:path";
import { compactedFileKey, FILE_FORMATS, monthlyFileKey, monthOf, parsePartitionFolder, partitionFolder, tableRoot } from "../lake/layout";
import { TABLE_NAMES } from "../tables/schema";
import { writtenAtMs } from "../lake/writtenAt";

const LAST_FORMAT = FILE_FORMATS[FILE_FORMATS.length - 1];
const LAST_TABLE = TABLE_NAMES[TABLE_NAMES.length - 1];

/** The days that have per-playlist files (the first table's folders), sorted. */
function transformedDays(lakeDir: string): string[] {
  const root = path.join(lakeDir, tableRoot(FILE_FORMATS[0], TABLE_NAMES[0]));
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .map(parsePartitionFolder)
    .filter((date): date is string => date !== undefined)
    .sort();
}

/** When the transform last wrote into the day's folders. */
function perPlaylistWrittenMs(lakeDir: string, snapshotDate: string): number {
  let latest = 0;
  for (const format of FILE_FORMATS) {
    for (const table of TABLE_NAMES) latest = Math.max(latest, writtenAtMs(path.join(lakeDir, tableRoot(format, table), partitionFolder(snapshotDate))) ?? 0);
  }
  return latest;
}

const lastCompactedMs = (lakeDir: string, snapshotDate: string) => writtenAtMs(path.join(lakeDir, compactedFileKey(LAST_FORMAT, LAST_TABLE, snapshotDate)));

/** Compacted days whose per-playlist files were written after their compaction. */
export function staleCompactedDays(lakeDir: string): string[] {
  return transformedDays(lakeDir).filter((date) => {
    const compacted = lastCompactedMs(lakeDir, date);
    return compacted !== undefined && perPlaylistWrittenMs(lakeDir, date) > compacted;
  });
}

/** Of these months, those with a monthly file older than one of their days. */
export function staleMonths(lakeDir: string, months: Iterable<string>): string[] {
  const wanted = new Set(months);
  const monthlyMs = new Map<string, number | undefined>();
  const stale = new Set<string>();
  for (const date of transformedDays(lakeDir)) {
    const month = monthOf(date);
    if (!wanted.has(month) || stale.has(month)) continue;
    if (!monthlyMs.has(month)) monthlyMs.set(month, writtenAtMs(path.join(lakeDir, monthlyFileKey(LAST_FORMAT, LAST_TABLE, month))));
    const monthly = monthlyMs.get(month);
    if (monthly === undefined) continue;
    if (Math.max(perPlaylistWrittenMs(lakeDir, date), lastCompactedMs(lakeDir, date) ?? 0) > monthly) stale.add(month);
  }
  return [...stale].sort();
}
