import { expect } from "chai";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import * as arrow from "apache-arrow";
import * as parquetWasm from "parquet-wasm";
import { DuckDBInstance } from "@duckdb/node-api";
import { encodeCsv } from "../lib/formats/csv";
import { encodeParquet } from "../lib/formats/parquet";
import { TABLES, type Row } from "../lib/tables/schema";

const tricky: Row[] = [
  {
    playlist_id: "p1",
    artist_id: "a1",
    artist_name: 'Tyler, the "Creator"',
    genres: ["hip hop", "rap, west coast"],
    followers: 9_007_199_254_740_991,
    popularity: 0,
    artist_url: "https://open.spotify.com/artist/a1",
  },
  { playlist_id: "p1", artist_id: "a2", artist_name: "Line one\nline two\r\nthree", genres: [], followers: null, popularity: null, artist_url: null },
  { playlist_id: "p1", artist_id: "a3", artist_name: "米津玄師 · Беларусь · ñandú 🎶", genres: null, followers: 12, popularity: 50, artist_url: "" },
];

const entry = (position: number, added_at: Date | null): Row => ({ playlist_id: "p1", position, song_id: `s${position}`, added_at, added_by: null });

/** Reads a CSV file with DuckDB's parser, every column as text, quoted empty fields kept as "". */
async function readCsvAsText(file: string): Promise<Record<string, unknown>[]> {
  const instance = await DuckDBInstance.create(":memory:");
  const connection = await instance.connect();
  try {
    const sql = `SELECT * FROM read_csv('${file}', header = true, all_varchar = true, quote = '"', escape = '"', allow_quoted_nulls = false)`;
    return (await connection.runAndReadAll(sql)).getRowObjectsJS();
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

describe("encodeCsv", () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), "formats-csv-"));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("writes a header and RFC 4180 quoting that a CSV parser reads back, line breaks as U+2028 (Athena reads no line break)", async () => {
    const bytes = encodeCsv("artists", tricky);
    const text = Buffer.from(bytes).toString("utf8");
    expect(text.split("\n")[0]).to.equal(TABLES.artists.map((c) => c.name).join(","));
    expect(text).to.include('"Tyler, the ""Creator"""');
    expect(text).to.include("Line one\u2028line two\u2028three");
    expect(text.split("\n")).to.have.length(tricky.length + 2);
    const file = path.join(dir, "artists.csv");
    writeFileSync(file, bytes);
    const records = await readCsvAsText(file);
    expect(records.map((r) => r.artist_name)).to.deep.equal(tricky.map((r) => (r.artist_name as string).replace(/\r\n|\n/g, "\u2028")));
    expect(records.map((r) => r.genres)).to.deep.equal(['["hip hop","rap, west coast"]', "[]", null]);
    expect(records.map((r) => r.followers)).to.deep.equal(["9007199254740991", null, "12"]);
    expect(records.map((r) => r.artist_url)).to.deep.equal(["https://open.spotify.com/artist/a1", null, ""]);
  });

  it("keeps non-Latin text as UTF-8 bytes, without a BOM", () => {
    const bytes = Buffer.from(encodeCsv("artists", tricky));
    expect(bytes.subarray(0, 3).toString("hex")).to.not.equal("efbbbf");
    expect(bytes.includes(Buffer.from("米津玄師 · Беларусь · ñandú 🎶", "utf8"))).to.equal(true);
  });

  it("writes null as an empty field and an empty string as a quoted one", () => {
    const text = Buffer.from(encodeCsv("artists", tricky)).toString("utf8");
    expect(text.trimEnd().split("\n").pop()).to.equal('p1,a3,米津玄師 · Беларусь · ñandú 🎶,,12,50,""');
  });

  it("doubles a backslash and quotes its field (OpenCSVSerDe's escape character)", () => {
    const rows: Row[] = [{ playlist_id: "p", playlist_name: "¯\\_(ツ)_/¯", owner_id: "\\o", spotify_snapshot_id: 'a\\"b', total_items: 1 }];
    expect(Buffer.from(encodeCsv("playlists", rows)).toString().split("\n")[1]).to.equal('p,"¯\\\\_(ツ)_/¯","\\\\o","a\\\\""b",1');
  });

  it("writes booleans as true/false and timestamps as UTC epoch milliseconds", () => {
    const songs: Row[] = [
      { playlist_id: "p", song_id: "s", song_name: "n", duration_ms: 1, explicit: true, popularity: null, isrc: null, disc_number: 1, track_number: 2, album_id: "al", song_url: null },
    ];
    expect(Buffer.from(encodeCsv("songs", songs)).toString().split("\n")[1]).to.equal("p,s,n,1,true,,,1,2,al,");
    const tracks = [entry(1, new Date("2024-02-29T23:05:09.007Z")), entry(3, null)];
    expect(Buffer.from(encodeCsv("playlist_tracks", tracks)).toString()).to.equal(
      "playlist_id,position,song_id,added_at,added_by\np1,1,s1,1709247909007,\np1,3,s3,,\n",
    );
  });

  it("writes just the header for a table without rows", () => {
    expect(Buffer.from(encodeCsv("song_artists", [])).toString()).to.equal("playlist_id,song_id,artist_id,artist_position\n");
  });

  it("refuses a row that does not fit the table, naming table, row and column", () => {
    expect(() => encodeCsv("playlist_tracks", [entry(1, null), { ...entry(2, null), position: "2" }])).to.throw(
      /playlist_tracks, row 1, column position/,
    );
    expect(() => encodeCsv("playlist_tracks", [{ ...entry(1, null), song_id: null }])).to.throw(/column song_id/);
  });
});

