import { expect } from "chai";
import { FILE_FORMATS } from "../lib/lake/layout";
import { GLUE_PARTITION_KEYS, glueColumns, glueStorage, glueTableParameters } from "../lib/tables/glueSchema";
import { TABLE_NAMES, TABLES } from "../lib/tables/schema";

describe("Glue schema from lib/tables", () => {
  it("lists every table's columns in file order, for both formats", () => {
    for (const format of FILE_FORMATS) {
      for (const table of TABLE_NAMES) {
        expect(glueColumns(format, table).map((c) => c.name)).to.deep.equal(TABLES[table].map((c) => c.name));
      }
    }
  });

  it("types Parquet columns as the file stores them (Hive names)", () => {
    expect(glueColumns("parquet", "artists").map((c) => c.type)).to.deep.equal(["string", "string", "string", "array<string>", "bigint", "int", "string"]);
    expect(glueColumns("parquet", "playlist_tracks").map((c) => c.type)).to.deep.equal(["string", "int", "string", "timestamp", "string"]);
    expect(glueColumns("parquet", "songs").find((c) => c.name === "explicit")?.type).to.equal("boolean");
  });

  it("partitions by snapshot_date, a string, which no file holds as a column", () => {
    expect(GLUE_PARTITION_KEYS.map((k) => [k.name, k.type])).to.deep.equal([["snapshot_date", "string"]]);
    for (const table of TABLE_NAMES) expect(TABLES[table].map((c) => c.name)).to.not.include("snapshot_date");
  });

  it("reads Parquet with Hive's Parquet SerDe", () => {
    const storage = glueStorage("parquet");
    expect(storage.serializationLibrary).to.equal("org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe");
    expect(storage.inputFormat).to.equal("org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat");
    expect(storage.outputFormat).to.equal("org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat");
    expect(glueTableParameters("parquet").classification).to.equal("parquet");
  });

  it("reads CSV with OpenCSVSerDe in the writer's dialect, header skipped, an empty number or timestamp as NULL", () => {
    const storage = glueStorage("csv");
    expect(storage.inputFormat).to.equal("org.apache.hadoop.mapred.TextInputFormat");
    expect(storage.outputFormat).to.equal("org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat");
    expect(storage.serializationLibrary).to.equal("org.apache.hadoop.hive.serde2.OpenCSVSerde");
    expect(storage.serdeParameters).to.deep.equal({ separatorChar: ",", quoteChar: '"', escapeChar: "\\" });
    expect(glueTableParameters("csv")).to.include({ classification: "csv", "skip.header.line.count": "1", "use.null.for.invalid.data": "true" });
  });

  it("types CSV columns as OpenCSVSerDe converts them: numbers, booleans, epoch-millisecond timestamps; lists as JSON text", () => {
    expect(glueColumns("csv", "artists").map((c) => c.type)).to.deep.equal(["string", "string", "string", "string", "bigint", "int", "string"]);
    expect(glueColumns("csv", "playlist_tracks").map((c) => c.type)).to.deep.equal(["string", "int", "string", "timestamp", "string"]);
    expect(glueColumns("csv", "songs").find((c) => c.name === "explicit")?.type).to.equal("boolean");
  });

  it("tells the CSV reader, in column comments, what the format cannot say", () => {
    const artists = glueColumns("csv", "artists");
    expect(artists.find((c) => c.name === "genres")?.comment).to.match(/^JSON array text: CAST\(json_parse\(genres\) AS ARRAY\(VARCHAR\)\)/);
    expect(artists.find((c) => c.name === "artist_url")?.comment).to.match(/'' when null/);
    expect(artists.find((c) => c.name === "artist_id")).to.not.have.property("comment");
    expect(glueColumns("parquet", "artists").filter((c) => c.comment)).to.deep.equal([]);
  });

  it("hands out copies: a caller cannot change another's storage", () => {
    glueStorage("csv").serdeParameters.extra = "x";
    expect(glueStorage("csv").serdeParameters).to.not.have.property("extra");
  });
});
