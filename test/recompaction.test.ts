/**
 * On AWS, a late re-transform of one playlist of a compacted day: the transform handler asks the
 * compaction function (an asynchronous Lambda invocation, mocked with aws-sdk-client-mock as the
 * Lambda API documents it) to compact the day again; the compaction handler run with that very
 * event gives Athena's partition, which stays on the compacted folder, the new rows. A day that is
 * not compacted costs one listing and no invocation. A playlist that lands while its day is being
 * compacted, before the first compacted file, is caught by the compaction itself.
 */
import { expect } from "chai";
import { cpSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { mockClient } from "aws-sdk-client-mock";
import { GlueClient } from "@aws-sdk/client-glue";
import { InvokeCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { Logger } from "@aws-lambda-powertools/logger";
import { createCompactHandler } from "../handlers/compact";
import { createTransformHandler } from "../handlers/transform";
import { registerPartitions } from "../handlers/partitions";
import type { CompactEvent } from "../contracts/compact";
import { parseTransformEnv, TRANSFORM_ENV } from "../contracts/transform";
import { allTableRoots, catalogTableName, COMPACTED_PREFIX, compactedRoot, rawSnapshotKey, tableFileKey } from "../lib/lake/layout";
import { compactDay, dayIsCompacted } from "../lib/compact/compactDay";
import { openLake } from "../lib/query/lakeDb";
import { tableFiles } from "../lib/query/lakeFiles";
import { transformRawObject } from "../lib/transform/transformObject";
import type { ObjectStore } from "../lib/storage/objectStore";
import { LocalStore } from "../lib/storage/localStore";
import { GlueCatalogModel } from "./support/glueCatalogModel";
import { buildFleetLake, fleetDay, fleetPlaylistId, fleetSnapshot } from "./support/fleetLake";

const BUCKET = "lake-bucket";
const DATABASE = "spotify";
const COMPACT_FUNCTION = "spotify-compactor-fn";
const TABLES = allTableRoots().map((r) => catalogTableName(r.format, r.table));
const silent = () => new Logger({ serviceName: "test", logLevel: "SILENT" });

/** An S3 ObjectCreated notification for one key, the key URL-encoded as S3 writes it. */
const s3Event = (key: string) => ({ Records: [{ eventName: "ObjectCreated:Put", s3: { bucket: { name: BUCKET }, object: { key: encodeURIComponent(key).replace(/%2F/g, "/") } } }] });

/** A store that counts its listings under the compacted prefix. */
function countingStore(inner: LocalStore): { store: ObjectStore; compactedListings: () => number } {
  let n = 0;
  const store: ObjectStore = {
    location: inner.location,
    get: (k) => inner.get(k),
    exists: (k) => inner.exists(k),
    put: (k, b) => inner.put(k, b),
    list: (p) => {
      if (p.startsWith(COMPACTED_PREFIX)) n++;
      return inner.list(p);
    },
  };
  return { store, compactedListings: () => n };
}

async function playlistSnapshot(dir: string): Promise<string[]> {
  const db = await openLake(dir);
  try {
    return (await db.query("SELECT * FROM playlist_snapshot")).map((r) => JSON.stringify(r)).sort();
  } finally {
    db.close();
  }
}

describe("late re-transform of a compacted day on AWS (Lambda and Glue under mocks)", function () {
  this.timeout(120_000);
  const glue = mockClient(GlueClient);
  const lambda = mockClient(LambdaClient);
  let dir: string;
  let catalog: GlueCatalogModel;
  const day = fleetDay(0);

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "recompaction-"));
    await buildFleetLake(dir, 3, 1);
  });
  after(() => {
    rmSync(dir, { recursive: true, force: true });
    glue.restore();
    lambda.restore();
  });
  beforeEach(() => {
    glue.reset();
    lambda.reset();
    catalog = new GlueCatalogModel(DATABASE, TABLES);
    catalog.attach(glue);
  });

  it("reads the compaction function's name from COMPACT_FUNCTION, and runs without it", () => {
    expect(parseTransformEnv({ LAKE_BUCKET: "b", GLUE_DATABASE: "d", [TRANSFORM_ENV.compactFunction]: COMPACT_FUNCTION })).to.deep.equal({ bucket: "b", database: "d", compactFunction: COMPACT_FUNCTION });
    expect(parseTransformEnv({ LAKE_BUCKET: "b", GLUE_DATABASE: "d" })).to.deep.equal({ bucket: "b", database: "d" });
  });

  it("invokes nothing for a day that is not compacted: one listing of its compacted folder, no Lambda call", async () => {
    const { store, compactedListings } = countingStore(new LocalStore(dir));
    const transform = createTransformHandler({ bucket: BUCKET, database: DATABASE, compactFunction: COMPACT_FUNCTION }, { store, glue: new GlueClient({ region: "eu-west-1" }), lambda: new LambdaClient({ region: "eu-west-1" }), logger: silent() });
    const result = await transform(s3Event(rawSnapshotKey(day, fleetPlaylistId(0))));
    expect(result.outcomes.map((o) => o.status)).to.deep.equal(["transformed"]);
    expect(result.recompaction).to.deep.equal([]);
    expect(compactedListings()).to.equal(1);
    expect(lambda.commandCalls(InvokeCommand)).to.have.length(0);
  });

  it("without the compaction function configured, does not even look", async () => {
    const { store, compactedListings } = countingStore(new LocalStore(dir));
    const transform = createTransformHandler({ bucket: BUCKET, database: DATABASE }, { store, glue: new GlueClient({ region: "eu-west-1" }), logger: silent() });
    expect((await transform(s3Event(rawSnapshotKey(day, fleetPlaylistId(0))))).recompaction).to.deep.equal([]);
    expect(compactedListings()).to.equal(0);
  });

  it("asks for the compacted day again with one Event invocation, whose event gives the partition (still the compacted folder) the new rows", async () => {
    const client = new GlueClient({ region: "eu-west-1" });
    const store = new LocalStore(dir);
    await registerPartitions(client, { bucket: BUCKET, database: DATABASE }, [day]);
    const compact = createCompactHandler({ bucket: BUCKET, database: DATABASE }, { glue: client, store, logger: silent() });
    expect((await compact({ snapshotDates: [day] })).days.map((d) => d.status)).to.deep.equal(["compacted"]);
    const before = await playlistSnapshot(dir);

    // Playlist 1 of that day, extracted again with another order, lands and is transformed.
    await store.put(rawSnapshotKey(day, fleetPlaylistId(1)), JSON.stringify(fleetSnapshot(1, 0, { reversed: true })));
    // Lambda API reference, Invoke: "For the Event invocation type, this status code is 202"; the response has no payload.
    lambda.on(InvokeCommand).resolves({ StatusCode: 202 });
    const transform = createTransformHandler({ bucket: BUCKET, database: DATABASE, compactFunction: COMPACT_FUNCTION }, { store, glue: client, lambda: new LambdaClient({ region: "eu-west-1" }), logger: silent() });
    const result = await transform(s3Event(rawSnapshotKey(day, fleetPlaylistId(1))));
    expect(result.recompaction).to.deep.equal([day]);
    const calls = lambda.commandCalls(InvokeCommand);
    expect(calls).to.have.length(1);
    const input = calls[0].args[0].input;
    expect(input).to.include({ FunctionName: COMPACT_FUNCTION, InvocationType: "Event" });
    const event = JSON.parse(Buffer.from(input.Payload as Uint8Array).toString("utf8")) as CompactEvent;
    expect(event).to.deep.equal({ snapshotDates: [day] });
    // Until the compaction function runs, readers keep the compacted day as it was.
    expect(await playlistSnapshot(dir)).to.deep.equal(before);

    // The compaction function, as Lambda runs it with that event.
    expect((await compact(event)).days.map((d) => [d.snapshotDate, d.status])).to.deep.equal([[day, "compacted"]]);
    for (const { format, table } of allTableRoots()) {
      const [partition] = catalog.getPartitions({ DatabaseName: DATABASE, TableName: catalogTableName(format, table) }).Partitions;
      expect(partition.StorageDescriptor!.Location).to.equal(`s3://${BUCKET}/${compactedRoot(format, table)}snapshot_date=${day}/`);
    }
    const after = await playlistSnapshot(dir);
    const truthDir = mkdtempSync(path.join(tmpdir(), "recompaction-truth-"));
    try {
      cpSync(dir, truthDir, { recursive: true });
      rmSync(path.join(truthDir, COMPACTED_PREFIX), { recursive: true });
      expect(after).to.deep.equal(await playlistSnapshot(truthDir));
      expect(after).to.not.deep.equal(before);
    } finally {
      rmSync(truthDir, { recursive: true, force: true });
    }
  });

  it("compacts a day again when a playlist lands while it is compacted, before its first compacted file (the transform's check finds no compacted day then)", async () => {
    const inner = new LocalStore(dir);
    const late = fleetDay(5);
    for (const i of [0, 1]) {
      await inner.put(rawSnapshotKey(late, fleetPlaylistId(i)), JSON.stringify(fleetSnapshot(i, 5)));
      expect((await transformRawObject(inner, rawSnapshotKey(late, fleetPlaylistId(i)))).status).to.equal("transformed");
    }
    let landed = false;
    // Playlist 2 lands after the compaction listed the day, while it reads its first file.
    const store: ObjectStore = {
      location: inner.location,
      exists: (k) => inner.exists(k),
      list: (p) => inner.list(p),
      put: (k, b) => inner.put(k, b),
      get: async (k) => {
        if (!landed) {
          landed = true;
          await inner.put(rawSnapshotKey(late, fleetPlaylistId(2)), JSON.stringify(fleetSnapshot(2, 5)));
          expect((await transformRawObject(inner, rawSnapshotKey(late, fleetPlaylistId(2)))).status).to.equal("transformed");
          expect(await dayIsCompacted(inner, late)).to.equal(false);
        }
        return inner.get(k);
      },
    };
    const result = await compactDay(store, late);
    expect(landed).to.equal(true);
    expect(result).to.deep.include({ status: "compacted", playlists: 3 });
    const db = await openLake(dir);
    try {
      expect(await db.query(`SELECT playlist_id FROM playlists WHERE snapshot_date = '${late}' ORDER BY 1`)).to.deep.equal([0, 1, 2].map((i) => ({ playlist_id: fleetPlaylistId(i) })));
    } finally {
      db.close();
    }
    expect(tableFiles(dir, "parquet", "playlists", () => {}, { months: false }).days.find((d) => d.snapshotDate === late)?.compacted).to.equal(true);
  });

  it("fails the transform's invocation (so S3's event is retried) when the invocation is refused, after writing the tables", async () => {
    const store = new LocalStore(dir);
    const written = path.join(dir, tableFileKey("parquet", "playlist_tracks", day, fleetPlaylistId(2)));
    const writtenBefore = statSync(written).mtimeMs;
    lambda.on(InvokeCommand).rejects(new Error("Rate exceeded"));
    const transform = createTransformHandler({ bucket: BUCKET, database: DATABASE, compactFunction: COMPACT_FUNCTION }, { store, glue: new GlueClient({ region: "eu-west-1" }), lambda: new LambdaClient({ region: "eu-west-1" }), logger: silent() });
    let error: unknown;
    await transform(s3Event(rawSnapshotKey(day, fleetPlaylistId(2)))).catch((e: unknown) => (error = e));
    expect((error as Error).message).to.include("Rate exceeded");
    expect(lambda.commandCalls(InvokeCommand)).to.have.length(1);
    expect(statSync(written).mtimeMs).to.be.greaterThan(writtenBefore);
  });
});