describe("encodeParquet", () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), "formats-"));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("writes typed columns that read back as the same values", () => {
    const bytes = encodeParquet("artists", tricky);
    const table = arrow.tableFromIPC(parquetWasm.readParquet(bytes).intoIPCStream());
    const types = Object.fromEntries(table.schema.fields.map((f) => [f.name, String(f.type)]));
    expect(types).to.deep.equal({
      playlist_id: "Utf8",
      artist_id: "Utf8",
      artist_name: "Utf8",
      genres: "List<Utf8>",
      followers: "Int64",
      popularity: "Int32",
      artist_url: "Utf8",
    });
    const rows = table.toArray().map((r) => {
      const o = r.toJSON() as Record<string, unknown>;
      return { ...o, genres: o.genres === null ? null : [...(o.genres as Iterable<string>)], followers: o.followers === null ? null : Number(o.followers) };
    });
    expect(rows).to.deep.equal(tricky);
  });

  it("is Snappy-compressed, with UTC millisecond timestamps and REQUIRED non-nullable columns", async () => {
    const file = path.join(dir, "t.parquet");
    writeFileSync(file, encodeParquet("playlist_tracks", [entry(1, new Date("2024-02-29T23:05:09.007Z")), entry(2, null)]));
    const instance = await DuckDBInstance.create(":memory:");
    const connection = await instance.connect();
    try {
      const meta = (await connection.runAndReadAll(`SELECT DISTINCT compression FROM parquet_metadata('${file}')`)).getRowObjectsJS();
      expect(meta).to.deep.equal([{ compression: "SNAPPY" }]);
      // A dictionary for the columns with few values per file (ColumnDef.fewValues), plain values for the others.
      const encodings = (await connection.runAndReadAll(`SELECT path_in_schema AS name, encodings FROM parquet_metadata('${file}') ORDER BY column_id`)).getRowObjectsJS();
      const dictionary = encodings.filter((r) => String(r.encodings).includes("DICTIONARY")).map((r) => r.name);
      expect(dictionary).to.deep.equal(TABLES.playlist_tracks.filter((c) => "fewValues" in c && c.fewValues).map((c) => c.name));
      expect(dictionary).to.deep.equal(["playlist_id", "added_by"]);
      const schema = (await connection.runAndReadAll(`SELECT name, repetition_type, logical_type FROM parquet_schema('${file}') WHERE name IN ('position', 'added_at')`)).getRowObjectsJS();
      expect(schema.find((r) => r.name === "position")?.repetition_type).to.equal("REQUIRED");
      expect(String(schema.find((r) => r.name === "added_at")?.logical_type)).to.match(/isAdjustedToUTC=1.*MILLIS=MilliSeconds/);
      const rows = (await connection.runAndReadAll(`SELECT position, epoch_ms(added_at) AS ms FROM '${file}' ORDER BY position`)).getRowObjectsJS();
      expect(rows).to.deep.equal([
        { position: 1, ms: BigInt(Date.parse("2024-02-29T23:05:09.007Z")) },
        { position: 2, ms: null },
      ]);
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
  });

  it("gives identical bytes for the same rows, and a readable file for no rows", () => {
    expect(Buffer.from(encodeParquet("artists", tricky)).equals(Buffer.from(encodeParquet("artists", JSON.parse(JSON.stringify(tricky)))))).to.equal(true);
    const empty = arrow.tableFromIPC(parquetWasm.readParquet(encodeParquet("songs", [])).intoIPCStream());
    expect(empty.numRows).to.equal(0);
    expect(empty.schema.fields.map((f) => f.name)).to.deep.equal(TABLES.songs.map((c) => c.name));
  });

  it("refuses a row that does not fit the table", () => {
    expect(() => encodeParquet("artists", [{ ...tricky[0], followers: 1.5 }])).to.throw(/artists, row 0, column followers/);
  });
});
