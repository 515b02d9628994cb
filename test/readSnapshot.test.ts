/**
 * lib/transform/readSnapshot.ts: a raw snapshot read as a stream with its entries read line by
 * line must give exactly the tables of the whole read (parseRawSnapshot + snapshotToTables), and
 * reject what that read rejects with the same reason; a compact snapshot (the layout before) is
 * read once.
 */
import { expect } from "chai";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { rawSnapshotKey } from "../lib/lake/layout";
import { stringifyInLines } from "../lib/snapshot/jsonInLines";
import { parseRawSnapshot, type RawSnapshot } from "../lib/snapshot/rawSnapshot";
import type { Json } from "../lib/standin/recordedData";
import { LocalStore } from "../lib/storage/localStore";
import type { ObjectStore } from "../lib/storage/objectStore";
import { readRawSnapshot } from "../lib/transform/readSnapshot";
import { snapshotToTables, tablesOf } from "../lib/transform/toTables";
import { transformRawObject } from "../lib/transform/transformObject";
import { piecesOf } from "./support/pieces";
import { editTrack, episodeEntry, localFileEntry, nullItemEntry, recordedEntries, recordedSnapshot, THE_CORE_ID, TO_FIND_ID } from "./support/snapshots";

const DATE = "2026-11-20";
const PIECE_SIZES = [7, 300, 4096, 1 << 20];

/** The Core with every kind of entry: skipped ones, a repeat, an editorial added_by, added_at in other RFC 3339 forms or missing, and an artist and album the snapshot has no full object of. */
function everyKindOfEntry(): RawSnapshot {
  const [first, second, ...rest] = recordedEntries(THE_CORE_ID);
  const entries: Json[] = [
    first,
    localFileEntry(),
    { ...second, added_at: "2026-03-10T06:39:11+01:00", added_by: { id: "" } },
    episodeEntry(),
    { ...first, added_at: "2026-03-10t05:39:11.250z" },
    nullItemEntry(),
    { ...rest[0], added_at: null, added_by: null },
    { ...rest[1], added_at: "" },
    editTrack(rest[2], (t) => {
      (t.artists as Json[]).push({ id: "0noFullObjectArtist000", name: "Ünknown 藝術家 \"quoted\"", external_urls: {} });
      (t.album as Json).id = "0noFullObjectAlbum0000";
      delete t.popularity;
      t.external_ids = null;
    }),
    ...rest.slice(3),
  ];
  return recordedSnapshot(THE_CORE_ID, { snapshotDate: DATE, entries });
}

const VARIANTS: [string, () => RawSnapshot][] = [
  ["'To find' (item and track)", () => recordedSnapshot(TO_FIND_ID, { snapshotDate: DATE })],
  ["'The Core' (track)", () => recordedSnapshot(THE_CORE_ID, { snapshotDate: DATE })],
  ["'The Core' (item only)", () => recordedSnapshot(THE_CORE_ID, { snapshotDate: DATE, shape: "items" })],
  ["every kind of entry", everyKindOfEntry],
];

const KEY = rawSnapshotKey(DATE, THE_CORE_ID);

/** A store holding `text` under KEY that streams it in pieces of `size`, and counts its whole reads. */
function streamingStore(text: string, size: number): ObjectStore & { wholeReads: number } {
  const store = {
    wholeReads: 0,
    location: "memory",
    get: async () => (store.wholeReads++, new Uint8Array(Buffer.from(text, "utf8"))),
    getPieces: () => piecesOf(text, size),
    put: async () => {},
    exists: async () => true,
    list: async () => [KEY],
  };
  return store;
}

/** The tables of the snapshot read from `text` as a stream of `size`-byte pieces, with no whole read. */
async function streamedTables(text: string, size: number) {
  const store = streamingStore(text, size);
  const read = await readRawSnapshot(store, KEY);
  expect(store.wholeReads, `${size}-byte pieces: read whole`).to.equal(0);
  return tablesOf(read.frame, read.entries);
}

