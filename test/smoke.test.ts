/** The smoke check step by step against mocked AWS answers and a fake clock: the happy path and each failure. */
import { expect } from "chai";
import { GetQueryExecutionCommand, GetQueryResultsCommand, StartQueryExecutionCommand } from "@aws-sdk/client-athena";
import { GetPartitionCommand } from "@aws-sdk/client-glue";
import { GetFunctionConfigurationCommand, InvokeCommand, ResourceNotFoundException } from "@aws-sdk/client-lambda";
import { CopyObjectCommand, GetObjectCommand, HeadObjectCommand, type CopyObjectCommandInput } from "@aws-sdk/client-s3";
import { MAX_RELANDS } from "../smoke/waitForTables";
import { ExtractionIncompleteError } from "../lib/extract/errors";
import { rejectedKeys } from "../lib/lake/layout";
import { EXTRACTION_INCOMPLETE } from "../smoke/invokeExtractor";
import { runSmoke } from "../smoke/runSmoke";
import { SmokeFailure } from "../smoke/stepFailure";
import { logGroupConsoleUrl } from "../smoke/whereToLook";
import {
  body,
  context,
  DATE,
  EARLIER,
  entityNotFound,
  fakeClock,
  healthyStack,
  LATER,
  LOG_GROUPS,
  mockedStack,
  notFound,
  PARQUET_KEYS,
  payload,
  PLAYLIST,
  RAW_KEY,
  RAW_TIME,
  REGION,
  type MockedStack,
} from "./support/smokeAws";

const EXTRACT_LOGS = LOG_GROUPS["extract-fn-abc"];
const TRANSFORM_LOGS = LOG_GROUPS["transform-fn-def"];
const VIEWS_LOGS = LOG_GROUPS["views-fn-ghi"];

