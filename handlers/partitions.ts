/**
 * Registers the partitions the transform wrote in the declared Glue tables, so a new day is
 * queryable as soon as the transform returns, with no crawl to wait for.
 *
 * Glue API reference, BatchCreatePartition: "Creates one or more partitions in a batch
 * operation" for one table, PartitionInputList of at most 100; per-partition failures come back
 * in the response's Errors (PartitionError: PartitionValues, ErrorDetail{ErrorCode,
 * ErrorMessage}) rather than as a thrown exception. A partition that exists already
 * (ErrorCode "AlreadyExistsException": a second playlist of the same day, or a redelivered S3
 * event) is success: the folder is the same, so registration is idempotent. Any other error
 * fails the invocation, so the event is retried and then kept in the dead-letter queue.
 */
import { BatchCreatePartitionCommand, type ErrorDetail, type GlueClient, type PartitionInput } from "@aws-sdk/client-glue";
import { allTableRoots, catalogTableName, type FileFormat } from "../lib/lake/layout";
import { chunk } from "../lib/util/collections";
import { PARTITION_COLUMN, type TableName } from "../lib/tables/schema";
import { GLUE_PARTITION_KEYS, glueColumns, glueStorage } from "../lib/tables/glueSchema";

/** Glue API reference, BatchCreatePartition: PartitionInputList "Array Members: Minimum number of 0 items. Maximum number of 100 items." */
export const MAX_PARTITIONS_PER_CALL = 100;

/** The partition folder of a table for a day: <table root>snapshot_date=YYYY-MM-DD/ (lib/lake/layout.ts's tableFileKey without the file). */
export function partitionLocation(bucket: string, root: string, snapshotDate: string): string {
  return `s3://${bucket}/${root}${PARTITION_COLUMN}=${snapshotDate}/`;
}

/** A partition as the declared table describes it: same columns, formats and SerDe, its own folder. */
export function partitionInput(bucket: string, format: FileFormat, table: TableName, root: string, snapshotDate: string): PartitionInput {
  const storage = glueStorage(format);
  return {
    Values: [snapshotDate],
    StorageDescriptor: {
      Location: partitionLocation(bucket, root, snapshotDate),
      InputFormat: storage.inputFormat,
      OutputFormat: storage.outputFormat,
      SerdeInfo: { SerializationLibrary: storage.serializationLibrary, Parameters: storage.serdeParameters },
      Columns: glueColumns(format, table).map((c) => ({ Name: c.name, Type: c.type, ...(c.comment ? { Comment: c.comment } : {}) })),
    },
  };
}

/** One partition that a batch call could not create or update, as Glue describes it. */
export interface PartitionFailure {
  code: string;
  message: string;
}

/**
 * The per-partition failures of a Glue batch call, by the partition's snapshot_date: BatchCreatePartition
 * names a failed partition by PartitionValues (PartitionError), BatchUpdatePartition by PartitionValueList
 * (BatchUpdatePartitionFailureEntry); both describe it in ErrorDetail{ErrorCode, ErrorMessage}.
 */
export function failuresByDate(errors: readonly { PartitionValues?: string[]; PartitionValueList?: string[]; ErrorDetail?: ErrorDetail }[] | undefined): Map<string, PartitionFailure> {
  return new Map(
    (errors ?? []).map((e) => [(e.PartitionValues ?? e.PartitionValueList)?.[0] ?? "?", { code: e.ErrorDetail?.ErrorCode ?? "UnknownError", message: e.ErrorDetail?.ErrorMessage ?? "" }]),
  );
}

export interface PartitionRegistration {
  /** Partitions created now, as "<table>/<snapshot_date>". */
  created: string[];
  /** Partitions that were there already. */
  existing: string[];
}

export class PartitionRegistrationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PartitionRegistrationError";
  }
}

/** Registers the snapshot_date partitions of every declared table (both formats) for these days. */
export async function registerPartitions(glue: GlueClient, target: { bucket: string; database: string }, snapshotDates: string[]): Promise<PartitionRegistration> {
  if (GLUE_PARTITION_KEYS.length !== 1 || GLUE_PARTITION_KEYS[0].name !== PARTITION_COLUMN) {
    throw new Error(`The tables are partitioned by ${GLUE_PARTITION_KEYS.map((k) => k.name).join(", ")}, but partitions are registered by ${PARTITION_COLUMN} only.`);
  }
  const dates = [...new Set(snapshotDates)].sort();
  const result: PartitionRegistration = { created: [], existing: [] };
  if (dates.length === 0) return result;
  const failures: string[] = [];
  for (const { format, table, root } of allTableRoots()) {
    const tableName = catalogTableName(format, table);
    for (const batch of chunk(dates, MAX_PARTITIONS_PER_CALL)) {
      const response = await glue.send(
        new BatchCreatePartitionCommand({
          DatabaseName: target.database,
          TableName: tableName,
          PartitionInputList: batch.map((date) => partitionInput(target.bucket, format, table, root, date)),
        }),
      );
      const failed = failuresByDate(response.Errors);
      for (const date of batch) {
        const error = failed.get(date);
        if (!error) result.created.push(`${tableName}/${date}`);
        else if (error.code === "AlreadyExistsException") result.existing.push(`${tableName}/${date}`);
        else failures.push(`${tableName} ${PARTITION_COLUMN}=${date}: ${error.code} ${error.message}`.trim());
      }
    }
  }
  if (failures.length > 0) {
    throw new PartitionRegistrationError(
      `The tables were written but ${failures.length} partition(s) could not be registered in Glue database ${target.database}: ${failures.join("; ")}. ` +
        `The event will be retried; the daily crawlers also add missing partitions.`,
    );
  }
  return result;
}
