/**
 * The CLI's Parquet worker thread (lib/formats/parquetWorkerEncoder.ts): the same bytes as the
 * inline encoder, errors that name the table, a process that exits without waiting for it, and
 * a main thread that never loads parquet-wasm. Under ts-node the worker runs the .ts source; the
 * bundled worker (.build/cli/parquetWorker.js) runs in launch.test.ts and start.test.ts.
 */
import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { encodeCheckedParquet } from "../lib/formats/parquet";
import { checkedColumnBuffers } from "../lib/formats/arrowColumns";
import { startParquetWorker, type ParquetWorkerEncoder } from "../lib/formats/parquetWorkerEncoder";
import { assertTablesFit } from "../lib/formats/rowCheck";
import { rawSnapshotKey } from "../lib/lake/layout";
import { LocalStore } from "../lib/storage/localStore";
import { TABLE_NAMES, type ColumnDef } from "../lib/tables/schema";
import { transformAll } from "../lib/transform/transformObject";
import { snapshotToTables } from "../lib/transform/toTables";
import { recordedSnapshot, THE_CORE_ID, TO_FIND_ID } from "./support/snapshots";

const ROOT = path.resolve(__dirname, "..");
const DATE = "2026-11-20";

/** The error a promise rejects with (failing the test if it resolves). */
async function rejectionOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    return err as Error;
  }
  throw new Error("expected a rejection, but the promise resolved");
}

async function filesOf(store: LocalStore, prefix: string): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  for (const key of await store.list(prefix)) files.set(key, Buffer.from(await store.get(key)).toString("base64"));
  return files;
}

describe("Parquet in a worker thread (the CLI's encoder)", function () {
  this.timeout(60_000);
  let encoder: ParquetWorkerEncoder;
  beforeEach(() => (encoder = startParquetWorker()));
  afterEach(() => encoder.close());

  it("gives the inline encoder's bytes for every table of a recorded playlist", async () => {
    const tables = snapshotToTables(recordedSnapshot(TO_FIND_ID, { snapshotDate: DATE }));
    const columns = assertTablesFit(tables);
    // All at once, as writeCheckedTables asks: the answers must come back to the right table.
    const fromWorker = await Promise.all(TABLE_NAMES.map((t) => encoder.encode(t, columns[t], tables[t])));
    TABLE_NAMES.forEach((t, i) => {
      expect(tables[t].length, t).to.be.greaterThan(0);
      expect(Buffer.from(fromWorker[i]).equals(Buffer.from(encodeCheckedParquet(columns[t], tables[t]))), t).to.equal(true);
    });
  });

  it("writes the same 12 files through transformAll as the inline encoder", async () => {
    const dirs = [mkdtempSync(path.join(tmpdir(), "parquet-worker-")), mkdtempSync(path.join(tmpdir(), "parquet-inline-"))];
    try {
      const [viaWorker, inline] = dirs.map((d) => new LocalStore(d));
      for (const store of [viaWorker, inline]) {
        for (const id of [THE_CORE_ID, TO_FIND_ID]) await store.put(rawSnapshotKey(DATE, id), JSON.stringify(recordedSnapshot(id, { snapshotDate: DATE })));
      }
      const outcomes = await transformAll(viaWorker, { parquet: encoder });
      expect(outcomes.map((o) => o.status)).to.deep.equal(["transformed", "transformed"]);
      await transformAll(inline);
      const written = await filesOf(viaWorker, "transformed_data/");
      expect(written.size).to.equal(24);
      expect(written).to.deep.equal(await filesOf(inline, "transformed_data/"));
    } finally {
      for (const d of dirs) rmSync(d, { recursive: true, force: true });
    }
  });

  it("rejects with an error that names the table when the thread cannot encode it, and goes on serving", async () => {
    const nonsense = [{ name: "x", type: "nonsense", nullable: false }] as unknown as ColumnDef[];
    const bad = encoder.encodeColumns("song_artists", nonsense, 1, [{ length: 1, nullCount: 0, nullBitmap: undefined, data: new Int32Array(1) }]);
    expect((await rejectionOf(bad)).message).to.match(/Parquet encoding of table song_artists failed in the worker thread: no Arrow type for column type "nonsense"/);
    const tables = snapshotToTables(recordedSnapshot(THE_CORE_ID, { snapshotDate: DATE }));
    const columns = assertTablesFit(tables);
    const bytes = await encoder.encodeColumns("artists", columns.artists, tables.artists.length, checkedColumnBuffers(columns.artists, tables.artists));
    expect(Buffer.from(bytes).equals(Buffer.from(encodeCheckedParquet(columns.artists, tables.artists)))).to.equal(true);
  });

  it("rejects what it was still encoding when the thread stops, naming the table, and refuses new work", async () => {
    const tables = snapshotToTables(recordedSnapshot(THE_CORE_ID, { snapshotDate: DATE }));
    const columns = assertTablesFit(tables);
    const pending = rejectionOf(encoder.encode("songs", columns.songs, tables.songs));
    await encoder.close();
    expect((await pending).message).to.match(/Parquet encoding of table songs failed in the worker thread: the worker was closed/);
    expect((await rejectionOf(encoder.encode("albums", columns.albums, tables.albums))).message).to.match(/table albums .*the worker was closed/);
  });

  it("lets the process exit without close(), and keeps parquet-wasm and apache-arrow out of the main thread", () => {
    const lake = mkdtempSync(path.join(tmpdir(), "parquet-worker-exit-"));
    try {
      const script = `
        const { LocalStore } = require("./lib/storage/localStore");
        const { rawSnapshotKey } = require("./lib/lake/layout");
        const { transformAll } = require("./lib/transform/transformObject");
        const { startParquetWorker } = require("./lib/formats/parquetWorkerEncoder");
        const { recordedSnapshot } = require("./test/support/snapshots");
        (async () => {
          const parquet = startParquetWorker();
          const store = new LocalStore(${JSON.stringify(lake)});
          await store.put(rawSnapshotKey("${DATE}", "${THE_CORE_ID}"), JSON.stringify(recordedSnapshot("${THE_CORE_ID}", { snapshotDate: "${DATE}" })));
          const outcomes = await transformAll(store, { parquet });
          const wasm = Object.keys(require.cache).filter((k) => k.includes("parquet-wasm") || k.includes("apache-arrow"));
          console.log(JSON.stringify({ statuses: outcomes.map((o) => o.status), files: (await store.list("transformed_data/parquet/")).length, wasm }));
        })();`;
      // Not closed on purpose: an idle worker must not hold the process (spawnSync would time out).
      const r = spawnSync(process.execPath, ["-r", "ts-node/register/transpile-only", "-e", script], { cwd: ROOT, encoding: "utf8", timeout: 60_000 });
      expect(r.status, r.stderr).to.equal(0);
      expect(JSON.parse(r.stdout)).to.deep.equal({ statuses: ["transformed"], files: 6, wasm: [] });
    } finally {
      rmSync(lake, { recursive: true, force: true });
    }
  });
});
