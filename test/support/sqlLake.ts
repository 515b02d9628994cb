/**
 * A small multi-day lake built through the real transform, for the view and query tests.
 * "The Core" (first six recorded songs A..F, F with two artists) over four days, and
 * "To find" (its one song T) on days 1 and 3 only:
 * - day 1 (2026-11-01): Core A B C D E;    To find T
 * - day 2 (2026-11-02): Core B A C E F     (A and B swap, D leaves, E moves up, F enters)
 * - day 3 (2026-11-03): Core B A C E F A   (A listed a second time: no change); To find T C
 *                                          (C enters, compared with To find's day 1)
 * - day 4 (2026-11-04): Core F B C         (F 5→1, B 1→2, A and E leave); To find's latest stays day 3
 */
import { rawSnapshotKey } from "../../lib/lake/layout";
import type { Json } from "../../lib/standin/recordedData";
import { LocalStore } from "../../lib/storage/localStore";
import { transformAll, type TransformOutcome } from "../../lib/transform/transformObject";
import { recordedEntries, recordedSnapshot, THE_CORE_ID, TO_FIND_ID } from "./snapshots";

export const DAYS = ["2026-11-01", "2026-11-02", "2026-11-03", "2026-11-04"] as const;

export interface SongRef {
  id: string;
  name: string;
}

export interface MultiDayLake {
  store: LocalStore;
  outcomes: TransformOutcome[];
  /** The six Core songs used, A..F. */
  songs: Record<"A" | "B" | "C" | "D" | "E" | "F", SongRef>;
  toFindSong: SongRef;
}

const songOf = (entry: Json): SongRef => {
  const t = (entry.item ?? entry.track) as { id: string; name: string };
  return { id: t.id, name: t.name };
};

export async function buildMultiDayLake(dir: string): Promise<MultiDayLake> {
  const store = new LocalStore(dir);
  const [A, B, C, D, E, F] = recordedEntries(THE_CORE_ID);
  const core: Json[][] = [
    [A, B, C, D, E],
    [B, A, C, E, F],
    [B, A, C, E, F, A],
    [F, B, C],
  ];
  const [T] = recordedEntries(TO_FIND_ID);
  const toFind: (Json[] | undefined)[] = [[T], undefined, [T, C], undefined];
  for (const [i, date] of DAYS.entries()) {
    const snapshot = recordedSnapshot(THE_CORE_ID, { snapshotDate: date, entries: core[i] });
    await store.put(rawSnapshotKey(date, THE_CORE_ID), JSON.stringify(snapshot));
    const toFindEntries = toFind[i];
    if (toFindEntries) {
      const snapshot = recordedSnapshot(TO_FIND_ID, { snapshotDate: date, entries: toFindEntries });
      await store.put(rawSnapshotKey(date, TO_FIND_ID), JSON.stringify(snapshot));
    }
  }
  const outcomes = await transformAll(store);
  return {
    store,
    outcomes,
    songs: { A: songOf(A), B: songOf(B), C: songOf(C), D: songOf(D), E: songOf(E), F: songOf(F) },
    toFindSong: songOf(T),
  };
}
