/**
 * Step 3: the transform wrote this playlist's Parquet file of every table for the day, after the
 * raw snapshot landed. A file older than the raw snapshot is an earlier run's and does not count
 * (Last-Modified comes from S3 for both, so no local clock is compared). If the transform
 * rejected the snapshot instead, its reason file says why, and the step stops at once.
 *
 * If no file at all appeared and nothing was rejected, the transform never ran: right after the
 * first deploy, the S3 trigger may not be live yet (smoke/relandRawSnapshot.ts). The step says
 * so, lands the same snapshot again (at most MAX_RELANDS times), and waits again, so the day is
 * not lost; a partial set of files means the trigger did fire, and is reported as it is.
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
import { NOTIFICATION_DELAY_TEXT, relandRawSnapshot } from "./relandRawSnapshot";

/** Copies of the raw snapshot onto itself while the transform shows no sign of running. */
export const MAX_RELANDS = 2;

export async function waitForTables(ctx: StepContext, landed: LandedSnapshot, firstSeen: ObjectSeen, print: (line: string) => void = () => {}): Promise<string[]> {
  const { lakeBucket, waits } = ctx.settings;
  const s3 = ctx.clients.s3;
  const keys = TABLE_NAMES.map((table) => tableFileKey("parquet", table, landed.snapshotDate, landed.playlistId));
  const reasonKey = rejectedKeys(landed.key).reason;
  const lookAt = functionLogsHint(ctx, "transform");
  let raw = firstSeen;
  const isFresh = (seen: ObjectSeen | undefined) => seen !== undefined && seen.lastModified.getTime() >= raw.lastModified.getTime();

  const pending = new Set(keys);
  const stale = new Set<string>();
  let rejected = false;
  let relands = 0;
  for (;;) {
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
    const transformNeverRan = !rejected && pending.size === keys.length;
    if (!transformNeverRan || relands >= MAX_RELANDS) break;
    relands += 1;
    print(
      `      no table appeared within ${seconds(waits.tablesMs)}: the transform did not run. ${NOTIFICATION_DELAY_TEXT}, ` +
        `so a snapshot landed right after a deploy triggers nothing. Landing it again (copy ${relands} of at most ${MAX_RELANDS}; the lake keeps every version).`,
    );
    try {
      raw = await relandRawSnapshot(s3, lakeBucket, landed.key, raw);
    } catch (err) {
      throw new StepFailure(
        `the transform never ran, and landing the snapshot again failed: ${describeError(err)}. Your credentials need s3:GetObject and s3:PutObject on s3://${lakeBucket}/${landed.key}, or wait five minutes and run the smoke check again.`,
        [`s3://${lakeBucket}/${landed.key} transformed`],
        lookAt,
      );
    }
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
    const trigger =
      pending.size === keys.length
        ? ` The transform never ran, even after landing the snapshot again ${relands} time(s): check the lake bucket's event notification (raw_data/snapshot_date%3D ... .json to the transform function) and the transform's dead-letter queue.`
        : "";
    throw new StepFailure(
      `${pending.size} of ${keys.length} Parquet files did not appear within ${seconds(waits.tablesMs)} (--wait-tables) after the raw snapshot landed.${trigger}`,
      missing,
      lookAt,
    );
  }
  return keys;
}
