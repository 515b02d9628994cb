/**
 * Step 4: the Glue catalog lists the day's partition of the Parquet playlist_tracks table, so
 * Athena can read it (the transform registers it; the daily crawl would add it too). GetPartition answers EntityNotFoundException while the partition (or the
 * table, or the database) does not exist (AWS Glue API, "GetPartition action", Errors), which
 * here means "not yet"; any other error stops the wait.
 */
import { GetPartitionCommand } from "@aws-sdk/client-glue";
import { catalogTableName } from "../lib/lake/layout";
import { pollUntil, seconds } from "./clock";
import type { LandedSnapshot } from "./invokeExtractor";
import type { StepContext } from "./settings";
import { describeError, StepFailure } from "./stepFailure";
import { functionLogsHint, logGroupHint, GLUE_CRAWLER_LOG_GROUP } from "./whereToLook";

export const PARTITION_TABLE = catalogTableName("parquet", "playlist_tracks");

export async function waitForPartition(ctx: StepContext, landed: LandedSnapshot): Promise<void> {
  const { database, region, crawlerNames, waits } = ctx.settings;
  const waitedFor = [`Glue partition snapshot_date=${landed.snapshotDate} of table ${database}.${PARTITION_TABLE} (GetPartition)`];
  const crawlers = crawlerNames.length > 0 ? `crawlers ${crawlerNames.join(", ")}` : "the stack's crawlers: `pulumi stack output crawlerNames`";
  const lookAt = [
    ...functionLogsHint(ctx, "transform", "which registers the day's partitions"),
    ...logGroupHint(region, GLUE_CRAWLER_LOG_GROUP, `the daily crawl, one log stream per crawler: ${crawlers}`),
  ];
  let lastAnswer = "no answer yet";
  let found: true | undefined;
  try {
    found = await pollUntil(ctx.clock, { timeoutMs: waits.partitionMs, pollMs: waits.pollMs }, async () => {
      try {
        await ctx.clients.glue.send(
          new GetPartitionCommand({ DatabaseName: database, TableName: PARTITION_TABLE, PartitionValues: [landed.snapshotDate] }),
        );
        return true;
      } catch (err) {
        if ((err as { name?: string }).name !== "EntityNotFoundException") throw err;
        lastAnswer = describeError(err);
        return undefined;
      }
    });
  } catch (err) {
    throw new StepFailure(`Glue refused GetPartition: ${describeError(err)}.`, waitedFor, lookAt);
  }
  if (!found) {
    throw new StepFailure(
      `the partition was not in the catalog within ${seconds(waits.partitionMs)} (--wait-partition); Glue's last answer: ${lastAnswer}.`,
      waitedFor,
      lookAt,
    );
  }
}
