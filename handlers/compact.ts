/**
 * The compaction Lambda: for each day it is given (contracts/compact.ts), the day's per-playlist
 * table files become one file per table and format (lib/compact, the same code `npm start` runs),
 * then each table's Glue partition for the day is switched to the compacted folder. Athena reads
 * a partition's Location and nothing else, and the folder is switched to only after its file is
 * complete (S3 PutObject makes an object visible whole), so a query reads the day either from
 * its per-playlist folder or from its compacted folder: never both, never neither.
 *
 * Glue API reference, BatchUpdatePartition: "Updates one or more partitions in a batch
 * operation", Entries of at most 100 BatchUpdatePartitionRequestEntry (PartitionValueList,
 * PartitionInput); per-partition failures come back in the response's Errors
 * (BatchUpdatePartitionFailureEntry: PartitionValueList, ErrorDetail). A partition that is not
 * there (EntityNotFoundException: the transform's registration failed) is created with the
 * compacted folder (BatchCreatePartition). Any other failure fails the invocation, which Lambda
 * retries; compacting again writes the same bytes.
 */
import { S3Client } from "@aws-sdk/client-s3";
import { BatchCreatePartitionCommand, BatchUpdatePartitionCommand, GlueClient } from "@aws-sdk/client-glue";
import { Logger } from "@aws-lambda-powertools/logger";
import { S3Store } from "../lib/storage/s3Store";
import { chunk } from "../lib/util/collections";
import type { ObjectStore } from "../lib/storage/objectStore";
import type { LambdaClient } from "@aws-sdk/client-lambda";
import { compactDay, CompactionError, dayIsCompacted, type DayCompaction } from "../lib/compact/compactDay";
import { catalogTableName, compactedRoot, FILE_FORMATS } from "../lib/lake/layout";
import { TABLE_NAMES } from "../lib/tables/schema";
import { COMPACT_LOG, compactDatesOf, parseCompactEnv, type CompactEnv, type CompactEvent } from "../contracts/compact";
import type { Env } from "../contracts/env";
import { logWithContext, type InvocationContext } from "./lambdaContext";
import { failuresByDate, MAX_PARTITIONS_PER_CALL, partitionInput } from "./partitions";

export interface CompactDeps {
  s3?: S3Client;
  glue?: GlueClient;
  store?: ObjectStore;
  logger?: Logger;
  now?: () => Date;
}

export interface CompactResult {
  days: DayCompaction[];
  /** Partitions now read from their compacted folder, as "<table>/<snapshot_date>". */
  switched: string[];
}

/** Points every table's partition of these days at its compacted folder (created there if missing). */
export async function switchToCompacted(glue: GlueClient, target: CompactEnv, dates: string[]): Promise<string[]> {
  const switched: string[] = [];
  const failures: string[] = [];
  for (const format of FILE_FORMATS) {
    for (const table of TABLE_NAMES) {
      const tableName = catalogTableName(format, table);
      const root = compactedRoot(format, table);
      for (const batch of chunk(dates, MAX_PARTITIONS_PER_CALL)) {
        const response = await glue.send(
          new BatchUpdatePartitionCommand({
            DatabaseName: target.database,
            TableName: tableName,
            Entries: batch.map((date) => ({ PartitionValueList: [date], PartitionInput: partitionInput(target.bucket, format, table, root, date) })),
          }),
        );
        const missing: string[] = [];
        const failed = failuresByDate(response.Errors);
        for (const date of batch) {
          const error = failed.get(date);
          if (!error) switched.push(`${tableName}/${date}`);
          else if (error.code === "EntityNotFoundException") missing.push(date);
          else failures.push(`${tableName} ${date}: ${error.code} ${error.message}`.trim());
        }
        if (missing.length === 0) continue;
        const created = await glue.send(
          new BatchCreatePartitionCommand({ DatabaseName: target.database, TableName: tableName, PartitionInputList: missing.map((date) => partitionInput(target.bucket, format, table, root, date)) }),
        );
        const notCreated = failuresByDate(created.Errors);
        for (const date of missing) {
          const error = notCreated.get(date);
          if (!error) switched.push(`${tableName}/${date}`);
          else failures.push(`${tableName} ${date}: ${error.code} ${error.message}`.trim());
        }
      }
    }
  }
  if (failures.length > 0) {
    throw new Error(`The days were compacted but ${failures.length} partition(s) still read their per-playlist folders: ${failures.join("; ")}. The invocation fails so that it is retried.`);
  }
  return switched;
}