async function failure(run: Promise<unknown>): Promise<SmokeFailure> {
  try {
    await run;
  } catch (err) {
    expect(err).to.be.instanceOf(SmokeFailure);
    return err as SmokeFailure;
  }
  throw new Error("expected the smoke check to fail");
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

describe("smoke check (mocked AWS, fake clock)", () => {
  let stack: MockedStack;
  let lines: string[];
  const print = (line: string) => lines.push(line);
  beforeEach(() => {
    stack = mockedStack();
    lines = [];
  });
  afterEach(() => Object.values(stack.mocks).forEach((m) => m.restore()));

  it("passes when every step sees what it waits for, printing each step with its time", async () => {
    healthyStack(stack);
    const clock = fakeClock();
    const result = await runSmoke(context(stack, clock), print);

    expect(result).to.include({ count: 42, queryExecutionId: "q-1" });
    expect(result.landed).to.deep.equal({ key: RAW_KEY, snapshotDate: DATE, playlistId: PLAYLIST });
    expect(result.parquetKeys).to.deep.equal(PARQUET_KEYS);
    // C3: one synchronous invocation with {"playlist_id": id}.
    const invokes = stack.mocks.lambda.commandCalls(InvokeCommand).map((c) => c.args[0].input);
    expect(invokes).to.have.length(1);
    expect(invokes[0]).to.include({ FunctionName: "extract-fn-abc", InvocationType: "RequestResponse" });
    expect(JSON.parse(invokes[0].Payload as string)).to.deep.equal({ playlist_id: PLAYLIST });
    // Every table's Parquet file of that playlist and date was looked at in the lake bucket.
    const heads = stack.mocks.s3.commandCalls(HeadObjectCommand).map((c) => c.args[0].input);
    expect(heads.every((h) => h.Bucket === "lake-bucket-1234")).to.equal(true);
    expect(new Set(heads.map((h) => h.Key))).to.deep.equal(new Set([RAW_KEY, ...PARQUET_KEYS]));
    const partitions = stack.mocks.glue.commandCalls(GetPartitionCommand).map((c) => c.args[0].input);
    expect(partitions).to.have.length(3);
    expect(partitions[0]).to.deep.equal({ DatabaseName: "spotify_pipeline_dev", TableName: "playlist_tracks", PartitionValues: [DATE] });
    const starts = stack.mocks.athena.commandCalls(StartQueryExecutionCommand).map((c) => c.args[0].input);
    expect(starts).to.deep.equal([
      { QueryString: "SELECT count(*) FROM latest_snapshot", WorkGroup: "spotify-wg", QueryExecutionContext: { Database: "spotify_pipeline_dev" } },
    ]);
    expect(stack.mocks.athena.commandCalls(GetQueryExecutionCommand)).to.have.length(3);
    // Waits slept the poll interval: once for the raw object, twice for the partition, twice for the query.
    expect(clock.slept).to.deep.equal([5_000, 5_000, 5_000, 5_000, 5_000]);
    expect(result.totalMs).to.equal(25_000);

    expect(lines.filter((l) => / ok in \d+\.\d s: /.test(l))).to.have.length(5);
    expect(lines).to.include("[2/5] ok in 5.0 s: last modified 2026-11-26T06:00:05.000Z");
    expect(lines).to.include("[5/5] ok in 10.0 s: 42 rows (query q-1)");
    expect(lines[lines.length - 1]).to.equal("Smoke check passed in 25.0 s.");
  });

  describe("step 1: the extractor", () => {
    it("fails on a FunctionError with the function's error message and its log group", async () => {
      healthyStack(stack);
      // Lambda Invoke: 200 with X-Amz-Function-Error, the runtime's error document as Payload.
      stack.mocks.lambda.on(InvokeCommand).resolves({
        StatusCode: 200,
        FunctionError: "Unhandled",
        Payload: payload({ errorType: "Error", errorMessage: "Secret arn:aws:secretsmanager:eu-west-1:1:secret:x has no refresh_token", trace: ["Error: ..."] }),
      });
      const f = await failure(runSmoke(context(stack), print));
      expect(f.step).to.equal(1);
      expect(f.message).to.match(/^Step 1\/5 "Invoke extract-fn-abc for playlist 1Cp6VQCKf2VL4sP09jN9oX" failed after 0\.0 s: /);
      expect(f.message).to.include("the function failed (Unhandled): Error: Secret arn:aws:secretsmanager:eu-west-1:1:secret:x has no refresh_token");
      expect(f.message).to.include(`Waited for:\n    Lambda Invoke extract-fn-abc (RequestResponse) with {"playlist_id":"${PLAYLIST}"}`);
      expect(f.message).to.include(`log group ${EXTRACT_LOGS}`);
      expect(f.message).to.include(logGroupConsoleUrl(REGION, EXTRACT_LOGS));
      expect(stack.mocks.s3.commandCalls(HeadObjectCommand)).to.have.length(0);
    });

    it("names Lambda's default log group when the function's configuration cannot be read", async () => {
      healthyStack(stack);
      stack.mocks.lambda.on(GetFunctionConfigurationCommand).rejects(Object.assign(new Error("not authorized to perform: lambda:GetFunctionConfiguration"), { name: "AccessDeniedException" }));
      stack.mocks.lambda.on(InvokeCommand).resolves({ StatusCode: 200, FunctionError: "Unhandled", Payload: payload({ errorType: "Error", errorMessage: "boom" }) });
      const f = await failure(runSmoke(context(stack), print));
      expect(f.message).to.include("log group /aws/lambda/extract-fn-abc (the extract function)");
      expect(f.message).to.include(logGroupConsoleUrl(REGION, "/aws/lambda/extract-fn-abc"));
    });

    it("shows Lambda's own message for a timeout (no errorType)", async () => {
      stack.mocks.lambda.on(InvokeCommand).resolves({
        StatusCode: 200,
        FunctionError: "Unhandled",
        Payload: payload({ errorMessage: "2026-11-26T06:15:00.000Z 1b2c Task timed out after 900.00 seconds" }),
      });
      const f = await failure(runSmoke(context(stack), print));
      expect(f.failure.detail).to.equal("the function failed (Unhandled): 2026-11-26T06:15:00.000Z 1b2c Task timed out after 900.00 seconds.");
    });

    it("names the SDK error when Lambda refuses the call", async () => {
      stack.mocks.lambda.on(InvokeCommand).rejects(new ResourceNotFoundException({ message: "Function not found: arn:aws:lambda:eu-west-1:1:function:extract-fn-abc", $metadata: {} }));
      const f = await failure(runSmoke(context(stack), print));
      expect(f.step).to.equal(1);
      expect(f.failure.detail).to.equal("Lambda did not run the function: ResourceNotFoundException: Function not found: arn:aws:lambda:eu-west-1:1:function:extract-fn-abc.");
    });

    it("invokes again while the extractor stops early with ExtractionIncompleteError (contract C4), then goes on", async () => {
      healthyStack(stack);
      stack.mocks.lambda
        .on(InvokeCommand)
        .resolvesOnce({ StatusCode: 200, FunctionError: "Unhandled", Payload: payload({ errorType: "ExtractionIncompleteError", errorMessage: "saved 400 of 900 entries" }) })
        .resolves({ StatusCode: 200, Payload: payload({ key: RAW_KEY, snapshotDate: DATE }) });
      const result = await runSmoke(context(stack), print);
      expect(result.count).to.equal(42);
      expect(stack.mocks.lambda.commandCalls(InvokeCommand)).to.have.length(2);
      expect(lines).to.include("      invocation 1 stopped early (saved 400 of 900 entries); invoking again to resume (2 of at most 3)");
    });

    it("resumes on the very name the extractor's error carries as errorType", () => {
      const err = new ExtractionIncompleteError("stopped", { playlistId: PLAYLIST, snapshotDate: DATE, attempt: 1, pagesFetched: 3, objectsLeft: 10 });
      expect(err.name).to.equal(EXTRACTION_INCOMPLETE);
    });

    it("fails when the extraction is still incomplete after its bound of invocations", async () => {
      stack.mocks.lambda.on(InvokeCommand).resolves({ StatusCode: 200, FunctionError: "Unhandled", Payload: payload({ errorType: "ExtractionIncompleteError", errorMessage: "saved 400 of 900 entries" }) });
      const f = await failure(runSmoke(context(stack), print));
      expect(f.step).to.equal(1);
      expect(stack.mocks.lambda.commandCalls(InvokeCommand)).to.have.length(3);
      expect(f.failure.detail).to.equal(
        "the function failed (Unhandled): ExtractionIncompleteError: saved 400 of 900 entries. It was still incomplete after 3 invocations (--extract-attempts).",
      );
    });

    it("fails when the answer lacks the contract's key, or names another playlist's snapshot", async () => {
      stack.mocks.lambda.on(InvokeCommand).resolves({ StatusCode: 200, Payload: payload({ playlistId: PLAYLIST }) });
      let f = await failure(runSmoke(context(stack), print));
      expect(f.failure.detail).to.match(/no "key" and "snapshotDate" strings \(contract C3\)/);

      stack.mocks.lambda.on(InvokeCommand).resolves({ StatusCode: 200, Payload: payload({ key: RAW_KEY.replace(PLAYLIST, "37i9dQZF1DXcBWIGoYBM5M"), snapshotDate: DATE }) });
      f = await failure(runSmoke(context(stack), print));
      expect(f.failure.detail).to.include(`which is not the raw snapshot key of playlist ${PLAYLIST}`);
    });
  });

  describe("step 2: the raw object", () => {
    it("fails when the raw object never appears, after exactly its bound, naming bucket/key and the extractor's logs", async () => {
      healthyStack(stack);
      stack.mocks.s3.on(HeadObjectCommand, { Key: RAW_KEY }).rejects(notFound());
      const clock = fakeClock();
      const f = await failure(runSmoke(context(stack, clock), print));
      expect(f.step).to.equal(2);
      expect(sum(clock.slept)).to.equal(30_000);
      expect(f.message).to.include("did not appear within 30.0 s (--wait-raw)");
      expect(f.message).to.include(`s3://lake-bucket-1234/${RAW_KEY} (HeadObject)`);
      expect(f.message).to.include(`log group ${EXTRACT_LOGS}`);
      // 7 looks: at 0, 5, ..., 30 s.
      expect(stack.mocks.s3.commandCalls(HeadObjectCommand)).to.have.length(7);
    });

    it("stops at once on 403 Forbidden and says which permissions S3 needs", async () => {
      healthyStack(stack);
      const forbidden = Object.assign(new Error("Forbidden"), { name: "Forbidden", $metadata: { httpStatusCode: 403 } });
      stack.mocks.s3.on(HeadObjectCommand, { Key: RAW_KEY }).rejects(forbidden);
      const clock = fakeClock();
      const f = await failure(runSmoke(context(stack, clock), print));
      expect(f.step).to.equal(2);
      expect(clock.slept).to.deep.equal([]);
      expect(f.failure.detail).to.include("403 Forbidden");
      expect(f.failure.detail).to.include("s3:ListBucket");
    });
  });

  describe("step 3: the transform's Parquet files", () => {
    it("fails when one table's file never appears, naming that key and the transform's log group", async () => {
      healthyStack(stack);
      const songs = PARQUET_KEYS.find((k) => k.includes("/songs/"))!;
      stack.mocks.s3.on(HeadObjectCommand, { Key: songs }).rejects(notFound());
      const clock = fakeClock();
      const f = await failure(runSmoke(context(stack, clock), print));
      expect(f.step).to.equal(3);
      expect(f.message).to.include(`Step 3/5 "Wait for the transform's Parquet files of ${DATE}" failed after 120.0 s`);
      expect(f.message).to.include(`1 of ${PARQUET_KEYS.length} Parquet files did not appear within 120.0 s (--wait-tables)`);
      expect(f.failure.waitedFor).to.deep.equal([`s3://lake-bucket-1234/${songs} (missing)`]);
      expect(f.message).to.include(`log group ${TRANSFORM_LOGS}`);
      expect(f.message).to.include(logGroupConsoleUrl(REGION, TRANSFORM_LOGS));
      // The files already seen are not asked for again.
      const others = stack.mocks.s3.commandCalls(HeadObjectCommand).filter((c) => c.args[0].input.Key === PARQUET_KEYS[0]);
      expect(others).to.have.length(1);
    });

    /**
     * A stack deployed a minute before the smoke check: its S3 notification takes effect about five
     * minutes after it was configured (S3 User Guide: "it usually takes about five minutes for the
     * changes to take effect"), so the first landing triggers nothing. The fake S3 follows CopyObject
     * as documented: a copy onto itself needs MetadataDirective REPLACE (else InvalidRequest), and is
     * a new ObjectCreated event with a new Last-Modified (whole seconds), which triggers the
     * transform once the notification is live.
     */
    function notificationNotLiveYet(clock: ReturnType<typeof fakeClock>, liveAt: number) {
      let rawModified = RAW_TIME;
      let tablesAt: number | undefined;
      const copies: CopyObjectCommandInput[] = [];
      stack.mocks.s3.on(HeadObjectCommand, { Key: RAW_KEY }).callsFake(() => ({ LastModified: rawModified, ContentType: "application/json" }));
      stack.mocks.s3.on(CopyObjectCommand).callsFake((input: CopyObjectCommandInput) => {
        copies.push(input);
        if (input.MetadataDirective !== "REPLACE") throw Object.assign(new Error("This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata"), { name: "InvalidRequest" });
        rawModified = new Date(Math.floor(clock.now() / 1000) * 1000);
        if (clock.now() >= liveAt) tablesAt = clock.now() + 10_000;
        return { CopyObjectResult: { LastModified: rawModified } };
      });
      for (const key of PARQUET_KEYS) {
        stack.mocks.s3.on(HeadObjectCommand, { Key: key }).callsFake(() => {
          if (tablesAt === undefined || clock.now() < tablesAt) throw notFound();
          return { LastModified: new Date(tablesAt) };
        });
      }
      return copies;
    }

    it("lands the snapshot again when the transform never ran because the S3 trigger was not live yet (right after the first deploy), and passes", async () => {
      healthyStack(stack);
      const clock = fakeClock();
      const deployedAt = clock.now() - 60_000;
      const copies = notificationNotLiveYet(clock, deployedAt + 5 * 60_000);
      const result = await runSmoke(context(stack, clock), print);
      expect(result.parquetKeys).to.deep.equal(PARQUET_KEYS);
      // Two copies: the first (after 120 s) still before the trigger was live, the second after.
      expect(copies).to.have.length(2);
      for (const c of copies) {
        expect(c).to.deep.include({ Bucket: "lake-bucket-1234", Key: RAW_KEY, MetadataDirective: "REPLACE", ContentType: "application/json" });
        expect(c.CopySource).to.equal(`lake-bucket-1234/${RAW_KEY.replace(/=/g, "%3D")}`);
      }
      expect(lines.filter((l) => l.includes("usually takes about five minutes"))).to.have.length(2);
    });

    it("fails after its copies when the transform still never runs, saying to check the trigger", async () => {
      healthyStack(stack);
      const clock = fakeClock();
      const copies = notificationNotLiveYet(clock, Number.POSITIVE_INFINITY);
      const f = await failure(runSmoke(context(stack, clock), print));
      expect(f.step).to.equal(3);
      expect(copies).to.have.length(MAX_RELANDS);
      expect(f.failure.detail).to.include(`The transform never ran, even after landing the snapshot again ${MAX_RELANDS} time(s)`);
    });

    it("does not count a file older than the raw snapshot (an earlier run's)", async () => {
      healthyStack(stack);
      stack.mocks.s3.on(HeadObjectCommand, { Key: PARQUET_KEYS[1] }).resolves({ LastModified: EARLIER });
      const f = await failure(runSmoke(context(stack), print));
      expect(f.step).to.equal(3);
      expect(f.failure.waitedFor).to.deep.equal([`s3://lake-bucket-1234/${PARQUET_KEYS[1]} (only an earlier run's file, older than the raw snapshot)`]);
    });

    it("counts a file written in the same second as the raw snapshot (Last-Modified has whole seconds)", async () => {
      healthyStack(stack);
      for (const key of PARQUET_KEYS) stack.mocks.s3.on(HeadObjectCommand, { Key: key }).resolves({ LastModified: RAW_TIME });
      const result = await runSmoke(context(stack), print);
      expect(result.parquetKeys).to.have.length(PARQUET_KEYS.length);
    });

    it("stops before its bound when the transform rejected the snapshot, pointing at the reason file", async () => {
      healthyStack(stack);
      for (const key of PARQUET_KEYS) stack.mocks.s3.on(HeadObjectCommand, { Key: key }).rejects(notFound());
      const reason = rejectedKeys(RAW_KEY).reason;
      stack.mocks.s3.on(HeadObjectCommand, { Key: reason }).rejectsOnce(notFound()).resolves({ LastModified: LATER });
      const record = { reason: "entries[3].track.id: expected string, received null", source_key: RAW_KEY, source_location: "s3://lake-bucket-1234", rejected_at: LATER.toISOString() };
      stack.mocks.s3.on(GetObjectCommand, { Bucket: "lake-bucket-1234", Key: reason }).resolves({ Body: body(JSON.stringify(record, null, 2)) });
      const clock = fakeClock();
      const f = await failure(runSmoke(context(stack, clock), print));
      expect(f.step).to.equal(3);
      expect(sum(clock.slept)).to.equal(5_000 + 5_000);
      expect(f.failure.detail).to.equal(
        `the transform rejected the raw snapshot: entries[3].track.id: expected string, received null. The reason is in s3://lake-bucket-1234/${reason} (the raw snapshot is kept).`,
      );
      expect(f.message).to.include(`log group ${TRANSFORM_LOGS}`);
    });

    it("still points at the reason file when it cannot be read", async () => {
      healthyStack(stack);
      for (const key of PARQUET_KEYS) stack.mocks.s3.on(HeadObjectCommand, { Key: key }).rejects(notFound());
      const reason = rejectedKeys(RAW_KEY).reason;
      stack.mocks.s3.on(HeadObjectCommand, { Key: reason }).resolves({ LastModified: LATER });
      stack.mocks.s3.on(GetObjectCommand).rejects(Object.assign(new Error("Access Denied"), { name: "AccessDenied", $metadata: { httpStatusCode: 403 } }));
      const f = await failure(runSmoke(context(stack), print));
      expect(f.failure.detail).to.equal(`the transform rejected the raw snapshot. The reason is in s3://lake-bucket-1234/${reason} (the raw snapshot is kept).`);
    });

    it("ignores an earlier run's rejection reason", async () => {
      healthyStack(stack);
      const songs = PARQUET_KEYS.find((k) => k.includes("/songs/"))!;
      stack.mocks.s3.on(HeadObjectCommand, { Key: songs }).rejects(notFound());
      stack.mocks.s3.on(HeadObjectCommand, { Key: rejectedKeys(RAW_KEY).reason }).resolves({ LastModified: EARLIER });
      const f = await failure(runSmoke(context(stack), print));
      expect(f.failure.detail).to.match(/did not appear within/);
    });

    it("stops at once when S3 answers with another error, naming the keys still awaited", async () => {
      healthyStack(stack);
      stack.mocks.s3.on(HeadObjectCommand, { Key: PARQUET_KEYS[2] }).rejects(Object.assign(new Error("Please reduce your request rate."), { name: "SlowDown", $metadata: { httpStatusCode: 503 } }));
      const f = await failure(runSmoke(context(stack), print));
      expect(f.step).to.equal(3);
      expect(f.failure.detail).to.equal("S3 refused HeadObject: SlowDown: Please reduce your request rate.");
      expect(f.failure.waitedFor).to.deep.equal(PARQUET_KEYS.slice(2).map((k) => `s3://lake-bucket-1234/${k}`));
      expect(f.message).to.include(`log group ${TRANSFORM_LOGS}`);
    });

    it("names the output to read when the transform function's name was not given", async () => {
      healthyStack(stack);
      stack.mocks.s3.on(HeadObjectCommand, { Key: PARQUET_KEYS[0] }).rejects(notFound());
      const f = await failure(runSmoke(context(stack, fakeClock(), { transformFunction: undefined }), print));
      expect(f.message).to.include("the log group of the transform function (its name: `pulumi stack output transformFunctionName`)");
    });
  });

  describe("step 4: the partition", () => {
    it("fails when the partition never appears, naming table/partition, Glue's answer and the crawler logs", async () => {
      healthyStack(stack);
      stack.mocks.glue.on(GetPartitionCommand).rejects(entityNotFound());
      const clock = fakeClock();
      const f = await failure(runSmoke(context(stack, clock), print));
      expect(f.step).to.equal(4);
      expect(f.message).to.include(`Glue partition snapshot_date=${DATE} of table spotify_pipeline_dev.playlist_tracks (GetPartition)`);
      expect(f.message).to.include("within 600.0 s (--wait-partition); Glue's last answer: EntityNotFoundException: Cannot find partition.");
      expect(f.message).to.include("log group /aws-glue/crawlers (the daily crawl, one log stream per crawler: crawlers crawler-csv, crawler-parquet)");
      expect(f.message).to.include(logGroupConsoleUrl(REGION, "/aws-glue/crawlers"));
      expect(f.message).not.to.include("..");
      expect(f.message).to.include(`log group ${TRANSFORM_LOGS} (the transform function, which registers the day's partitions)`);
      expect(f.message.indexOf(TRANSFORM_LOGS)).to.be.lessThan(f.message.indexOf("/aws-glue/crawlers"));
      expect(stack.mocks.athena.commandCalls(StartQueryExecutionCommand)).to.have.length(0);
    });

    it("stops at once on any other Glue error", async () => {
      healthyStack(stack);
      stack.mocks.glue.on(GetPartitionCommand).rejects(Object.assign(new Error("User is not authorized to perform: glue:GetPartition"), { name: "AccessDeniedException" }));
      const clock = fakeClock();
      const f = await failure(runSmoke(context(stack, clock), print));
      expect(f.step).to.equal(4);
      expect(f.failure.detail).to.equal("Glue refused GetPartition: AccessDeniedException: User is not authorized to perform: glue:GetPartition.");
    });
  });

  describe("step 5: the query", () => {
    it("fails on FAILED with the query id, Athena's reason and where to look", async () => {
      healthyStack(stack);
      stack.mocks.athena.on(GetQueryExecutionCommand).resolves({
        QueryExecution: { QueryExecutionId: "q-1", Status: { State: "FAILED", StateChangeReason: "HIVE_BAD_DATA: Error parsing field value '' for field 3: For input string: \"\"" } },
      });
      const f = await failure(runSmoke(context(stack), print));
      expect(f.step).to.equal(5);
      expect(f.message).to.include(`the query FAILED: HIVE_BAD_DATA: Error parsing field value '' for field 3`);
      expect(f.message).to.include("SELECT count(*) FROM latest_snapshot (workgroup spotify-wg, database spotify_pipeline_dev): query q-1, state FAILED, reason: HIVE_BAD_DATA");
      expect(f.message).to.include("Athena query q-1: Recent queries in the console");
      expect(f.message).to.include(`log group ${VIEWS_LOGS}`);
      expect(stack.mocks.athena.commandCalls(StartQueryExecutionCommand)).to.have.length(1);
    });

    it("reports CANCELLED as a failure", async () => {
      healthyStack(stack);
      stack.mocks.athena.on(GetQueryExecutionCommand).resolves({ QueryExecution: { Status: { State: "CANCELLED", StateChangeReason: "Query was cancelled by user" } } });
      const f = await failure(runSmoke(context(stack), print));
      expect(f.failure.detail).to.equal("the query CANCELLED: Query was cancelled by user.");
    });

    it("asks again while the view is not yet published, then passes", async () => {
      healthyStack(stack);
      let n = 0;
      stack.mocks.athena.on(StartQueryExecutionCommand).callsFake(() => ({ QueryExecutionId: `q-${++n}` }));
      stack.mocks.athena
        .on(GetQueryExecutionCommand, { QueryExecutionId: "q-1" })
        .resolves({ QueryExecution: { Status: { State: "FAILED", StateChangeReason: "TABLE_NOT_FOUND: line 1:22: Table 'awsdatacatalog.spotify_pipeline_dev.latest_snapshot' does not exist" } } });
      stack.mocks.athena.on(GetQueryExecutionCommand, { QueryExecutionId: "q-2" }).resolves({ QueryExecution: { Status: { State: "SUCCEEDED" } } });
      const result = await runSmoke(context(stack), print);
      expect(result).to.include({ count: 42, queryExecutionId: "q-2" });
      expect(stack.mocks.athena.commandCalls(GetQueryResultsCommand).map((c) => c.args[0].input.QueryExecutionId)).to.deep.equal(["q-2"]);
    });

    it("fails when the view stays missing for the whole bound, saying who publishes it", async () => {
      healthyStack(stack);
      stack.mocks.athena
        .on(GetQueryExecutionCommand)
        .resolves({ QueryExecution: { Status: { State: "FAILED", StateChangeReason: "TABLE_NOT_FOUND: line 1:22: Table 'awsdatacatalog.spotify_pipeline_dev.latest_snapshot' does not exist" } } });
      const clock = fakeClock();
      const f = await failure(runSmoke(context(stack, clock), print));
      expect(f.step).to.equal(5);
      expect(f.failure.detail).to.include("the views function publishes it after a successful Parquet crawl");
      expect(f.message).to.include(`log group ${VIEWS_LOGS}`);
      const queries = stack.mocks.athena.commandCalls(StartQueryExecutionCommand).length;
      expect(queries).to.be.greaterThan(1);
      expect(f.elapsedMs).to.be.at.most(60_000);
    });

    it("fails when the query is still running at its bound, with its last state", async () => {
      healthyStack(stack);
      stack.mocks.athena.on(GetQueryExecutionCommand).resolves({ QueryExecution: { Status: { State: "RUNNING" } } });
      const clock = fakeClock();
      const f = await failure(runSmoke(context(stack, clock), print));
      expect(f.failure.detail).to.equal("the query was still RUNNING after 60.0 s (--wait-query).");
      expect(f.elapsedMs).to.equal(60_000);
    });

    it("fails when latest_snapshot counts 0 rows", async () => {
      healthyStack(stack, "0");
      const f = await failure(runSmoke(context(stack), print));
      expect(f.step).to.equal(5);
      expect(f.failure.detail).to.match(/^latest_snapshot has 0 rows/);
      expect(f.message).to.include("query q-1, state SUCCEEDED");
      expect(f.message).to.include(`log group ${VIEWS_LOGS}`);
    });
  });
});
