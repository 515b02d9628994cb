/**
 * The transform handler: with mocked S3 and a Glue catalog model (the writes and partition
 * registrations an S3 event causes), and against s3rver on 127.0.0.1 fed the very event record
 * s3rver emits for the upload.
 */
import { expect } from "chai";
import { mockClient } from "aws-sdk-client-mock";
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { BatchCreatePartitionCommand, GlueClient } from "@aws-sdk/client-glue";
import { Logger } from "@aws-lambda-powertools/logger";
import { createTransformHandler, RecordsFailedError, transformHandlerFromEnv } from "../handlers/transform";
import { TRANSFORM_LOG, TRANSFORM_TRIGGER } from "../contracts/transform";
import { s3Body } from "./support/s3Body";
import { stringifyInLines } from "../lib/snapshot/jsonInLines";
import { decodeS3Key, rawKeysFromEvent, type S3NotificationEvent } from "../handlers/s3Event";
import { allTableRoots, catalogTableName, FILE_FORMATS, rawSnapshotKey, rejectedKeys, tableFileKey, TRANSFORMED_PREFIX } from "../lib/lake/layout";
import { GlueCatalogModel } from "./support/glueCatalogModel";
import { s3FilterMatches } from "./support/s3NotificationFilter";
import { captureJsonLogs, LAMBDA_CONTEXT } from "./support/logCapture";
import { TABLE_NAMES } from "../lib/tables/schema";
import { S3Store } from "../lib/storage/s3Store";
import { editTrack, recordedSnapshot, THE_CORE_ID, TO_FIND_ID } from "./support/snapshots";
import type { Json } from "../lib/standin/recordedData";
import { startS3rver, type RunningS3rver } from "./support/s3rver";

const BUCKET = "lake";
const DATE = "2026-11-20";
const DATABASE = "spotify_pipeline_dev";
const TABLES = allTableRoots().map((r) => catalogTableName(r.format, r.table));
const RAW_KEY = rawSnapshotKey(DATE, TO_FIND_ID);
const EXPECTED_TABLE_KEYS = FILE_FORMATS.flatMap((f) => TABLE_NAMES.map((t) => tableFileKey(f, t, DATE, TO_FIND_ID)));

/** How real S3 writes the key in a notification: URL-encoded, "=" as %3D. */
function s3Encoded(key: string): string {
  return encodeURIComponent(key).replace(/%2F/g, "/").replace(/%20/g, "+");
}

function s3Event(key: string, opts: { bucket?: string; eventName?: string } = {}): S3NotificationEvent {
  return { Records: [{ eventName: opts.eventName ?? "ObjectCreated:Put", s3: { bucket: { name: opts.bucket ?? BUCKET }, object: { key } } }] };
}

class RecordingLogger extends Logger {
  readonly errors: { message: string; extra: unknown[] }[] = [];
  constructor() {
    super({ serviceName: "test", logLevel: "SILENT" });
  }
  override error(message: string, ...extra: unknown[]): void {
    this.errors.push({ message, extra });
  }
}

const mockS3Client = () => mockClient(S3Client);
const mockGlueClient = () => mockClient(GlueClient);

describe("S3 event keys", () => {
  it("decodes keys as S3 encodes them: + is a space, then %XX", () => {
    expect(decodeS3Key("raw_data/snapshot_date%3D2026-11-20/playlist_id%3DabcDEF.json")).to.equal("raw_data/snapshot_date=2026-11-20/playlist_id=abcDEF.json");
    expect(decodeS3Key("a+b%2Bc")).to.equal("a b+c");
  });

  it("keeps created raw snapshots of the lake bucket, once each, and says why it ignores the rest", () => {
    const event: S3NotificationEvent = {
      Records: [
        ...s3Event(s3Encoded(RAW_KEY)).Records!,
        ...s3Event(s3Encoded(RAW_KEY)).Records!,
        ...s3Event(RAW_KEY, { bucket: "other" }).Records!,
        ...s3Event(RAW_KEY, { eventName: "ObjectRemoved:Delete" }).Records!,
        ...s3Event(rejectedKeys(RAW_KEY).copy).Records!,
      ],
    };
    const { keys, ignored } = rawKeysFromEvent(event, BUCKET);
    expect(keys).to.deep.equal([RAW_KEY]);
    expect(ignored.map((i) => i.why)).to.deep.equal([
      "bucket other is not the lake bucket lake",
      "event ObjectRemoved:Delete is not an object creation",
      "not a raw snapshot key",
    ]);
  });
});

