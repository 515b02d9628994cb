/**
 * Properties of the transform on generated raw snapshots (fast-check):
 * - valid entries, with names full of quotes, commas, backslashes, line breaks and astral
 *   characters, nulls wherever the schemas allow them and numbers at their types' edges, give
 *   rows that DuckDB reads back equal from the Parquet tables and, as Athena reads them
 *   (test/support/csvAsAthena.ts), from the CSV tables of the local catalog (openLake);
 * - an entry broken in one field rejects the snapshot with a reason that names that field, and
 *   writes no table.
 */
import { expect } from "chai";
import fc from "fast-check";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { catalogTableName, rawSnapshotKey, TRANSFORMED_PREFIX } from "../lib/lake/layout";
import { openLake, plainValue } from "../lib/query/lakeDb";
import { stringifyInLines } from "../lib/snapshot/jsonInLines";
import { RAW_SNAPSHOT_FORMAT } from "../lib/snapshot/rawSnapshot";
import { LocalStore } from "../lib/storage/localStore";
import { TABLE_NAMES, TABLES, type Row, type TableName } from "../lib/tables/schema";
import { snapshotToTables } from "../lib/transform/toTables";
import { transformRawObject } from "../lib/transform/transformObject";
import { asReadFromCsv } from "./support/csvAsAthena";

const DATE = "2026-11-20";
const PLAYLIST_ID = "1Cp6VQCKf2VL4sP09jN9oX";
const FINISHED_AT = "2026-11-20T06:00:04.000Z";
const INT32_MAX = 2 ** 31 - 1;
const INT32_MIN = -(2 ** 31);

type Json = Record<string, unknown>;

/** Text that breaks naive CSV and naive encoders, among ordinary characters (no lone surrogates: they are not UTF-8). */
const text = fc.string({
  unit: fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(",", '"', "\\", "\n", "\r", "\r\n", "\u2028", "😀", "𝄞", "é", "東", " ", "'", ";", "\t") },
    { weight: 4, arbitrary: fc.string({ unit: "grapheme-ascii", minLength: 1, maxLength: 1 }) },
    { weight: 1, arbitrary: fc.string({ unit: "grapheme", minLength: 1, maxLength: 1 }) },
  ),
  maxLength: 16,
});
/** Ids from a small pool, so songs, albums and artists repeat across entries. */
const id = (prefix: string) => fc.constantFrom(...[0, 1, 2, 3, 4].map((i) => `${prefix}${i}`));
const int32 = fc.oneof(fc.constantFrom(0, 1, INT32_MAX), fc.integer({ min: 0, max: INT32_MAX }));
const signedInt32 = fc.oneof(fc.constantFrom(INT32_MIN, -1, 0, INT32_MAX), fc.integer({ min: INT32_MIN, max: INT32_MAX }));
const urls = fc.option(fc.record({ spotify: text }, { requiredKeys: [] }), { nil: undefined });

