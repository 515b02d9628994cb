/**
 * Compacts the days a transform wrote (compactDay on each), going on past a day that cannot be
 * compacted: that day stays readable as its per-playlist files, and its error says what to do.
 */
import type { ObjectStore } from "../storage/objectStore";
import { compactDay, CompactionError, type DayCompaction } from "./compactDay";

export interface DaysCompaction {
  days: DayCompaction[];
  errors: CompactionError[];
}

export async function compactDays(store: ObjectStore, snapshotDates: Iterable<string>): Promise<DaysCompaction> {
  const result: DaysCompaction = { days: [], errors: [] };
  for (const date of [...new Set(snapshotDates)].sort()) {
    try {
      result.days.push(await compactDay(store, date));
    } catch (err) {
      if (!(err instanceof CompactionError)) throw err;
      result.errors.push(err);
    }
  }
  return result;
}