describe("transform handler (mocked S3 and Glue)", () => {
  // Created in before(), not at load time: a mock replaces the client's send for every instance until restored.
  let s3: ReturnType<typeof mockS3Client>;
  let glue: ReturnType<typeof mockGlueClient>;
  before(() => {
    s3 = mockS3Client();
    glue = mockGlueClient();
  });
  // Laid out as the extractor writes it (one array element per line): the Lambda digests it as S3 streams it.
  const body = new TextEncoder().encode(stringifyInLines(recordedSnapshot(TO_FIND_ID, { snapshotDate: DATE })));

  beforeEach(() => {
    // A fresh body per call: a real one is a stream that can be read once.
    s3.on(GetObjectCommand, { Bucket: BUCKET, Key: RAW_KEY }).callsFake(() => ({ Body: s3Body(body) as never }));
    s3.on(PutObjectCommand).resolves({});
    s3.on(HeadObjectCommand).rejects(Object.assign(new Error("NotFound"), { name: "NotFound", $metadata: { httpStatusCode: 404 } }));
  });
  afterEach(() => {
    s3.reset();
    glue.reset();
  });
  after(() => {
    s3.restore();
    glue.restore();
  });

  const handler = (logger = new RecordingLogger()) =>
    createTransformHandler({ bucket: BUCKET, database: DATABASE }, { s3: new S3Client({ region: "eu-west-1" }), glue: new GlueClient({ region: "eu-west-1" }), logger });

  it("reads the decoded key, writes the 12 table files, then registers the day in every declared table", async () => {
    const catalog = new GlueCatalogModel(DATABASE, TABLES);
    catalog.attach(glue);
    const result = await handler()(s3Event(s3Encoded(RAW_KEY)));

    expect(s3.commandCalls(GetObjectCommand).map((c) => c.args[0].input.Key)).to.deep.equal([RAW_KEY]);
    const puts = s3.commandCalls(PutObjectCommand).map((c) => c.args[0].input);
    expect(puts.map((p) => p.Key)).to.have.members(EXPECTED_TABLE_KEYS);
    expect(puts.every((p) => p.Bucket === BUCKET && p.Key!.startsWith(TRANSFORMED_PREFIX))).to.equal(true);
    expect(result.outcomes.map((o) => o.status)).to.deep.equal(["transformed"]);
    expect(result.partitions.created).to.have.members(TABLES.map((t) => `${t}/${DATE}`));
    // Each partition's folder holds exactly the file the transform wrote for that table.
    for (const { format, table } of allTableRoots()) {
      const [partition] = catalog.getPartitions({ DatabaseName: DATABASE, TableName: catalogTableName(format, table) }).Partitions;
      expect(partition.Values).to.deep.equal([DATE]);
      const file = tableFileKey(format, table, DATE, TO_FIND_ID);
      expect(`s3://${BUCKET}/${file}`.startsWith(partition.StorageDescriptor!.Location!), file).to.equal(true);
      expect(file.slice(partition.StorageDescriptor!.Location!.length - `s3://${BUCKET}/`.length)).to.not.include("/");
    }
  });

  it("counts a partition that exists already (a second playlist, a redelivery) as registered, and creates nothing twice", async () => {
    const catalog = new GlueCatalogModel(DATABASE, TABLES);
    catalog.attach(glue);
    await handler()(s3Event(RAW_KEY));
    const again = await handler()(s3Event(RAW_KEY));
    expect(again.partitions.created).to.deep.equal([]);
    expect(again.partitions.existing).to.have.length(TABLES.length);
    for (const t of TABLES) expect(catalog.partitions.get(`${DATABASE}.${t}`)!.size).to.equal(1);
  });

  it("fails loudly, after the tables were written, when Glue refuses a partition for another reason", async () => {
    glue.on(BatchCreatePartitionCommand).resolves({ Errors: [{ PartitionValues: [DATE], ErrorDetail: { ErrorCode: "AccessDeniedException", ErrorMessage: "not authorized to perform glue:BatchCreatePartition" } }] });
    const error = await handler()(s3Event(RAW_KEY)).catch((err: Error) => err);
    expect((error as Error).message).to.include("could not be registered").and.include("AccessDeniedException").and.include(DATABASE);
    expect(s3.commandCalls(PutObjectCommand)).to.have.length(EXPECTED_TABLE_KEYS.length);
  });

  it("rejects an unreadable snapshot (copy and reason under raw_data/rejected/), logs it for the alarm, registers no partition", async () => {
    s3.on(GetObjectCommand, { Bucket: BUCKET, Key: RAW_KEY }).callsFake(() => ({ Body: s3Body("{not json") as never }));
    const logger = new RecordingLogger();
    const result = await handler(logger)(s3Event(RAW_KEY));
    expect(result.outcomes[0].status).to.equal("rejected");
    const puts = s3.commandCalls(PutObjectCommand).map((c) => c.args[0].input.Key);
    expect(puts).to.have.members([rejectedKeys(RAW_KEY).copy, rejectedKeys(RAW_KEY).reason]);
    expect(glue.commandCalls(BatchCreatePartitionCommand)).to.have.length(0);
    expect(logger.errors.map((e) => e.message)).to.deep.equal([TRANSFORM_LOG.rejected]);
  });

  it("lands the good records of an event and reports the bad one (an integer too big for its column), without failing", async () => {
    const badKey = rawSnapshotKey(DATE, THE_CORE_ID);
    const bad = recordedSnapshot(THE_CORE_ID, { snapshotDate: DATE });
    bad.entries[0] = editTrack(bad.entries[0] as Json, (t) => (t.duration_ms = 3e9)) as typeof bad.entries[number];
    s3.on(GetObjectCommand, { Bucket: BUCKET, Key: badKey }).callsFake(() => ({ Body: s3Body(JSON.stringify(bad)) as never }));
    new GlueCatalogModel(DATABASE, TABLES).attach(glue);
    const logger = new RecordingLogger();
    const result = await handler(logger)({ Records: [...s3Event(badKey).Records!, ...s3Event(RAW_KEY).Records!] });

    expect(result.outcomes.map((o) => [o.rawKey, o.status])).to.deep.equal([
      [badKey, "rejected"],
      [RAW_KEY, "transformed"],
    ]);
    const puts = s3.commandCalls(PutObjectCommand).map((c) => c.args[0].input.Key);
    expect(puts).to.have.members([rejectedKeys(badKey).copy, rejectedKeys(badKey).reason, ...EXPECTED_TABLE_KEYS]);
    expect(result.partitions.created).to.have.members(TABLES.map((t) => `${t}/${DATE}`));
    expect(logger.errors).to.have.length(1);
    expect(logger.errors[0].message).to.equal(TRANSFORM_LOG.rejected);
    expect(JSON.stringify(logger.errors[0].extra)).to.include(badKey).and.include("column duration_ms: 3000000000 is not an int32");
  });

  it("reports a record it cannot read (null, no key, a bad % escape) and still lands the good ones, without failing (a retry would fail the same way)", async () => {
    new GlueCatalogModel(DATABASE, TABLES).attach(glue);
    const logger = new RecordingLogger();
    const badEscape = s3Event("raw_data/snapshot_date%3D2026-11-25/playlist_id%3D%ZZ.json").Records![0];
    const result = await handler(logger)({ Records: [null, badEscape, { eventName: "ObjectCreated:Put", s3: { bucket: { name: BUCKET } } }, ...s3Event(RAW_KEY).Records!] });
    expect(result.outcomes.map((o) => [o.rawKey, o.status])).to.deep.equal([[RAW_KEY, "transformed"]]);
    expect(s3.commandCalls(PutObjectCommand).map((c) => c.args[0].input.Key)).to.have.members(EXPECTED_TABLE_KEYS);
    expect(logger.errors.map((e) => e.message)).to.deep.equal([TRANSFORM_LOG.badRecord, TRANSFORM_LOG.badRecord, TRANSFORM_LOG.badRecord]);
    expect(JSON.stringify(logger.errors[1].extra)).to.include("%ZZ").and.include("not URL-encoded");
  });

  it("lands the good records when another fails on storage, then fails the invocation naming it, so Lambda retries", async () => {
    const brokenKey = rawSnapshotKey(DATE, THE_CORE_ID);
    s3.on(GetObjectCommand, { Bucket: BUCKET, Key: brokenKey }).rejects(Object.assign(new Error("We encountered an internal error. Please try again."), { name: "InternalError" }));
    new GlueCatalogModel(DATABASE, TABLES).attach(glue);
    const logger = new RecordingLogger();
    const error = await handler(logger)({ Records: [...s3Event(brokenKey).Records!, ...s3Event(RAW_KEY).Records!] }).catch((err: unknown) => err);

    expect(error).to.be.instanceOf(RecordsFailedError);
    expect((error as RecordsFailedError).message).to.equal(
      `1 of 2 record(s) failed and will be retried (the others were written): ${brokenKey}: We encountered an internal error. Please try again.`,
    );
    expect((error as RecordsFailedError).result.outcomes.map((o) => [o.rawKey, o.status])).to.deep.equal([[RAW_KEY, "transformed"]]);
    expect(s3.commandCalls(PutObjectCommand).map((c) => c.args[0].input.Key)).to.have.members(EXPECTED_TABLE_KEYS);
    // The good record's day is registered before the invocation fails.
    expect(glue.commandCalls(BatchCreatePartitionCommand)).to.have.length(TABLES.length);
    expect(logger.errors.map((e) => e.message)).to.deep.equal([TRANSFORM_LOG.failed]);
  });

  it("logs every line with the Lambda context: request id and cold start (Powertools addContext)", async () => {
    new GlueCatalogModel(DATABASE, TABLES).attach(glue);
    const logger = new Logger({ serviceName: "test", logLevel: "INFO" });
    const transform = createTransformHandler({ bucket: BUCKET, database: DATABASE }, { s3: new S3Client({ region: "eu-west-1" }), glue: new GlueClient({ region: "eu-west-1" }), logger });
    const { error, records } = await captureJsonLogs(() => transform(s3Event(RAW_KEY), LAMBDA_CONTEXT));
    expect(error).to.equal(undefined);
    expect(records.map((r) => r.message)).to.include.members([TRANSFORM_LOG.transformed, TRANSFORM_LOG.partitionsRegistered]);
    for (const r of records) expect(r).to.include({ function_request_id: LAMBDA_CONTEXT.awsRequestId, function_name: LAMBDA_CONTEXT.functionName }).and.have.property("cold_start");
  });

  it("does nothing for records it does not own", async () => {
    const result = await handler()(s3Event(RAW_KEY, { bucket: "someone-else" }));
    expect(result.outcomes).to.deep.equal([]);
    expect(s3.calls()).to.have.length(0);
    expect(glue.calls()).to.have.length(0);
  });

  it("refuses to start without the bucket or the database name", () => {
    expect(() => transformHandlerFromEnv({ GLUE_DATABASE: DATABASE })).to.throw(/LAKE_BUCKET/);
    expect(() => transformHandlerFromEnv({ LAKE_BUCKET: BUCKET })).to.throw(/GLUE_DATABASE/);
  });
});

