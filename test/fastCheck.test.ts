/**
 * lib/util/fastCheck: the hot path's yes/no check must answer exactly as zod does, on valid
 * values and on every kind of broken one, for the schemas the transform checks.
 */
import { expect } from "chai";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { z } from "zod";
import { fastCheck } from "../lib/util/fastCheck";
import { Album, Artist, PlaylistEntry, Playlist, Track } from "../lib/spotify/schemas";
import { RawSnapshot } from "../lib/snapshot/rawSnapshot";

type Json = unknown;
const fixture = (name: string) => JSON.parse(readFileSync(path.join(__dirname, "..", "fixtures", "spotify", name), "utf8")) as Record<string, Json>;

/** Values that break a field of some type: wrong types, edge numbers, empty things. */
const REPLACEMENTS: Json[] = [undefined, null, "", "x", "2026-01-01T00:00:00Z", -1, 0, 1.5, 2 ** 31, 2 ** 53, Number.NaN, true, false, [], ["a"], [1], {}, { total: "1" }];

/** Every path to a value inside `value` (objects and arrays, first 3 elements of an array). */
function paths(value: Json, prefix: (string | number)[] = []): (string | number)[][] {
  const out: (string | number)[][] = [prefix];
  if (Array.isArray(value)) value.slice(0, 3).forEach((v, i) => out.push(...paths(v, [...prefix, i])));
  else if (value && typeof value === "object") for (const [k, v] of Object.entries(value)) out.push(...paths(v, [...prefix, k]));
  return out;
}

function replaced(value: Json, at: (string | number)[], by: Json): Json {
  if (at.length === 0) return by;
  const copy = (Array.isArray(value) ? [...value] : { ...(value as object) }) as Record<string | number, Json>;
  if (by === undefined && at.length === 1 && !Array.isArray(value)) delete copy[at[0]];
  else copy[at[0]] = replaced(copy[at[0]], at.slice(1), by);
  return copy;
}

/** Checks agreement with zod on the value and on every single-field breakage of it; returns how many disagreed. */
function disagreements(schema: z.ZodType, value: Json): string[] {
  const check = fastCheck(schema);
  const out: string[] = [];
  const compare = (v: Json, what: string) => {
    if (check(v) !== schema.safeParse(v).success) out.push(what);
  };
  compare(value, "as is");
  compare({ ...(value as object), an_extra_key: 1 }, "extra key");
  for (const at of paths(value)) for (const by of REPLACEMENTS) compare(replaced(value, at, by), `${at.join(".")} = ${String(by)}`);
  return out;
}