const simpleArtist = fc.record({ id: id("artist"), name: text, external_urls: urls }, { requiredKeys: ["id", "name"] });
const album = fc.record(
  {
    id: id("album"),
    name: text,
    album_type: fc.constantFrom("album", "single", "compilation", ""),
    total_tracks: int32,
    release_date: fc.oneof(fc.constantFrom("1999", "1999-07", "1999-07-14", "0000"), text),
    release_date_precision: fc.constantFrom("year", "month", "day"),
    artists: fc.array(simpleArtist, { maxLength: 2 }),
    external_urls: urls,
  },
  { requiredKeys: ["id", "name", "album_type", "total_tracks", "release_date", "release_date_precision", "artists"] },
);
const track = fc.record(
  {
    type: fc.constant("track"),
    id: id("song"),
    name: text,
    duration_ms: int32,
    explicit: fc.boolean(),
    disc_number: signedInt32,
    track_number: signedInt32,
    popularity: fc.option(fc.integer({ min: 0, max: 100 })),
    external_ids: fc.option(fc.record({ isrc: fc.option(text) }, { requiredKeys: [] })),
    external_urls: urls,
    album,
    artists: fc.array(simpleArtist, { minLength: 1, maxLength: 3 }),
  },
  { requiredKeys: ["type", "id", "name", "duration_ms", "explicit", "disc_number", "track_number", "album", "artists"] },
);
/** An RFC 3339 time from the epoch to the extraction's end, null, empty or missing. */
const addedAt = fc.option(fc.oneof(fc.date({ min: new Date(0), max: new Date(FINISHED_AT), noInvalidDate: true }).map((d) => d.toISOString()), fc.constant("")), { nil: undefined, freq: 4 });
const trackEntry = fc.record(
  { added_at: fc.option(addedAt), added_by: fc.option(fc.record({ id: fc.option(text) })), item: track },
  { requiredKeys: ["item"] },
);
/** Entries Spotify sends that the tables skip: a null item, a local file, an episode. */
const skippedEntry = fc.constantFrom<Json>({ item: null }, { is_local: true, item: { type: "track", is_local: true } }, { item: { type: "episode", id: "e" } });
const fullArtist = fc.record(
  {
    id: id("artist"),
    name: text,
    genres: fc.option(fc.array(text, { maxLength: 3 })),
    popularity: fc.option(fc.integer({ min: 0, max: 100 })),
    followers: fc.option(fc.record({ total: fc.option(fc.oneof(fc.constantFrom(0, Number.MAX_SAFE_INTEGER), fc.nat())) })),
    external_urls: urls,
  },
  { requiredKeys: ["id", "name"] },
);

const snapshotOf = (entries: Json[], artists: Json[], albums: Json[], name: string): Json => ({
  format: RAW_SNAPSHOT_FORMAT,
  snapshot_date: DATE,
  playlist_id: PLAYLIST_ID,
  playlist: { id: PLAYLIST_ID, name, snapshot_id: "snap", owner: { id: "owner" } },
  entries,
  artists: [...new Map(artists.map((a) => [a.id, a])).values()],
  albums: [...new Map(albums.map((a) => [a.id, a])).values()],
  extraction: {
    started_at: "2026-11-20T06:00:00.000Z",
    finished_at: FINISHED_AT,
    auth_mode: "sample",
    calls: { token: 1 },
    retries: 0,
    http_429: 0,
    skipped: { null_items: 0, local_files: 0, episodes: 0 },
    response_shape: "items",
    enrichment_mode: "single",
  },
});

const snapshot = fc
  .tuple(fc.array(fc.oneof({ weight: 5, arbitrary: trackEntry }, { weight: 1, arbitrary: skippedEntry }), { maxLength: 8 }), fc.array(fullArtist, { maxLength: 3 }), fc.array(album, { maxLength: 2 }), text)
  .map(([entries, artists, albums, name]) => snapshotOf(entries as Json[], artists as Json[], albums as Json[], name));

/** A row as the local catalog returns it (plainValue: timestamps as ISO text, BIGINT as numbers). */
const asQueried = (table: TableName, row: Row, read: "parquet" | "csv") =>
  Object.fromEntries(
    TABLES[table].map((c) => {
      const value = read === "csv" ? asReadFromCsv(c.type, row[c.name]) : row[c.name];
      return [c.name, plainValue(value)];
    }),
  );
const sorted = (rows: unknown[]) => rows.map((r) => JSON.stringify(r)).sort();