export function createCompactHandler(settings: CompactEnv, deps: CompactDeps = {}): (event: CompactEvent, context?: InvocationContext) => Promise<CompactResult> {
  if (!settings.bucket || !settings.database) throw new Error("The compaction function needs LAKE_BUCKET and GLUE_DATABASE in its environment (contracts/compact.ts).");
  const store = deps.store ?? new S3Store({ bucket: settings.bucket, client: deps.s3 ?? new S3Client({}) });
  const glue = deps.glue ?? new GlueClient({});
  const logger = deps.logger ?? new Logger({ serviceName: "spotify-compact" });
  const now = deps.now ?? (() => new Date());

  return async (event, context) => {
    logWithContext(logger, context);
    const days: DayCompaction[] = [];
    const errors: string[] = [];
    for (const date of compactDatesOf(event ?? {}, now())) {
      try {
        const day = await compactDay(store, date);
        logger.info(day.status === "compacted" ? COMPACT_LOG.compacted : COMPACT_LOG.single, { snapshotDate: date, playlists: day.playlists });
        days.push(day);
      } catch (err) {
        if (!(err instanceof CompactionError)) throw err;
        // The day stays readable from its per-playlist folder; the others go on.
        logger.error(COMPACT_LOG.failed, { snapshotDate: date, error: err.message });
        errors.push(err.message);
      }
    }
    const compacted = days.filter((d) => d.status === "compacted").map((d) => d.snapshotDate);
    const switched = compacted.length > 0 ? await switchToCompacted(glue, settings, compacted) : [];
    if (errors.length > 0) throw new Error(`${errors.length} day(s) not compacted: ${errors.join(" ")}`);
    return { days, switched };
  };
}

/**
 * After a transform (handlers/transform.ts): the days among `dates` that were already compacted
 * (lib/compact, dayIsCompacted: one listing each) are given to the compaction function to compact
 * again, so that their Glue partitions stop serving a compacted file without the re-transformed
 * playlist's new rows. Nothing else is done for a day that is not compacted.
 *
 * One asynchronous invocation for all of them (Lambda API reference, Invoke: InvocationType "Event"
 * invokes "asynchronously", "the API response only includes a status code", which "for the Event
 * invocation type ... is 202"; the event waits in the function's queue, and a failed run is
 * retried twice before it goes to the function's dead-letter queue: Lambda Developer Guide, "How
 * Lambda handles errors and retries with asynchronous invocation"). The event is the one
 * contracts/compact.ts takes: {"snapshotDates": [...]}. A refused invocation throws, which fails
 * the transform's invocation so that S3's event is retried (it rewrites the same files).
 * The Lambda client is loaded only when a day needs it.
 */
export async function requestRecompaction(store: ObjectStore, functionName: string, dates: string[], lambda?: LambdaClient): Promise<string[]> {
  const compacted: string[] = [];
  for (const date of [...new Set(dates)].sort()) if (await dayIsCompacted(store, date)) compacted.push(date);
  if (compacted.length === 0) return [];
  const { InvokeCommand, LambdaClient: Client } = await import("@aws-sdk/client-lambda");
  const event: CompactEvent = { snapshotDates: compacted };
  const response = await (lambda ?? new Client({})).send(new InvokeCommand({ FunctionName: functionName, InvocationType: "Event", Payload: new TextEncoder().encode(JSON.stringify(event)) }));
  if (response.StatusCode !== 202) {
    throw new Error(`Asking ${functionName} to compact ${compacted.join(", ")} again was answered ${response.StatusCode}, not 202 (queued); the transform fails so that it is retried.`);
  }
  return compacted;
}

/** What the deployed function runs once per cold start: names from the environment (contracts/compact.ts). */
export function compactHandlerFromEnv(env: Env = process.env): (event: CompactEvent, context?: InvocationContext) => Promise<CompactResult> {
  return createCompactHandler(parseCompactEnv(env));
}
