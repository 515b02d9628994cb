/**
 * A lake for the playlist_chart view and the reports built on it, through the real transform.
 * "The Core" (recorded songs A..E) on four snapshot days with a gap, "To find" (its song T, then C) on two:
 * - 2026-11-01: Core A B C D;  To find T
 * - 2026-11-02: Core B A C     (B climbs over A, D leaves)
 * - 2026-11-03: no Core;       To find T C (compared with To find's 2026-11-01: the gap is not a snapshot)
 * - 2026-11-04: Core D B A C A (D re-enters at 1, compared with 2026-11-02; A listed twice, at 3 and 5)
 * - 2026-11-05: Core E D B C   (E new at the top, A leaves, everything below E shifted one down)
 */
import { rawSnapshotKey } from "../../lib/lake/layout";
import type { Json } from "../../lib/standin/recordedData";
import { LocalStore } from "../../lib/storage/localStore";
import { transformAll, type TransformOutcome } from "../../lib/transform/transformObject";
import { recordedEntries, recordedSnapshot, THE_CORE_ID, TO_FIND_ID } from "./snapshots";

export const CHART_DAYS = ["2026-11-01", "2026-11-02", "2026-11-03", "2026-11-04", "2026-11-05"] as const;

export interface ChartLake {
  store: LocalStore;
  outcomes: TransformOutcome[];
  /** Song ids of the Core songs A..E and To find's T. */
  ids: Record<"A" | "B" | "C" | "D" | "E" | "T", string>;
}

const idOf = (entry: Json) => ((entry.item ?? entry.track) as { id: string }).id;

export async function buildChartLake(dir: string, playlistName?: { id: string; name: string }): Promise<ChartLake> {
  const store = new LocalStore(dir);
  const [A, B, C, D, E] = recordedEntries(THE_CORE_ID);
  const [T] = recordedEntries(TO_FIND_ID);
  const core: (Json[] | undefined)[] = [[A, B, C, D], [B, A, C], undefined, [D, B, A, C, A], [E, D, B, C]];
  const toFind: (Json[] | undefined)[] = [[T], undefined, [T, C], undefined, undefined];
  for (const [i, date] of CHART_DAYS.entries()) {
    for (const [playlistId, entries] of [
      [THE_CORE_ID, core[i]],
      [TO_FIND_ID, toFind[i]],
    ] as const) {
      if (!entries) continue;
      const snapshot = recordedSnapshot(playlistId, { snapshotDate: date, entries });
      if (playlistName?.id === playlistId) (snapshot.playlist as { name: string }).name = playlistName.name;
      await store.put(rawSnapshotKey(date, playlistId), JSON.stringify(snapshot));
    }
  }
  const outcomes = await transformAll(store);
  return { store, outcomes, ids: { A: idOf(A), B: idOf(B), C: idOf(C), D: idOf(D), E: idOf(E), T: idOf(T) } };
}
