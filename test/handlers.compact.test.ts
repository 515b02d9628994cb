/**
 * The compaction handler with the real lake code on a local store and a mocked Glue client
 * answering from the Glue catalog model (test/support/glueCatalogModel.ts): the day's partitions
 * are switched to the compacted folder only once the folder holds its complete file.
 */
import { expect } from "chai";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { mockClient } from "aws-sdk-client-mock";
import { BatchUpdatePartitionCommand, GlueClient } from "@aws-sdk/client-glue";
import { Logger } from "@aws-lambda-powertools/logger";
import { createCompactHandler } from "../handlers/compact";
import { registerPartitions } from "../handlers/partitions";
import { compactDatesOf } from "../contracts/compact";
import { allTableRoots, catalogTableName, compactedFileKey, compactedRoot, tableRoot } from "../lib/lake/layout";
import { GlueCatalogModel } from "./support/glueCatalogModel";
import { buildFleetLake, fleetDay } from "./support/fleetLake";

const BUCKET = "lake-bucket";
const DATABASE = "spotify";
const TABLES = allTableRoots().map((r) => catalogTableName(r.format, r.table));
const location = (root: string, date: string) => `s3://${BUCKET}/${root}snapshot_date=${date}/`;

describe("compaction handler (Glue catalog model under mocks)", function () {
  this.timeout(120_000);
  const glue = mockClient(GlueClient);
  let dir: string;
  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "compact-handler-"));
    await buildFleetLake(dir, 3, 2);
  });
  after(() => {
    rmSync(dir, { recursive: true, force: true });
    glue.restore();
  });
  beforeEach(() => glue.reset());

  it("compacts the day before the scheduled event's day, then points every table's partition at the complete compacted folder", async () => {
    const catalog = new GlueCatalogModel(DATABASE, TABLES);
    catalog.attach(glue);
    const client = new GlueClient({ region: "eu-west-1" });
    // As the transform left them: each day's partitions read the per-playlist folders.
    await registerPartitions(client, { bucket: BUCKET, database: DATABASE }, [fleetDay(0), fleetDay(1)]);
    const { LocalStore } = await import("../lib/storage/localStore");
    // Whenever a partition is switched, the file of the folder it now names is already whole.
    const seenAtSwitch: boolean[] = [];
    glue.on(BatchUpdatePartitionCommand).callsFake((input) => {
      for (const e of input.Entries ?? []) {
        const root = allTableRoots().find((r) => catalogTableName(r.format, r.table) === input.TableName)!;
        seenAtSwitch.push(existsSync(path.join(dir, compactedFileKey(root.format, root.table, e.PartitionValueList![0]))));
      }
      return catalog.batchUpdatePartition(input);
    });
    const handler = createCompactHandler({ bucket: BUCKET, database: DATABASE }, { glue: client, store: new LocalStore(dir), logger: new Logger({ serviceName: "test", logLevel: "SILENT" }) });
    const result = await handler({ time: `${fleetDay(2)}T06:00:00Z` });
    expect(result.days.map((d) => [d.snapshotDate, d.status])).to.deep.equal([[fleetDay(1), "compacted"]]);
    expect(result.switched).to.have.length(TABLES.length);
    expect(seenAtSwitch).to.have.length(TABLES.length);
    expect(seenAtSwitch.every(Boolean)).to.equal(true);
    for (const { format, table } of allTableRoots()) {
      const partitions = catalog.getPartitions({ DatabaseName: DATABASE, TableName: catalogTableName(format, table) }).Partitions;
      const byDate = Object.fromEntries(partitions.map((p) => [p.Values![0], p.StorageDescriptor!.Location]));
      // The compacted day reads its one file; the other day still its per-playlist folder.
      expect(byDate).to.deep.equal({ [fleetDay(0)]: location(tableRoot(format, table), fleetDay(0)), [fleetDay(1)]: location(compactedRoot(format, table), fleetDay(1)) });
    }
  });

  it("creates a partition the transform did not register, with the compacted folder, and leaves a one-playlist day alone", async () => {
    const catalog = new GlueCatalogModel(DATABASE, TABLES);
    catalog.attach(glue);
    const { LocalStore } = await import("../lib/storage/localStore");
    const handler = createCompactHandler({ bucket: BUCKET, database: DATABASE }, { glue: new GlueClient({ region: "eu-west-1" }), store: new LocalStore(dir), logger: new Logger({ serviceName: "test", logLevel: "SILENT" }) });
    const result = await handler({ snapshotDates: [fleetDay(0), "2026-12-31"] });
    expect(result.days.map((d) => [d.snapshotDate, d.status])).to.deep.equal([
      [fleetDay(0), "compacted"],
      ["2026-12-31", "single"],
    ]);
    for (const { format, table } of allTableRoots()) {
      const partitions = catalog.getPartitions({ DatabaseName: DATABASE, TableName: catalogTableName(format, table) }).Partitions;
      expect(partitions.map((p) => [p.Values![0], p.StorageDescriptor!.Location])).to.deep.equal([[fleetDay(0), location(compactedRoot(format, table), fleetDay(0))]]);
    }
  });

  it("takes the days from the event: snapshotDates as given, else the day before the schedule fired; refuses bad dates", () => {
    expect(compactDatesOf({ time: "2026-11-25T06:00:00Z" })).to.deep.equal(["2026-11-24"]);
    expect(compactDatesOf({ snapshotDates: ["2026-11-20", "2026-11-19", "2026-11-20"] })).to.deep.equal(["2026-11-19", "2026-11-20"]);
    expect(() => compactDatesOf({ snapshotDates: ["2026-02-30"] })).to.throw(/Invalid snapshot date "2026-02-30"/);
    expect(() => compactDatesOf({ snapshotDates: [] })).to.throw(/non-empty list/);
    expect(() => compactDatesOf({ time: "yesterday" })).to.throw(/not an ISO 8601/);
  });
});