describe("transform handler against s3rver (the event s3rver emits for the upload)", function () {
  this.timeout(30_000);
  let s3: RunningS3rver;
  let glue: ReturnType<typeof mockGlueClient>;

  before(async () => {
    glue = mockGlueClient();
    s3 = await startS3rver([BUCKET]);
  });
  after(async () => {
    glue.restore();
    await s3?.close();
  });

  it("event flow: the landed snapshot fires the declared filter, is transformed, and its day is a partition of every table when the handler returns; a redelivery changes nothing", async () => {
    // S3 invokes the transform only if the declared filter matches the key as S3 writes it (test/support/s3NotificationFilter.ts).
    expect(s3FilterMatches(TRANSFORM_TRIGGER, RAW_KEY)).to.equal(true);
    const catalog = new GlueCatalogModel(DATABASE, TABLES);
    catalog.attach(glue);
    const events: S3NotificationEvent[] = [];
    const listener = (event: S3NotificationEvent) => events.push(event);
    s3.server.on("event", listener);
    const store = new S3Store({ bucket: BUCKET, client: s3.client });
    await store.put(RAW_KEY, JSON.stringify(recordedSnapshot(TO_FIND_ID, { snapshotDate: DATE })));
    s3.server.off("event", listener);
    expect(events).to.have.length(1);

    const handler = createTransformHandler(
      { bucket: BUCKET, database: DATABASE },
      { s3: s3.client, glue: new GlueClient({ region: "eu-west-1" }), logger: new Logger({ serviceName: "test", logLevel: "SILENT" }) },
    );
    const first = await handler(events[0]);
    expect(first.outcomes.map((o) => o.status)).to.deep.equal(["transformed"]);
    // Queryable now, with no crawl: Athena plans a query from the table's partitions (GetPartitions).
    for (const t of TABLES) expect(catalog.getPartitions({ DatabaseName: DATABASE, TableName: t }).Partitions.map((p) => p.Values)).to.deep.equal([[DATE]]);
    const written = await store.list(TRANSFORMED_PREFIX);
    expect(written).to.have.members(EXPECTED_TABLE_KEYS);
    const contents = await Promise.all(written.map((k) => store.get(k).then((b) => Buffer.from(b).toString("base64"))));

    // S3 delivers at least once: the same record again gives the same keys with the same bytes.
    await handler(events[0]);
    expect(await store.list(TRANSFORMED_PREFIX)).to.deep.equal(written);
    expect(await Promise.all(written.map((k) => store.get(k).then((b) => Buffer.from(b).toString("base64"))))).to.deep.equal(contents);
    expect(await store.list("raw_data/")).to.deep.equal([RAW_KEY]);
    expect(glue.commandCalls(BatchCreatePartitionCommand)).to.have.length(2 * TABLES.length);
    for (const t of TABLES) expect([...catalog.partitions.get(`${DATABASE}.${t}`)!.keys()]).to.deep.equal([DATE]);
  });
});
