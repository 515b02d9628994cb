/**
 * Writes a raw snapshot to the lake: validated first, then one put of the whole document at
 * its deterministic key, so a rerun of the same day replaces it and a failure writes nothing.
 */
import { rawSnapshotKey } from "../lake/layout";
import { InvalidSnapshotError, RawSnapshot } from "../snapshot/rawSnapshot";
import { encodeInLines } from "../snapshot/jsonInLines";
import { describeZodError } from "../spotify/schemas";
import type { ObjectStore } from "../storage/objectStore";

export async function landSnapshot(store: ObjectStore, snapshot: RawSnapshot): Promise<string> {
  const checked = RawSnapshot.safeParse(snapshot);
  if (!checked.success) {
    throw new InvalidSnapshotError(`Raw snapshot of playlist ${snapshot.playlist_id} for ${snapshot.snapshot_date} does not validate at ${describeZodError(checked.error)}; nothing was written.`);
  }
  const key = rawSnapshotKey(checked.data.snapshot_date, checked.data.playlist_id);
  await store.put(key, encodeInLines(checked.data), "application/json");
  return key;
}
