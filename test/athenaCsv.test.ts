/**
 * What Athena reads from the CSV tables, and from the Parquet tables, equals what the transform
 * wrote. The CSV side goes through test/support/openCsvSerde.ts (a port of OpenCSVSerDe's
 * documented and source behaviour) with the Glue definitions of lib/tables/glueSchema.ts, fed the
 * writer's real bytes; the local DuckDB catalog must read the same values.
 */
import { expect } from "chai";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { encodeCsv } from "../lib/formats/csv";
import { encodeParquet } from "../lib/formats/parquet";
import { catalogTableName, rawSnapshotKey, tableFileKey } from "../lib/lake/layout";
import { openLake, plainValue } from "../lib/query/lakeDb";
import { LocalStore } from "../lib/storage/localStore";
import { glueColumns, glueStorage, glueTableParameters } from "../lib/tables/glueSchema";
import { TABLE_NAMES, TABLES, type Cell, type ColumnDef, type Row, type TableName } from "../lib/tables/schema";
import { transformAll } from "../lib/transform/transformObject";
import { asReadFromCsv } from "./support/csvAsAthena";
import { HiveBadDataError, readOpenCsv, textLines, type AthenaValue, type OpenCsvTable } from "./support/openCsvSerde";
import { editTrack, recordedEntries, recordedSnapshot, TO_FIND_ID } from "./support/snapshots";

const athenaCsvTable = (table: TableName): OpenCsvTable => ({
  columns: glueColumns("csv", table),
  serdeParameters: glueStorage("csv").serdeParameters,
  tableParameters: glueTableParameters("csv"),
});

/** The value Athena should return for a written cell (test/support/csvAsAthena.ts), BIGINTs as bigint. */
function athenaCsvValue(column: ColumnDef, value: Cell | undefined): AthenaValue {
  const read = asReadFromCsv(column.type, value);
  return column.type === "int64" && read !== null ? BigInt(read as number) : (read as AthenaValue);
}

const athenaCsvRows = (table: TableName, rows: readonly Row[]) =>
  rows.map((row) => Object.fromEntries(TABLES[table].map((c) => [c.name, athenaCsvValue(c, row[c.name])])));

/** Texts that break naive CSV: separators, quotes, the escape character, line breaks, look-alikes of null and numbers. */
const NASTY_TEXT = [
  'Tyler, the "Creator"',
  '"',
  '""',
  '"quoted"',
  ",",
  'a,b,"c"',
  "back\\slash",
  "\\",
  "\\\\",
  "ends with \\",
  "\\starts",
  '\\"',
  '"\\',
  "¯\\_(ツ)_/¯",
  "line one\nline two",
  "crlf\r\nbreak",
  "cr\ronly",
  "\n",
  "  leading and trailing  ",
  '  "whitespace then quote"',
  'x"y',
  "\\N",
  "NULL",
  "",
  "123",
  "true",
  "米津玄師 · Беларусь · ñandú 🎶",
  "\ttab",
  '["a","b"]',
  "a\u2028b",
];
const NASTY_LISTS: (string[] | null)[] = [[], null, ["a,b"], ['rock "n" roll'], ["back\\slash"], ["line\nbreak"], ["", ""], ["米", "\\"]];
const INT32S = [0, -1, 2_147_483_647, -2_147_483_648, 7];
const INT64S = [9_007_199_254_740_991, 0, -9_007_199_254_740_991, 12];
const TIMESTAMPS = [new Date(0), new Date(-1), new Date("2024-02-29T23:05:09.007Z"), new Date("2099-12-31T23:59:59.999Z")];

/** Rows of any table from its definition: every column cycles through the nasty values, nullable ones through null too. */
function nastyRows(table: TableName, count = NASTY_TEXT.length * 2): Row[] {
  const columns: readonly ColumnDef[] = TABLES[table];
  return Array.from({ length: count }, (_, i) =>
    Object.fromEntries(
      columns.map((c, j): [string, Cell] => {
        const k = i + 3 * j;
        if (c.nullable && k % 5 === 0) return [c.name, null];
        switch (c.type) {
          case "string":
            return [c.name, NASTY_TEXT[k % NASTY_TEXT.length]];
          case "string_list":
            return [c.name, NASTY_LISTS[k % NASTY_LISTS.length] ?? (c.nullable ? null : [])];
          case "int32":
            return [c.name, INT32S[k % INT32S.length]];
          case "int64":
            return [c.name, INT64S[k % INT64S.length]];
          case "boolean":
            return [c.name, k % 2 === 0];
          case "timestamp":
            return [c.name, TIMESTAMPS[k % TIMESTAMPS.length]];
        }
      }),
    ),
  );
}

