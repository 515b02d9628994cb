/**
 * Step 3: the transform wrote this playlist's Parquet file of every table for the day, after the
 * raw snapshot landed. A file older than the raw snapshot is an earlier run's and does not count
 * (Last-Modified comes from S3 for both, so no local clock is compared). If the transform
 * rejected the snapshot instead, its reason file says why, and the step stops at once.
 */
import { rejectedKeys, tableFileKey } from "../lib/lake/layout";
import { TABLE_NAMES } from "../lib/tables/schema";
import { pollUntil, seconds } from "./clock";
import { readRejectionReason } from "./rejectionReason";
import { headObject, S3AccessDenied, type ObjectSeen } from "./headObject";
import type { LandedSnapshot } from "./invokeExtractor";
import type { StepContext } from "./settings";
import { describeError, StepFailure } from "./stepFailure";
import { functionLogsHint } from "./whereToLook";

export async function waitForTables(ctx: StepContext, landed: LandedSnapshot, raw: ObjectSeen): Promise<string[]> {
  const { lakeBucket, waits } = ctx.settings;
  const s3 = ctx.clients.s3;
  const keys = TABLE_NAMES.map((table) => tableFileKey("parquet", table, landed.snapshotDate, landed.playlistId));
  const reasonKey = rejectedKeys(landed.key).reason;
  const lookAt = functionLogsHint(ctx, "transform");
  const isFresh = (seen: ObjectSeen | undefined) => seen !== undefined && seen.lastModified.getTime() >= raw.lastModified.getTime();

  const pending = new Set(keys);
  const stale = new Set<string>();
  let rejected = false;
  try {
    await pollUntil(ctx.clock, { timeoutMs: waits.tablesMs, pollMs: waits.pollMs }, async () => {
      for (const key of [...pending]) {
        const seen = await headObject(s3, lakeBucket, key);
        if (isFresh(seen)) {
          pending.delete(key);
          stale.delete(key);
        } else if (seen) stale.add(key);
      }
      if (pending.size === 0) return true;
      rejected = isFresh(await headObject(s3, lakeBucket, reasonKey));
      return rejected ? true : undefined;
    });
  } catch (err) {
    const detail = err instanceof S3AccessDenied ? err.message : `S3 refused HeadObject: ${describeError(err)}.`;
    throw new StepFailure(detail, [...pending].map((k) => `s3://${lakeBucket}/${k}`), lookAt);
  }
  if (rejected) {
    const reason = await readRejectionReason(s3, lakeBucket, reasonKey);
    throw new StepFailure(
      `the transform rejected the raw snapshot${reason ? `: ${reason.replace(/\.+$/, "")}` : ""}. The reason is in s3://${lakeBucket}/${reasonKey} (the raw snapshot is kept).`,
      [`s3://${lakeBucket}/${landed.key} transformed into ${keys.length} Parquet files`],
      [...lookAt, `s3://${lakeBucket}/${reasonKey}`],
    );
  }
  if (pending.size > 0) {
    const missing = [...pending].map((k) => `s3://${lakeBucket}/${k}${stale.has(k) ? " (only an earlier run's file, older than the raw snapshot)" : " (missing)"}`);
    throw new StepFailure(
      `${pending.size} of ${keys.length} Parquet files did not appear within ${seconds(waits.tablesMs)} (--wait-tables) after the raw snapshot landed.`,
      missing,
      lookAt,
    );
  }
  return keys;
}
