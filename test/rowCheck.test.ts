/**
 * Rows typed from their tables: the row check at run time, and the row types at compile time
 * (`npx tsc --noEmit` type-checks this file; each @ts-expect-error fails the build if the
 * line below it ever compiles).
 */
import { expect } from "chai";
import { assertRowsFit, assertTablesFit, fits, RowDoesNotFitError } from "../lib/formats/rowCheck";
import type { Cell, ColumnDef, ColumnType, Row, RowOf, TableRows } from "../lib/tables/schema";

const song = (): RowOf<"songs"> => ({
  playlist_id: "p",
  song_id: "s1",
  song_name: "A song",
  duration_ms: 200_000,
  explicit: false,
  popularity: null,
  isrc: "USRC17607839",
  disc_number: 1,
  track_number: 1,
  album_id: "al",
  song_url: null,
});

describe("row types derived from lib/tables/schema.ts", () => {
  it("refuse a misspelt, a missing or a mistyped column at compile time", () => {
    // @ts-expect-error isrcc is not a column of songs
    const misspelt: RowOf<"songs"> = { playlist_id: "p", song_id: "s", song_name: "n", duration_ms: 1, explicit: false, popularity: null, isrcc: "X", disc_number: 1, track_number: 1, album_id: "a", song_url: null };
    // @ts-expect-error isrcc is not a column of songs, even beside isrc
    const extra: RowOf<"songs"> = { ...song(), isrcc: "X" };
    // @ts-expect-error a row names every column: isrc is missing
    const missing: RowOf<"songs"> = { playlist_id: "p", song_id: "s", song_name: "n", duration_ms: 1, explicit: false, popularity: null, disc_number: 1, track_number: 1, album_id: "a", song_url: null };
    // @ts-expect-error duration_ms is an int32 column: a number, never a string
    const mistyped: RowOf<"songs"> = { ...song(), duration_ms: "200000" };
    // @ts-expect-error song_name is not nullable
    const notNullable: RowOf<"songs"> = { ...song(), song_name: null };
    const tables: Partial<TableRows> = { songs: [song()] };
    // @ts-expect-error a songs row is not a playlists row
    const wrongTable: Partial<TableRows> = { playlists: [song()] };
    // The same rows are refused at run time too, when they come from untyped code (see below).
    expect([misspelt, extra, missing, mistyped, notNullable, wrongTable].length).to.equal(6);
    expect(tables.songs).to.have.length(1);
  });
});

describe("row check", () => {
  const check = (row: Record<string, unknown>) => () => assertRowsFit("songs", [song(), row as Row]);

  it("passes rows that fit, and returns the table's columns", () => {
    expect(assertRowsFit("songs", [song()]).map((c) => c.name)).to.include("isrc");
  });

  it("refuses an unknown column (a misspelling), naming it and the real columns", () => {
    const { isrc, ...rest } = song();
    expect(isrc).to.be.a("string");
    expect(check({ ...rest, isrc: null, isrcc: "X" })).to.throw(RowDoesNotFitError, /^Table songs, row 1, column isrcc: not a column of songs \(its columns: playlist_id, song_id, .*isrc/);
  });

  it("refuses a missing column, even a nullable one: null is written, never implied", () => {
    const { isrc, ...rest } = song();
    expect(isrc).to.be.a("string");
    expect(check(rest)).to.throw(RowDoesNotFitError, /column isrc: missing \(song_id "s1", album_id "al"\)/);
  });

  it("refuses integers outside their column's range, at the edges", () => {
    expect(check({ ...song(), duration_ms: 2 ** 31 - 1 })).not.to.throw();
    expect(check({ ...song(), duration_ms: 2 ** 31 })).to.throw(/column duration_ms: 2147483648 is not an int32 \(an integer from -2147483648 to 2147483647\)/);
    expect(check({ ...song(), track_number: -(2 ** 31) - 1 })).to.throw(/column track_number: -2147483649 is not an int32/);
    expect(check({ ...song(), popularity: 1.5 })).to.throw(/column popularity: 1.5 is not null or an int32/);
    const artist = { playlist_id: "p", artist_id: "a", artist_name: "n", genres: null, popularity: null, artist_url: null };
    expect(() => assertRowsFit("artists", [{ ...artist, followers: Number.MAX_SAFE_INTEGER }])).not.to.throw();
    expect(() => assertRowsFit("artists", [{ ...artist, followers: 2 ** 60 }])).to.throw(/column followers: 1152921504606847000 is not null or an int64 held exactly/);
  });

  it("checks every table, and names the first row that does not fit", () => {
    const empty = { playlists: [], playlist_tracks: [], songs: [song(), { ...song(), song_id: "s2", duration_ms: 3e9 }], song_artists: [], albums: [], artists: [] };
    let error: unknown;
    try {
      assertTablesFit(empty);
    } catch (err) {
      error = err;
    }
    expect(error).to.be.instanceOf(RowDoesNotFitError);
    expect(error).to.deep.include({ table: "songs", rowIndex: 1, column: "duration_ms" });
  });
});

describe("fits: the rule of each column type", () => {
  const column = (type: ColumnType, nullable = false): ColumnDef => ({ name: "v", type, nullable });

  it("takes integers within their type's range only, and null only where the column is nullable", () => {
    expect([2 ** 31 - 1, -(2 ** 31), 0].map((v) => fits(column("int32"), v))).to.deep.equal([true, true, true]);
    expect([2 ** 31, -(2 ** 31) - 1, 1.5, NaN, Infinity, "1"].map((v) => fits(column("int32"), v as Cell))).to.deep.equal([false, false, false, false, false, false]);
    expect([Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER].map((v) => fits(column("int64"), v))).to.deep.equal([true, true]);
    expect([Number.MAX_SAFE_INTEGER + 1, 2 ** 60, 10n].map((v) => fits(column("int64"), v as unknown as Cell))).to.deep.equal([false, false, false]);
    expect(fits(column("string"), null)).to.equal(false);
    expect(fits(column("string", true), null)).to.equal(true);
  });

  it("takes valid dates, booleans and lists of strings only", () => {
    expect(fits(column("timestamp"), new Date(0))).to.equal(true);
    expect(fits(column("timestamp"), new Date(Number.NaN))).to.equal(false);
    expect(fits(column("boolean"), false)).to.equal(true);
    expect(fits(column("boolean"), 0 as unknown as Cell)).to.equal(false);
    expect(fits(column("string_list"), [])).to.equal(true);
    expect(fits(column("string_list"), ["a", 1] as unknown as Cell)).to.equal(false);
  });
});