describe("OpenCSVSerDe model (test/support/openCsvSerde.ts) follows the documentation and source", () => {
  const strings = (n: number): OpenCsvTable => ({
    columns: Array.from({ length: n }, (_, i) => ({ name: `col${i + 1}`, type: "string" })),
    serdeParameters: { separatorChar: ",", quoteChar: '"', escapeChar: "\\" },
    tableParameters: {},
  });
  const read = (text: string, table: OpenCsvTable) => readOpenCsv(Buffer.from(text, "utf8"), table);

  it("reads the guide's example table: quoted values unquoted", () => {
    const text = '"a1","a2","a3","a4"\n"1","2","abc","def"\n"a","a1","abc3","ab4"\n';
    expect(read(text, strings(4)).map((r) => Object.values(r))).to.deep.equal([
      ["a1", "a2", "a3", "a4"],
      ["1", "2", "abc", "def"],
      ["a", "a1", "abc3", "ab4"],
    ]);
  });

  it("reads the guide's UNIX numeric TIMESTAMP and DATE example", () => {
    const table: OpenCsvTable = {
      columns: [
        { name: "profile_id", type: "string" },
        { name: "creationdate", type: "date" },
        { name: "creationdatetime", type: "timestamp" },
      ],
      serdeParameters: {},
      tableParameters: {},
    };
    const [row] = read('"unixvalue creationdate 18276 creationdatetime 1579059880000","18276","1579059880000"\n', table);
    expect((row.creationdate as Date).toISOString().slice(0, 10)).to.equal("2020-01-15");
    expect((row.creationdatetime as Date).toISOString()).to.equal("2020-01-15T03:44:40.000Z");
  });

  it("reads the guide's 'Escaping \\t or \\n' example as the two-character text", () => {
    const [row] = read('" \\\\t\\\\t\\\\n 123 \\\\t\\\\t\\\\n ",abc\n', strings(2));
    expect(row).to.deep.equal({ col1: " \\t\\t\\n 123 \\t\\t\\n ", col2: "abc" });
  });

  it("fails an empty or non-numeric INT with HIVE_BAD_DATA, or reads NULL with use.null.for.invalid.data", () => {
    const columns = [
      { name: "name", type: "string" },
      { name: "n", type: "int" },
    ];
    expect(() => read("a,\n", { columns, serdeParameters: {}, tableParameters: {} })).to.throw(HiveBadDataError, /HIVE_BAD_DATA/);
    expect(() => read("a,2024-01-01 00:00:00\n", { columns: [columns[0], { name: "t", type: "timestamp" }], serdeParameters: {}, tableParameters: {} })).to.throw(
      HiveBadDataError,
    );
    const lenient = { columns, serdeParameters: {}, tableParameters: { "use.null.for.invalid.data": "true" } };
    expect(read("a,\nb,x\nc,42\n", lenient)).to.deep.equal([
      { name: "a", n: null },
      { name: "b", n: null },
      { name: "c", n: 42 },
    ]);
  });

  it("follows CsvDeserializer: a lone escape is dropped, escape or doubled quote gives the character, no null marker", () => {
    expect(read('"a\\bc","x""y","\\\\","\\"",,""\n', strings(6))).to.deep.equal([{ col1: "abc", col2: 'x"y', col3: "\\", col4: '"', col5: "", col6: "" }]);
    // Only a field missing from the line is null; fields past the last column are dropped.
    expect(read("a,b\nx,y,z\n", strings(3))).to.deep.equal([
      { col1: "a", col2: "b", col3: null },
      { col1: "x", col2: "y", col3: "z" },
    ]);
    // The source's "tricky case of an embedded quote in the middle", and a quote after leading whitespace.
    expect(read('a,bc"d"ef,g\nx,  "y",z\n', strings(3))).to.deep.equal([
      { col1: "a", col2: 'bc"d"ef', col3: "g" },
      { col1: "x", col2: "y", col3: "z" },
    ]);
    // An escape character set to the quote is a backslash when reading (Hive's bug, kept by Trino).
    expect(read('"a\\bc"\n', { ...strings(1), serdeParameters: { escapeChar: '"' } })).to.deep.equal([{ col1: "abc" }]);
  });

  it("splits lines at \\n, \\r and \\r\\n before parsing, so a quoted line break breaks the row (the check can fail)", () => {
    expect(textLines(Buffer.from("\uFEFFa\nb\r\nc\rd", "utf8"))).to.deep.equal(["a", "b", "c", "d"]);
    const rows = read('"one\ntwo",x\n', strings(2));
    expect(rows).to.have.length(2);
    expect(rows[0]).to.deep.equal({ col1: null, col2: null });
  });
});