async function inLake<T>(body: string, use: (store: LocalStore, key: string, dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(path.join(tmpdir(), "transform-property-"));
  try {
    const store = new LocalStore(dir);
    const key = rawSnapshotKey(DATE, PLAYLIST_ID);
    await store.put(key, body);
    return await use(store, key, dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe("the transform on generated snapshots (fast-check)", function () {
  this.timeout(120_000);

  it("writes rows that read back equal from Parquet and, as Athena reads CSV, from CSV (DuckDB)", async () => {
    await fc.assert(
      fc.asyncProperty(snapshot, fc.boolean(), async (doc, inLines) => {
        const rows = snapshotToTables(doc as never);
        const entries = doc.entries as Json[];
        const tracks = entries.filter((e) => e.item && (e.item as Json).type === "track" && !e.is_local);
        expect(rows.playlist_tracks.map((r) => r.position)).to.deep.equal(entries.flatMap((e, i) => (tracks.includes(e) ? [i + 1] : [])));
        expect(rows.songs.map((s) => s.song_id)).to.deep.equal([...new Set(tracks.map((e) => (e.item as Json).id as string))].sort());
        await inLake(inLines ? stringifyInLines(doc) : JSON.stringify(doc), async (store, key, dir) => {
          const outcome = await transformRawObject(store, key);
          expect(outcome.status, outcome.status === "rejected" ? outcome.reason : "").to.equal("transformed");
          const db = await openLake(dir);
          try {
            for (const table of TABLE_NAMES) {
              const columns = TABLES[table].map((c) => `"${c.name}"`).join(", ");
              for (const read of ["parquet", "csv"] as const) {
                const back = await db.query(`SELECT ${columns} FROM ${catalogTableName(read, table)}`);
                expect(sorted(back), `${read} ${table}`).to.deep.equal(sorted(rows[table].map((r) => asQueried(table, r as Row, read))));
              }
            }
          } finally {
            db.close();
          }
        });
      }),
      { numRuns: 25 },
    );
  });

  /** One field of the first track entry broken, and what the reason must name. */
  const BREAKS: [string, (entry: Json) => void, RegExp][] = [
    ["a negative duration", (e) => ((e.item as Json).duration_ms = -1), /entries\[\d+\]\.item\.duration_ms/],
    ["a name that is a number", (e) => ((e.item as Json).name = 5), /entries\[\d+\]\.item\.name/],
    ["an unknown release date precision", (e) => (((e.item as Json).album as Json).release_date_precision = "week"), /entries\[\d+\]\.item\.album\.release_date_precision/],
    ["a track without artists", (e) => ((e.item as Json).artists = []), /entries\[\d+\]\.item\.artists/],
    ["an added_by that is a string", (e) => (e.added_by = "me"), /entries\[\d+\]\.added_by/],
    ["an added_at that is not RFC 3339", (e) => (e.added_at = "March 7"), /entries\[\d+\]\.added_at: "March 7" is not an RFC 3339 timestamp/],
    ["an added_at after the extraction", (e) => (e.added_at = "2026-11-22T00:00:00Z"), /entries\[\d+\]\.added_at: .* is outside the accepted range/],
    ["a disc number beyond int32", (e) => ((e.item as Json).disc_number = INT32_MAX + 1), /column disc_number: 2147483648 is not an int32/],
  ];

  it("rejects a snapshot with an entry broken in one field, naming the field, and writes no table", async () => {
    await fc.assert(
      fc.asyncProperty(snapshot, trackEntry, fc.nat(), fc.constantFrom(...BREAKS), fc.boolean(), async (doc, extra, at, [, breakIt, names], inLines) => {
        const entries = doc.entries as Json[];
        const broken = JSON.parse(JSON.stringify(extra)) as Json;
        (broken.item as Json).id = "broken-song"; // its own song: its row is the one written
        breakIt(broken);
        entries.splice(at % (entries.length + 1), 0, broken);
        await inLake(inLines ? stringifyInLines(doc) : JSON.stringify(doc), async (store, key) => {
          const outcome = await transformRawObject(store, key);
          expect(outcome.status).to.equal("rejected");
          if (outcome.status === "rejected") expect(outcome.reason).to.match(names);
          expect(await store.list(TRANSFORMED_PREFIX)).to.deep.equal([]);
        });
      }),
      { numRuns: 40 },
    );
  });
});
