/**
 * The transform Lambda: for each raw snapshot named by an S3 notification, write its tables
 * (or reject it, with a copy and a reason) through the same lib/ code as the local run, then
 * register the days it wrote as partitions of the declared Glue tables (handlers/partitions.ts),
 * so they are queryable when it returns. Output keys are deterministic and registration is
 * idempotent, so a redelivered event rewrites the same files and changes nothing in the catalog.
 * One record never stops the others (contract C5): a bad file is rejected and reported, and a
 * record that fails for another reason (storage) is reported and, once the good records have
 * landed and their partitions are registered, fails the invocation so that Lambda retries the event.
 */
import { S3Client } from "@aws-sdk/client-s3";
import { GlueClient } from "@aws-sdk/client-glue";
import type { LambdaClient } from "@aws-sdk/client-lambda";
import { Logger } from "@aws-lambda-powertools/logger";
import { S3Store } from "../lib/storage/s3Store";
import type { ObjectStore } from "../lib/storage/objectStore";
import { transformRawObject, type TransformOutcome } from "../lib/transform/transformObject";
import { rawKeysFromEvent, type S3NotificationEvent } from "./s3Event";
import { parseTransformEnv, TRANSFORM_LOG, type TransformEnv } from "../contracts/transform";
import type { Env } from "../contracts/env";
import { logWithContext, type InvocationContext } from "./lambdaContext";
import { registerPartitions, type PartitionRegistration } from "./partitions";
import { requestRecompaction } from "./compact";

export type TransformSettings = TransformEnv;

export interface TransformDeps {
  s3?: S3Client;
  glue?: GlueClient;
  /** For the compaction function, asked to compact a compacted day again (handlers/compact.ts, requestRecompaction). */
  lambda?: LambdaClient;
  store?: ObjectStore;
  logger?: Logger;
}

export interface TransformResult {
  outcomes: TransformOutcome[];
  partitions: PartitionRegistration;
  /** Compacted days it wrote to, which the compaction function was asked to compact again. */
  recompaction: string[];
}

/** Thrown after the rest of the event was processed, naming the records that failed; a retry processes the event again. */
export class RecordsFailedError extends Error {
  constructor(
    readonly failed: { rawKey: string; error: string }[],
    readonly result: TransformResult,
  ) {
    super(
      `${failed.length} of ${failed.length + result.outcomes.length} record(s) failed and will be retried (the others were written): ` +
        failed.map((f) => `${f.rawKey}: ${f.error}`).join("; "),
    );
    this.name = "RecordsFailedError";
  }
}

export function createTransformHandler(settings: TransformSettings, deps: TransformDeps = {}): (event: S3NotificationEvent, context?: InvocationContext) => Promise<TransformResult> {
  if (!settings.bucket || !settings.database) throw new Error("The transform function needs LAKE_BUCKET and GLUE_DATABASE in its environment (contracts/transform.ts).");
  const store = deps.store ?? new S3Store({ bucket: settings.bucket, client: deps.s3 ?? new S3Client({}) });
  const glue = deps.glue ?? new GlueClient({});
  const logger = deps.logger ?? new Logger({ serviceName: "spotify-transform" });

  return async (event, context) => {
    logWithContext(logger, context);
    const { keys, ignored, invalid } = rawKeysFromEvent(event, settings.bucket);
    for (const skip of ignored) logger.warn("record ignored", skip);
    for (const bad of invalid) logger.error(TRANSFORM_LOG.badRecord, bad);
    const outcomes: TransformOutcome[] = [];
    const failed: { rawKey: string; error: string }[] = [];
    for (const key of keys) {
      let outcome: TransformOutcome;
      try {
        outcome = await transformRawObject(store, key);
      } catch (err) {
        logger.error(TRANSFORM_LOG.failed, { rawKey: key, error: (err as Error).message });
        failed.push({ rawKey: key, error: (err as Error).message });
        continue;
      }
      if (outcome.status === "transformed") logger.info(TRANSFORM_LOG.transformed, { rawKey: key, rows: outcome.rows, files: outcome.keys.length });
      else logger.error(TRANSFORM_LOG.rejected, { rawKey: key, reason: outcome.reason, rejectedKey: outcome.rejectedKey });
      outcomes.push(outcome);
    }
    const dates = outcomes.flatMap((o) => (o.status === "transformed" ? [o.snapshotDate] : []));
    const partitions = await registerPartitions(glue, { bucket: settings.bucket, database: settings.database }, dates);
    if (dates.length > 0) logger.info(TRANSFORM_LOG.partitionsRegistered, { database: settings.database, created: partitions.created.length, existing: partitions.existing.length, snapshotDates: [...new Set(dates)] });
    const recompaction = settings.compactFunction ? await requestRecompaction(store, settings.compactFunction, dates, deps.lambda) : [];
    if (recompaction.length > 0) logger.info(TRANSFORM_LOG.recompactionRequested, { functionName: settings.compactFunction, snapshotDates: recompaction });
    const result = { outcomes, partitions, recompaction };
    if (failed.length > 0) throw new RecordsFailedError(failed, result);
    return result;
  };
}

/** What the deployed function runs once per cold start (see components/handlerBundle.ts): names from the environment (contracts/transform.ts). */
export function transformHandlerFromEnv(env: Env = process.env): (event: S3NotificationEvent, context?: InvocationContext) => Promise<TransformResult> {
  return createTransformHandler(parseTransformEnv(env));
}