describe("CSV tables as Athena reads them (OpenCSVSerDe with lib/tables/glueSchema.ts)", () => {
  for (const table of TABLE_NAMES) {
    it(`csv_${table}: the values written, through every nasty text, null, extreme number and timestamp`, () => {
      const rows = nastyRows(table);
      const read = readOpenCsv(encodeCsv(table, rows), athenaCsvTable(table));
      expect(read).to.deep.equal(athenaCsvRows(table, rows));
    });
  }

  it("keeps NULL distinct from 0 and false for numbers and timestamps, and '' distinct from [] for lists", () => {
    const read = readOpenCsv(
      encodeCsv("artists", [{ playlist_id: "p", artist_id: "a", artist_name: "", genres: null, followers: null, popularity: 0, artist_url: null }]),
      athenaCsvTable("artists"),
    );
    expect(read).to.deep.equal([{ playlist_id: "p", artist_id: "a", artist_name: "", genres: "", followers: null, popularity: 0, artist_url: "" }]);
    const tracks = readOpenCsv(
      encodeCsv("playlist_tracks", [{ playlist_id: "p", position: 1, song_id: "s", added_at: null, added_by: null }]),
      athenaCsvTable("playlist_tracks"),
    );
    expect(tracks[0].added_at).to.equal(null);
  });

  it("would shift or break rows with the plain RFC 4180 dialect (why the writer escapes): the model tells them apart", () => {
    // What the previous writer emitted for a backslash and a line break.
    const rfc = Buffer.from('playlist_id,playlist_name,owner_id,spotify_snapshot_id,total_items\np,"a\\b",o,s,1\np,"one\ntwo",o,s,2\n');
    const read = readOpenCsv(rfc, athenaCsvTable("playlists"));
    expect(read[0].playlist_name).to.equal("ab");
    expect(read).to.have.length(3);
  });

  it("reads the transform's real output for a snapshot full of awkward names equal to its Parquet twin", async function () {
    this.timeout(60000);
    const dir = mkdtempSync(path.join(tmpdir(), "athena-csv-"));
    try {
      const store = new LocalStore(dir);
      const [entry] = recordedEntries(TO_FIND_ID);
      const awkward = editTrack(entry, (t) => {
        t.name = 'All I Need, "Live"\r\nat Ahoy \\ ¯\\_(ツ)_/¯ – 東京';
        delete t.popularity;
        t.external_ids = { isrc: "" };
      });
      const snapshot = recordedSnapshot(TO_FIND_ID, {
        snapshotDate: "2026-11-21",
        entries: [awkward],
        artists: {
          "7zrkALJ9ayRjzysp4QYoEg": { id: "7zrkALJ9ayRjzysp4QYoEg", name: 'Maribou "State", \\ o/', genres: ['rock "n" roll', "a,b", "back\\slash"], followers: { total: 9_007_199_254_740_991 }, popularity: 0 },
          "6SKEuFZYhaTytrhtJjgnO2": { id: "6SKEuFZYhaTytrhtJjgnO2", name: "Andreya\nTriana", genres: [] },
        },
      });
      snapshot.playlist.name = 'To find, "the" \\ list\nsecond line';
      await store.put(rawSnapshotKey("2026-11-21", TO_FIND_ID), JSON.stringify(snapshot));
      const outcomes = await transformAll(store);
      expect(outcomes.map((o) => o.status)).to.deep.equal(["transformed"]);

      const instance = await DuckDBInstance.create(":memory:");
      const connection = await instance.connect();
      try {
        await connection.run("SET TimeZone = 'UTC'");
        for (const table of TABLE_NAMES) {
          const file = (format: "csv" | "parquet") => path.join(dir, tableFileKey(format, table, "2026-11-21", TO_FIND_ID));
          const parquetRows = (await connection.runAndReadAll(`SELECT * FROM read_parquet('${file("parquet")}')`)).getRowObjectsJS().map((r) => fromDuckParquet(table, r));
          const csvRows = readOpenCsv(readFileSync(file("csv")), athenaCsvTable(table));
          expect(parquetRows.length, table).to.be.greaterThan(0);
          expect(csvRows, table).to.deep.equal(athenaCsvRows(table, parquetRows));
        }
      } finally {
        connection.closeSync();
        instance.closeSync();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** A Parquet row from DuckDB back to the transform's cell types (lists as string arrays, int64 as numbers). */
function fromDuckParquet(table: TableName, row: Record<string, unknown>): Row {
  return Object.fromEntries(
    TABLES[table].map((c): [string, Cell] => {
      const v = row[c.name];
      if (v === null || v === undefined) return [c.name, null];
      if (c.type === "int64") return [c.name, Number(v as bigint)];
      return [c.name, v as Cell];
    }),
  );
}

/** DuckDB's type for each Hive type glueColumns gives (Parquet's timestamps are UTC instants: TIMESTAMPTZ). */
const DUCK_TYPE_OF_HIVE: Record<string, string> = {
  string: "VARCHAR",
  int: "INTEGER",
  bigint: "BIGINT",
  boolean: "BOOLEAN",
  timestamp: "TIMESTAMP WITH TIME ZONE",
  "array<string>": "VARCHAR[]",
};

/**
 * The Parquet physical type and annotation each Hive type of glueColumns reads (Apache Parquet
 * LogicalTypes.md: STRING is UTF8 on BYTE_ARRAY, TIMESTAMP(MILLIS) on INT64, LIST a 3-level group;
 * Athena guide "Data types in Amazon Athena" for the Hive side).
 */
const PARQUET_OF_HIVE: Record<string, [string | null, string | null]> = {
  string: ["BYTE_ARRAY", "UTF8"],
  int: ["INT32", null],
  bigint: ["INT64", null],
  boolean: ["BOOLEAN", null],
  timestamp: ["INT64", "TIMESTAMP_MILLIS"],
  "array<string>": [null, "LIST"],
};

describe("Parquet tables read back (DuckDB) as written, with the types of glueColumns", () => {
  let dir: string;
  let instance: DuckDBInstance;
  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "athena-parquet-"));
    instance = await DuckDBInstance.create(":memory:");
  });
  after(() => {
    instance.closeSync();
    rmSync(dir, { recursive: true, force: true });
  });

  for (const table of TABLE_NAMES) {
    it(`${table}: same rows, same column names and types as the Glue table`, async () => {
      const rows = nastyRows(table);
      const file = path.join(dir, `${table}.parquet`);
      writeFileSync(file, encodeParquet(table, rows));
      const connection = await instance.connect();
      try {
        await connection.run("SET TimeZone = 'UTC'");
        const described = (await connection.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet('${file}')`)).getRowObjectsJS();
        expect(described.map((d) => [d.column_name, d.column_type])).to.deep.equal(glueColumns("parquet", table).map((c) => [c.name, DUCK_TYPE_OF_HIVE[c.type]]));
        const physical = (await connection.runAndReadAll(`SELECT name, type, converted_type, repetition_type FROM parquet_schema('${file}')`)).getRowObjectsJS();
        const glue = glueColumns("parquet", table);
        expect(physical.filter((p) => glue.some((c) => c.name === p.name)).map((p) => [p.name, p.type, p.converted_type, p.repetition_type])).to.deep.equal(
          TABLES[table].map((c, i) => [c.name, ...PARQUET_OF_HIVE[glue[i].type], c.nullable ? "OPTIONAL" : "REQUIRED"]),
        );
        const read = (await connection.runAndReadAll(`SELECT * FROM read_parquet('${file}')`)).getRowObjectsJS().map((r) => fromDuckParquet(table, r));
        expect(read).to.deep.equal(rows.map((r) => Object.fromEntries(TABLES[table].map((c) => [c.name, r[c.name] ?? null]))));
      } finally {
        connection.closeSync();
      }
    });
  }
});

describe("The local catalog (openLake) reads csv_* tables as Athena does", () => {
  it("returns, for every table, what the OpenCSVSerDe model returns for the same files", async function () {
    this.timeout(60000);
    const dir = mkdtempSync(path.join(tmpdir(), "athena-local-"));
    try {
      for (const table of TABLE_NAMES) {
        const key = tableFileKey("csv", table, "2026-11-20", "p1");
        mkdirSync(path.dirname(path.join(dir, key)), { recursive: true });
        writeFileSync(path.join(dir, key), encodeCsv(table, nastyRows(table)));
      }
      const db = await openLake(dir);
      try {
        for (const table of TABLE_NAMES) {
          const csvDir = path.join(dir, tableFileKey("csv", table, "2026-11-20", "p1"), "..");
          const [file] = readdirSync(csvDir);
          const expected = readOpenCsv(readFileSync(path.join(csvDir, file)), athenaCsvTable(table)).map((r) => ({
            ...(plainValue(r) as Record<string, unknown>),
            snapshot_date: "2026-11-20",
          }));
          const names = TABLES[table].map((c) => `"${c.name}"`).join(", ");
          const local = await db.query(`SELECT ${names}, snapshot_date FROM ${catalogTableName("csv", table)}`);
          expect(local, table).to.deep.equal(expected);
        }
      } finally {
        db.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