describe("readRawSnapshot: entries read line by line as the pieces come", () => {
  for (const [name, make] of VARIANTS) {
    it(`gives the tables of the whole read: ${name}, whatever the piece size`, async () => {
      const text = stringifyInLines(make());
      const whole = snapshotToTables(parseRawSnapshot(text));
      for (const size of PIECE_SIZES) expect(await streamedTables(text, size), `${size}-byte pieces`).to.deep.equal(whole);
    });
  }

  it("the variant with every kind of entry really holds them: skips keep positions, the repeat is one song, simplified objects stand in", () => {
    const tables = snapshotToTables(everyKindOfEntry());
    expect(tables.playlist_tracks.map((r) => r.position).slice(0, 5)).to.deep.equal([1, 3, 5, 7, 8]);
    expect(tables.playlist_tracks[1].added_by).to.equal(null);
    expect(tables.playlist_tracks[1].added_at!.toISOString()).to.equal("2026-03-10T05:39:11.000Z");
    expect(tables.playlist_tracks[3].added_at).to.equal(null);
    expect(tables.songs.length).to.equal(tables.playlist_tracks.length - 1);
    const unknown = tables.artists.find((a) => a.artist_id === "0noFullObjectArtist000");
    expect(unknown).to.deep.include({ artist_name: "Ünknown 藝術家 \"quoted\"", genres: null, followers: null, popularity: null, artist_url: null });
    expect(tables.albums.some((a) => a.album_id === "0noFullObjectAlbum0000")).to.equal(true);
  });

  describe("rejects what the whole read rejects, with the whole read's reason", () => {
    const bad = (change: (entries: Json[], snapshot: RawSnapshot) => void) => () => {
      const snapshot = recordedSnapshot(THE_CORE_ID, { snapshotDate: DATE });
      const entries = snapshot.entries as Json[];
      change(entries, snapshot);
      return stringifyInLines(snapshot);
    };
    const cases: [string, () => string, RegExp][] = [
      ["a track without duration_ms", bad((e) => (e[3] = editTrack(e[3], (t) => delete t.duration_ms))), /entries\[3\]\.track\.duration_ms/],
      ["an added_at Date.parse would take", bad((e) => (e[5] = { ...e[5], added_at: "March 7" })), /entries\[5\]\.added_at: "March 7" is not an RFC 3339 timestamp/],
      ["an added_at two days after the extraction finished (known only at the end)", bad((e) => (e[2] = { ...e[2], added_at: "2026-11-22T06:00:05Z" })), /entries\[2\]\.added_at: .*outside the accepted range/],
      ["an entry that is not an object", bad((e) => (e[1] = 5 as unknown as Json)), /entries\[1\]/],
      ["an entry whose added_by is a string", bad((e) => (e[0] = { ...e[0], added_by: "me" })), /entries\[0\]\.added_by/],
    ];
    let dir: string;
    beforeEach(() => (dir = mkdtempSync(path.join(tmpdir(), "digested-"))));
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    for (const [name, text, reason] of cases) {
      it(name, async () => {
        const body = text();
        const store = new LocalStore(dir);
        const key = rawSnapshotKey(DATE, THE_CORE_ID);
        await store.put(key, body);
        // The same store read whole only: no getPieces.
        const whole: ObjectStore = { get: (k) => store.get(k), put: (k, b) => store.put(k, b), exists: (k) => store.exists(k), list: (p) => store.list(p), location: store.location };
        const [inPieces, readWhole] = [await transformRawObject(store, key), await transformRawObject(whole, key)];
        expect(inPieces).to.deep.equal(readWhole);
        expect(inPieces.status).to.equal("rejected");
        if (inPieces.status === "rejected") expect(inPieces.reason).to.match(reason);
      });
    }
  });

  it("takes the entries read line by line only as the document's entries: a line ending like the entries' opening, for another member, is read whole", async () => {
    const snapshot = recordedSnapshot(THE_CORE_ID, { snapshotDate: DATE });
    // A member named x"entries, laid out in lines before the entries: its opening line ends with "entries":[ too.
    const { format, snapshot_date, playlist_id, playlist, ...others } = snapshot;
    const tricky = { format, snapshot_date, playlist_id, playlist, 'x"entries': snapshot.entries, ...others };
    const text = stringifyInLines(tricky);
    expect(text).to.include('"x\\"entries":[\n');
    const store = streamingStore(text, 4096);
    const read = await readRawSnapshot(store, KEY);
    expect(store.wholeReads).to.equal(1);
    expect(tablesOf(read.frame, read.entries)).to.deep.equal(snapshotToTables(snapshot));
  });

  it("reads an empty playlist (its entries written as [] on the frame's line) once, to the whole read's tables", async () => {
    const empty = recordedSnapshot(THE_CORE_ID, { snapshotDate: DATE, entries: [] });
    const text = stringifyInLines(empty);
    expect(text).to.include('"entries":[]');
    const tables = await streamedTables(text, 300);
    expect(tables).to.deep.equal(snapshotToTables(parseRawSnapshot(text)));
    expect(tables.playlists[0].total_items).to.equal(0);
    expect(tables.playlist_tracks).to.deep.equal([]);
  });

  it("reads a compact snapshot (the layout before) once, and the transform writes the same files from it", async () => {
    const snapshot = recordedSnapshot(THE_CORE_ID, { snapshotDate: DATE });
    const compact = JSON.stringify(snapshot);
    expect(await streamedTables(compact, 4096)).to.deep.equal(snapshotToTables(snapshot));

    const dirs = [mkdtempSync(path.join(tmpdir(), "compact-")), mkdtempSync(path.join(tmpdir(), "lines-"))];
    try {
      const [compactStore, linesStore] = dirs.map((d) => new LocalStore(d));
      const key = rawSnapshotKey(DATE, THE_CORE_ID);
      await compactStore.put(key, compact);
      await linesStore.put(key, stringifyInLines(snapshot));
      let wholeReads = 0;
      const get = compactStore.get.bind(compactStore);
      compactStore.get = async (k: string) => (wholeReads++, get(k));
      expect((await transformRawObject(compactStore, key)).status).to.equal("transformed");
      expect(wholeReads, "no second, whole read").to.equal(0);
      expect((await transformRawObject(linesStore, key)).status).to.equal("transformed");
      const files = async (store: LocalStore) => {
        const out: Record<string, string> = {};
        for (const k of await store.list("transformed_data/")) out[k] = Buffer.from(await store.get(k)).toString("base64");
        return out;
      };
      expect(await files(compactStore)).to.deep.equal(await files(linesStore));
    } finally {
      for (const d of dirs) rmSync(d, { recursive: true, force: true });
    }
  });
});
