/**
 * A deployed stack as the smoke check sees it, built from aws-sdk-client-mock on client instances
 * (so no other test's clients are touched) and a fake clock that advances only when slept.
 * Each service answers as its documentation says:
 * - Lambda Invoke (Lambda API Reference, "Invoke"): RequestResponse returns StatusCode 200; a failed
 *   function adds X-Amz-Function-Error (FunctionError "Unhandled" or "Handled") and the Payload is the
 *   runtime's error document {"errorType", "errorMessage", "trace"} (Lambda Developer Guide, "AWS
 *   Lambda function errors in Node.js").
 * - S3 HeadObject (Amazon S3 API Reference, "HeadObject"): no body on errors; a missing key is 404
 *   Not Found (the SDK's NotFound), or 403 Forbidden without s3:ListBucket; Last-Modified in seconds.
 * - Lambda GetFunctionConfiguration (Lambda API Reference, "LoggingConfig"): LogGroup names the log group.
 * - Glue GetPartition (AWS Glue API, "GetPartition action"): EntityNotFoundException while absent.
 * - Athena (Athena API Reference, "QueryExecutionStatus", "GetQueryResults"): QUEUED and RUNNING,
 *   then SUCCEEDED, FAILED or CANCELLED with StateChangeReason; a SELECT's first result row holds
 *   the column labels.
 */
import { mockClient } from "aws-sdk-client-mock";
import { AthenaClient, GetQueryExecutionCommand, GetQueryResultsCommand, StartQueryExecutionCommand } from "@aws-sdk/client-athena";
import { EntityNotFoundException, GetPartitionCommand, GlueClient } from "@aws-sdk/client-glue";
import { GetFunctionConfigurationCommand, InvokeCommand, LambdaClient, type InvokeCommandOutput } from "@aws-sdk/client-lambda";
import { HeadObjectCommand, NotFound, S3Client, type GetObjectCommandOutput } from "@aws-sdk/client-s3";
import { rawSnapshotKey, tableFileKey } from "../../lib/lake/layout";
import { TABLE_NAMES } from "../../lib/tables/schema";
import type { Clock } from "../../smoke/clock";
import type { SmokeSettings, StepContext } from "../../smoke/settings";

export const REGION = "eu-west-1";
export const PLAYLIST = "1Cp6VQCKf2VL4sP09jN9oX";
export const DATE = "2026-11-26";
export const RAW_KEY = rawSnapshotKey(DATE, PLAYLIST);
export const PARQUET_KEYS = TABLE_NAMES.map((t) => tableFileKey("parquet", t, DATE, PLAYLIST));
/** When the extractor landed the raw snapshot (S3's Last-Modified has whole seconds). */
export const RAW_TIME = new Date("2026-11-26T06:00:05Z");
export const LATER = new Date("2026-11-26T06:00:20Z");
export const EARLIER = new Date("2026-11-25T06:00:20Z");

export function settings(overrides: Partial<SmokeSettings> = {}): SmokeSettings {
  return {
    region: REGION,
    lakeBucket: "lake-bucket-1234",
    extractFunction: "extract-fn-abc",
    transformFunction: "transform-fn-def",
    viewsFunction: "views-fn-ghi",
    crawlerNames: ["crawler-csv", "crawler-parquet"],
    athenaConsoleUrl: `https://${REGION}.console.aws.amazon.com/athena/home?region=${REGION}#/query-editor`,
    database: "spotify_pipeline_dev",
    workgroup: "spotify-wg",
    playlistId: PLAYLIST,
    extractAttempts: 3,
    waits: { rawMs: 30_000, tablesMs: 120_000, partitionMs: 600_000, queryMs: 60_000, pollMs: 5_000 },
    ...overrides,
  };
}

export interface FakeClock extends Clock {
  slept: number[];
}

export function fakeClock(start = Date.parse("2026-11-26T06:00:00Z")): FakeClock {
  let t = start;
  const slept: number[] = [];
  return {
    now: () => t,
    sleep: async (ms) => {
      slept.push(ms);
      t += ms;
    },
    slept,
  };
}