describe("fastCheck answers as zod does", function () {
  this.timeout(60_000);
  const items = fixture("spotify-sdk-playlist-the-core.json");

  it("on tracks, entries and the playlist of a recorded response, and on each of them broken field by field", () => {
    const playlist = items as { tracks?: { items?: Record<string, Json>[] }; items?: { items?: Record<string, Json>[] } };
    const entries = (playlist.items?.items ?? playlist.tracks?.items ?? []).slice(0, 3);
    expect(entries.length).to.be.greaterThan(0);
    for (const entry of entries) {
      const track = entry.item ?? entry.track;
      expect(fastCheck(Track)(track), "a recorded track is valid").to.equal(true);
      expect(disagreements(Track, track)).to.deep.equal([]);
      expect(disagreements(PlaylistEntry, entry)).to.deep.equal([]);
    }
    expect(disagreements(Playlist, items)).to.deep.equal([]);
  });

  it("on artists and albums, full objects as the catalog endpoints return them", () => {
    const artist = fixture("joostlek-artist.json");
    const album = fixture("joostlek-get_album.json");
    expect(fastCheck(Artist)(artist)).to.equal(true);
    expect(fastCheck(Album)(album)).to.equal(true);
    expect(disagreements(Artist, artist)).to.deep.equal([]);
    expect(disagreements(Album, { ...album, tracks: undefined })).to.deep.equal([]);
  });

  it("on a whole raw snapshot's frame: records, ISO dates and datetimes", () => {
    const snapshot = {
      format: "spotify-pipeline/raw-snapshot@1",
      snapshot_date: "2026-11-25",
      playlist_id: "p1",
      playlist: { id: "p1", name: "n", snapshot_id: "s", owner: { id: "o" } },
      entries: [],
      artists: [],
      albums: [],
      extraction: {
        started_at: "2026-11-25T10:00:00Z",
        finished_at: "2026-11-25T10:01:00Z",
        auth_mode: "sample",
        calls: { token: 1 },
        retries: 0,
        http_429: 0,
        skipped: { null_items: 0, local_files: 0, episodes: 0 },
        response_shape: "items",
        enrichment_mode: "batch",
        fetched_on: { artists: { a1: "2026-11-25", a2: "2024-02-29" }, albums: { b1: "2026-11-24" } },
      },
    };
    expect(fastCheck(RawSnapshot)(snapshot)).to.equal(true);
    expect(disagreements(RawSnapshot, snapshot)).to.deep.equal([]);
  });

  it("on records and ISO formats at their edges: __proto__ and symbol keys, objects JSON.parse does not make, impossible dates", () => {
    const dates = z.record(z.string(), z.iso.date());
    const times = z.record(z.string(), z.iso.datetime());
    const withSymbol = { a: "2026-01-01", [Symbol("s")]: "x" };
    const cases: Json[] = [
      {},
      { a: "2026-01-01" },
      { a: "2026-02-29" },
      { a: "2024-02-29" },
      { a: "2026-13-01" },
      { a: "2026-1-01" },
      { a: " 2026-01-01" },
      { a: "2026-01-01T00:00:00Z" },
      { a: 20260101 },
      { a: null },
      JSON.parse('{"__proto__": "not a date", "b": "2026-01-01"}'),
      JSON.parse('{"__proto__": "2026-01-01", "b": "no"}'),
      withSymbol,
      Object.assign(Object.create(null), { a: "2026-01-01" }),
      Object.assign(Object.create(null), { a: "bad" }),
      new Map([["a", "2026-01-01"]]),
      new (class Box { a = "2026-01-01"; })(),
      ["2026-01-01"],
      "2026-01-01",
      null,
    ];
    for (const value of cases) expect(fastCheck(dates)(value), String(JSON.stringify(value))).to.equal(dates.safeParse(value).success);
    const stamps = ["2026-11-25T10:01:00Z", "2026-11-25T10:01:00.123Z", "2026-11-25T10:01:00+01:00", "2026-11-25 10:01:00Z", "2026-11-25T25:01:00Z", "2026-11-25T10:01Z", "2026-11-25"];
    for (const t of stamps) expect(fastCheck(times)({ t }), t).to.equal(times.safeParse({ t }).success);
  });

  it("on the kinds of schema it leaves to zod: refinements, transforms, strict objects, unions", () => {
    const schemas: [z.ZodType, Json[]][] = [
      [z.string().refine((s) => s.startsWith("a")), ["abc", "xbc", 1]],
      [z.strictObject({ a: z.number() }), [{ a: 1 }, { a: 1, b: 2 }, { a: "1" }]],
      [z.union([z.string().min(2), z.number().int().positive()]), ["ab", "a", 1, 0, 1.5, null]],
      [z.iso.datetime(), ["2026-11-25T10:00:00Z", "2026-11-25", "March 7"]],
      [z.string().regex(/^\d{4}$/g), ["2026", "2026", "20261"]],
      [z.int32(), [0, 2 ** 31, -(2 ** 31), 1.5]],
      [z.array(z.string()).min(1).max(2), [[], ["a"], ["a", "b", "c"], [1]]],
      [z.enum(["year", "month", "day"]), ["day", "week", null]],
      [z.record(z.string(), z.number()), [{ a: 1 }, { a: "1" }]],
    ];
    for (const [schema, values] of schemas) for (const v of values) expect(fastCheck(schema)(v), JSON.stringify(v)).to.equal(schema.safeParse(v).success);
  });

  it("on objects whose keys are not identifiers: a compiled object check reads them as string literals, never as code", () => {
    const keys = ['a"b', "c\\", "x\u2028y", "}); process.exit(1); ({", "__proto__x", ""];
    const schema = z.looseObject(Object.fromEntries(keys.map((k, i) => [k, i % 2 ? z.number() : z.string()])));
    const good = Object.fromEntries(keys.map((k, i) => [k, i % 2 ? i : `v${i}`]));
    const values: Json[] = [good, ...keys.map((k) => ({ ...good, [k]: null })), { ...good, extra: true }, null, [], "x"];
    for (const v of values) expect(fastCheck(schema)(v), JSON.stringify(v)).to.equal(schema.safeParse(v).success);
    expect(fastCheck(schema)(good)).to.equal(true);
    const strict = z.strictObject({ 'q"': z.string() });
    for (const v of [{ 'q"': "a" }, { 'q"': "a", r: 1 }, { q: "a" }]) expect(fastCheck(strict)(v), JSON.stringify(v)).to.equal(strict.safeParse(v).success);
  });
});
