import { expect } from "chai";
import { compareParquetWriters, formatMeasurements, generatedSnapshot } from "../bench/parquetWriters";
import { snapshotToTables } from "../lib/transform/toTables";

describe("bench/parquetWriters", () => {
  it("generates a snapshot of distinct songs and measures both writers on the same rows", async () => {
    const tables = snapshotToTables(generatedSnapshot(500));
    expect(tables.songs).to.have.length(500);
    expect(tables.playlist_tracks).to.have.length(500);
    const results = await compareParquetWriters({ songs: tables.songs });
    expect(results.map((r) => [r.table, r.rows, r.writer])).to.deep.equal([
      ["songs", 500, "parquet-wasm (Snappy)"],
      ["songs", 500, "parquetjs-lite (default: uncompressed)"],
      ["songs", 500, "parquetjs-lite (Snappy)"],
    ]);
    const [wasm, liteDefault] = results;
    expect(wasm.bytes).to.be.greaterThan(0);
    // The reason lib/formats/parquet.ts uses parquet-wasm: much smaller than parquetjs-lite's default.
    expect(liteDefault.bytes).to.be.greaterThan(wasm.bytes * 3);
    expect(formatMeasurements(results)).to.include("| songs | 500 | parquet-wasm (Snappy) |");
  });
});