export const notFound = () => new NotFound({ message: "NotFound", $metadata: { httpStatusCode: 404 } });
export const entityNotFound = (message = "Cannot find partition.") => new EntityNotFoundException({ message, $metadata: { httpStatusCode: 400 } });

/** Lambda's Payload is a Uint8Array (the SDK wraps it in a Uint8ArrayBlobAdapter, a Uint8Array too). */
export const payload = (value: unknown) => new TextEncoder().encode(typeof value === "string" ? value : JSON.stringify(value)) as InvokeCommandOutput["Payload"];

/** GetObject's Body as the SDK gives it in Node: a stream with transformToString (only that is read). */
export const body = (text: string) => ({ transformToString: async () => text }) as unknown as GetObjectCommandOutput["Body"];

export function mockedStack() {
  const clients = {
    lambda: new LambdaClient({ region: REGION }),
    s3: new S3Client({ region: REGION }),
    glue: new GlueClient({ region: REGION }),
    athena: new AthenaClient({ region: REGION }),
  };
  const mocks = {
    lambda: mockClient(clients.lambda),
    s3: mockClient(clients.s3),
    glue: mockClient(clients.glue),
    athena: mockClient(clients.athena),
  };
  return { clients, mocks };
}

export type MockedStack = ReturnType<typeof mockedStack>;

/** Every step succeeds: the raw snapshot shows on the second look, the partition on the third, the query after QUEUED and RUNNING. */
/** The log groups the stack gives its functions (not Lambda's default /aws/lambda/<name>). */
export const LOG_GROUPS: Record<string, string> = {
  "extract-fn-abc": "spotify-extract-logs-1a2b3c",
  "transform-fn-def": "spotify-transform-logs-4d5e6f",
  "views-fn-ghi": "spotify-views-logs-7a8b9c",
};

export function healthyStack(stack: MockedStack, count = "42"): void {
  const { lambda, s3, glue, athena } = stack.mocks;
  // Lambda API Reference, GetFunctionConfiguration: LoggingConfig.LogGroup names the function's log group.
  for (const [name, group] of Object.entries(LOG_GROUPS)) {
    lambda.on(GetFunctionConfigurationCommand, { FunctionName: name }).resolves({ FunctionName: name, LoggingConfig: { LogFormat: "JSON", LogGroup: group } });
  }
  lambda.on(InvokeCommand).resolves({
    StatusCode: 200,
    ExecutedVersion: "$LATEST",
    Payload: payload({ playlistId: PLAYLIST, snapshotDate: DATE, key: RAW_KEY, entries: 50, calls: {}, retries: 0, http429: 0, refreshTokenRotated: false }),
  });
  s3.on(HeadObjectCommand).rejects(notFound());
  s3.on(HeadObjectCommand, { Key: RAW_KEY }).rejectsOnce(notFound()).resolves({ LastModified: RAW_TIME });
  for (const key of PARQUET_KEYS) s3.on(HeadObjectCommand, { Key: key }).resolves({ LastModified: LATER });
  glue.on(GetPartitionCommand).rejectsOnce(entityNotFound()).rejectsOnce(entityNotFound()).resolves({ Partition: { Values: [DATE] } });
  athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: "q-1" });
  athena
    .on(GetQueryExecutionCommand)
    .resolvesOnce({ QueryExecution: { QueryExecutionId: "q-1", Status: { State: "QUEUED" } } })
    .resolvesOnce({ QueryExecution: { QueryExecutionId: "q-1", Status: { State: "RUNNING" } } })
    .resolves({ QueryExecution: { QueryExecutionId: "q-1", Status: { State: "SUCCEEDED" } } });
  athena.on(GetQueryResultsCommand).resolves({ ResultSet: { Rows: [{ Data: [{ VarCharValue: "_col0" }] }, { Data: [{ VarCharValue: count }] }] } });
}

export function context(stack: MockedStack, clock: Clock = fakeClock(), overrides: Partial<SmokeSettings> = {}): StepContext {
  return { settings: settings(overrides), clients: stack.clients, clock };
}
