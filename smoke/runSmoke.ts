/**
 * The smoke check: five steps in order, each printed with its time. The first failure stops the
 * check with a SmokeFailure that names the step, what it waited for and where to look.
 */
import { seconds } from "./clock";
import { countLatestSnapshot } from "./countLatestSnapshot";
import { invokeExtractor, type LandedSnapshot } from "./invokeExtractor";
import { resolveLogGroups } from "./logGroups";
import type { ObjectSeen } from "./headObject";
import type { StepContext } from "./settings";
import { describeError, SmokeFailure, StepFailure } from "./stepFailure";
import { waitForPartition, PARTITION_TABLE } from "./waitForPartition";
import { waitForRawObject } from "./waitForRawObject";
import { waitForTables } from "./waitForTables";

export interface SmokeResult {
  landed: LandedSnapshot;
  parquetKeys: string[];
  count: number;
  queryExecutionId: string;
  totalMs: number;
}

const STEP_COUNT = 5;

export async function runSmoke(given: StepContext, print: (line: string) => void): Promise<SmokeResult> {
  const { clock, settings } = given;
  const functions = [settings.extractFunction, settings.transformFunction, settings.viewsFunction];
  const ctx: StepContext = { ...given, logGroups: given.logGroups ?? (await resolveLogGroups(given.clients.lambda, functions)) };
  const startedAt = clock.now();
  let number = 0;

  /** Runs one step: prints its start and its time, and turns any error into a SmokeFailure. */
  async function step<T>(title: string, run: () => Promise<T>, summary: (value: T) => string): Promise<T> {
    number += 1;
    print(`[${number}/${STEP_COUNT}] ${title} ...`);
    const t0 = clock.now();
    try {
      const value = await run();
      print(`[${number}/${STEP_COUNT}] ok in ${seconds(clock.now() - t0)}: ${summary(value)}`);
      return value;
    } catch (err) {
      const failure = err instanceof StepFailure ? err : new StepFailure(`unexpected error: ${describeError(err)}`, [], []);
      throw new SmokeFailure(number, STEP_COUNT, title, clock.now() - t0, failure);
    }
  }

  const landed = await step(
    `Invoke ${settings.extractFunction} for playlist ${settings.playlistId}`,
    () => invokeExtractor(ctx, print),
    (l) => `raw snapshot ${l.key}`,
  );
  const raw: ObjectSeen = await step(
    `Wait for s3://${settings.lakeBucket}/${landed.key}`,
    () => waitForRawObject(ctx, landed),
    (seen) => `last modified ${seen.lastModified.toISOString()}`,
  );
  const parquetKeys = await step(
    `Wait for the transform's Parquet files of ${landed.snapshotDate}`,
    () => waitForTables(ctx, landed, raw, print),
    (keys) => `${keys.length} tables written`,
  );
  await step(
    `Wait for partition snapshot_date=${landed.snapshotDate} of ${settings.database}.${PARTITION_TABLE}`,
    () => waitForPartition(ctx, landed),
    () => "in the Glue catalog",
  );
  const { count, queryExecutionId } = await step(
    `Query latest_snapshot in workgroup ${settings.workgroup}`,
    () => countLatestSnapshot(ctx),
    (r) => `${r.count} rows (query ${r.queryExecutionId})`,
  );
  const totalMs = clock.now() - startedAt;
  print(`Smoke check passed in ${seconds(totalMs)}.`);
  return { landed, parquetKeys, count, queryExecutionId, totalMs };
}
