import { expect } from "chai";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { rawSnapshotKey, rejectedKeys, tableFileKey, FILE_FORMATS } from "../lib/lake/layout";
import { LocalStore } from "../lib/storage/localStore";
import { ObjectNotFoundError, type ObjectStore } from "../lib/storage/objectStore";
import { TABLE_NAMES } from "../lib/tables/schema";
import { transformAll, transformRawObject } from "../lib/transform/transformObject";
import { snapshotToTables } from "../lib/transform/toTables";
import { writeTables } from "../lib/transform/writeTables";
import { editTrack, recordedSnapshot, THE_CORE_ID, TO_FIND_ID } from "./support/snapshots";
import type { RawSnapshot } from "../lib/snapshot/rawSnapshot";
import type { Json } from "../lib/standin/recordedData";
import { stringifyInLines } from "../lib/snapshot/jsonInLines";

const DATE = "2026-11-20";

/** The snapshot with its first entry's track changed (item and track alike). */
function withTrack(snapshot: RawSnapshot, change: (track: Record<string, unknown>) => void): RawSnapshot {
  return { ...snapshot, entries: [editTrack(snapshot.entries[0] as Json, change) as RawSnapshot["entries"][number], ...snapshot.entries.slice(1)] };
}

async function snapshotOfStore(store: LocalStore): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  for (const key of await store.list("")) files.set(key, Buffer.from(await store.get(key)).toString("base64"));
  return files;
}

describe("writeTables and transformRawObject", () => {
  let dir: string;
  let store: LocalStore;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), "transform-"));
    store = new LocalStore(dir);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("writes 12 files, both formats for every table, under the layout's keys", async () => {
    const keys = await writeTables(store, snapshotToTables(recordedSnapshot(TO_FIND_ID, { snapshotDate: DATE })), DATE, TO_FIND_ID);
    const expected = FILE_FORMATS.flatMap((f) => TABLE_NAMES.map((t) => tableFileKey(f, t, DATE, TO_FIND_ID)));
    expect(keys).to.have.length(12);
    expect([...keys].sort()).to.deep.equal([...expected].sort());
    expect(await store.list("transformed_data/")).to.deep.equal([...expected].sort());
  });

  it("transforms a raw snapshot, and a rerun gives byte-identical files", async () => {
    const rawKey = rawSnapshotKey(DATE, THE_CORE_ID);
    await store.put(rawKey, JSON.stringify(recordedSnapshot(THE_CORE_ID, { snapshotDate: DATE })));
    const first = await transformRawObject(store, rawKey);
    expect(first).to.deep.include({ status: "transformed", rawKey, snapshotDate: DATE, playlistId: THE_CORE_ID });
    if (first.status !== "transformed") throw new Error("unreachable");
    expect(first.rows).to.deep.equal({ playlists: 1, playlist_tracks: 74, songs: 74, song_artists: 92, albums: 74, artists: 89 });
    const before = await snapshotOfStore(store);
    expect(before.size).to.equal(13); // the raw snapshot + 12 table files
    const second = await transformRawObject(store, rawKey);
    expect(second).to.deep.equal(first);
    expect(await snapshotOfStore(store)).to.deep.equal(before);
  });

  it("reads the extractor's layout (one array element per line) in pieces, to the same files as a compact snapshot, and rejects from it with the bytes as they are", async () => {
    const snapshot = recordedSnapshot(THE_CORE_ID, { snapshotDate: DATE });
    const compact = new LocalStore(mkdtempSync(path.join(tmpdir(), "transform-compact-")));
    try {
      const rawKey = rawSnapshotKey(DATE, THE_CORE_ID);
      const lines = stringifyInLines(snapshot);
      expect(lines.split("\n").length).to.be.greaterThan(snapshot.entries.length);
      await store.put(rawKey, lines);
      await compact.put(rawKey, JSON.stringify(snapshot));
      let pieces = 0;
      const getPieces = store.getPieces.bind(store);
      store.getPieces = async function* (key: string) {
        for await (const piece of getPieces(key, 4096)) yield (pieces++, piece);
      };
      expect((await transformRawObject(store, rawKey)).status).to.equal("transformed");
      expect(pieces, "read in pieces").to.be.greaterThan(10);
      expect((await transformRawObject(compact, rawKey)).status).to.equal("transformed");
      const written = await snapshotOfStore(store);
      written.delete(rawKey);
      const fromCompact = await snapshotOfStore(compact);
      fromCompact.delete(rawKey);
      expect(written).to.deep.equal(fromCompact);

      const late = stringifyInLines(withTrack(snapshot, (t) => (t.duration_ms = 3e9)));
      await store.put(rawKey, late);
      const outcome = await transformRawObject(store, rawKey);
      expect(outcome).to.deep.include({ status: "rejected" });
      if (outcome.status !== "rejected") throw new Error("unreachable");
      expect(Buffer.from(await store.get(outcome.rejectedKey)).toString("utf8")).to.equal(late);
    } finally {
      rmSync(compact.root, { recursive: true, force: true });
    }
  });

  describe("rejects bad raw input: a copy and a reason, the raw object untouched, nothing else written", () => {
    const valid = () => recordedSnapshot(TO_FIND_ID, { snapshotDate: DATE });
    const cases: { name: string; key: string; body: () => string; reason: RegExp }[] = [
      { name: "not JSON", key: rawSnapshotKey(DATE, TO_FIND_ID), body: () => "{ this is not json", reason: /^not JSON/ },
      { name: "JSON but not a raw snapshot", key: rawSnapshotKey(DATE, TO_FIND_ID), body: () => JSON.stringify({ items: [] }), reason: /^not a raw snapshot/ },
      {
        name: "a snapshot that fails validation",
        key: rawSnapshotKey(DATE, TO_FIND_ID),
        body: () => JSON.stringify({ ...valid(), extraction: { ...valid().extraction, retries: -1 } }),
        reason: /does not validate at extraction\.retries/,
      },
      {
        name: "a track that fails validation",
        key: rawSnapshotKey(DATE, TO_FIND_ID),
        body: () => {
          const s = valid();
          (s.entries[0].item as { album: { release_date_precision: string } }).album.release_date_precision = "decade";
          return JSON.stringify(s);
        },
        reason: /entries\[0\]\.item\.album\.release_date_precision/,
      },
      {
        name: "an integer too big for its int32 column (duration_ms 3e9)",
        key: rawSnapshotKey(DATE, TO_FIND_ID),
        body: () => JSON.stringify(withTrack(valid(), (t) => (t.duration_ms = 3e9))),
        reason: /^a value does not fit its table: Table songs, row 0, column duration_ms: 3000000000 is not an int32 \(an integer from -2147483648 to 2147483647\) \(song_id "3ZL9gPzeCnKG9l5SB1SlcZ", album_id "7cynQpUNbqg7ZqYQu11Yng"\)\.$/,
      },
      {
        name: "an integer too big for its int32 column (an album's total_tracks 5e9)",
        key: rawSnapshotKey(DATE, TO_FIND_ID),
        body: () => {
          const s = withTrack(valid(), (t) => ((t.album as { total_tracks: number }).total_tracks = 5e9));
          for (const album of s.albums) album.total_tracks = 5e9;
          return JSON.stringify(s);
        },
        reason: /Table albums, row 0, column total_tracks: 5000000000 is not an int32/,
      },
      {
        name: "an integer too big to hold exactly for its int64 column (followers 2^60)",
        key: rawSnapshotKey(DATE, TO_FIND_ID),
        body: () => {
          const s = valid();
          s.artists[0].followers = { total: 2 ** 60 };
          return JSON.stringify(s);
        },
        reason: /does not validate at artists\[0\]\.followers\.total: Too big: expected int to be <=9007199254740991/,
      },
      {
        name: 'an added_at that is not RFC 3339 ("March 7")',
        key: rawSnapshotKey(DATE, TO_FIND_ID),
        body: () => JSON.stringify({ ...valid(), entries: valid().entries.map((e) => ({ ...e, added_at: "March 7" })) }),
        reason: /does not validate at entries\[0\]\.added_at: "March 7" is not an RFC 3339 timestamp/,
      },
      {
        name: "an added_at with a 5-digit year",
        key: rawSnapshotKey(DATE, TO_FIND_ID),
        body: () => JSON.stringify({ ...valid(), entries: valid().entries.map((e) => ({ ...e, added_at: "20260-03-07T00:00:00Z" })) }),
        reason: /entries\[0\]\.added_at: "20260-03-07T00:00:00Z" is not an RFC 3339 timestamp/,
      },
      {
        name: "an added_at long after the extraction",
        key: rawSnapshotKey(DATE, TO_FIND_ID),
        body: () => JSON.stringify({ ...valid(), entries: valid().entries.map((e) => ({ ...e, added_at: "9999-12-31T23:59:59Z" })) }),
        reason: /entries\[0\]\.added_at: "9999-12-31T23:59:59Z" is outside the accepted range 1970-01-01T00:00:00Z to one day after the extraction finished/,
      },
      {
        name: "a key that is not a raw snapshot key",
        key: "raw_data/snapshot_date=2026-11-20/notes.txt",
        body: () => JSON.stringify(valid()),
        reason: /is not a raw snapshot key/,
      },
      {
        name: "a key whose date disagrees with the content",
        key: rawSnapshotKey("2026-11-21", TO_FIND_ID),
        body: () => JSON.stringify(valid()),
        reason: /key and content disagree: the key says snapshot_date 2026-11-21 but the document says 2026-11-20/,
      },
      {
        name: "a key whose playlist id disagrees with the content",
        key: rawSnapshotKey(DATE, THE_CORE_ID),
        body: () => JSON.stringify(valid()),
        reason: /key and content disagree: the key says playlist_id 37i9dQZF1DWXIcbzpLauPS/,
      },
    ];
    for (const c of cases) {
      it(c.name, async () => {
        const body = c.body();
        await store.put(c.key, body);
        const now = new Date("2026-11-20T07:00:00.000Z");
        const outcome = await transformRawObject(store, c.key, now);
        const keys = rejectedKeys(c.key);
        expect(outcome.status).to.equal("rejected");
        if (outcome.status !== "rejected") throw new Error("unreachable");
        expect(outcome.reason).to.match(c.reason);
        expect(outcome.rejectedKey).to.equal(keys.copy);
        expect(await store.list("")).to.deep.equal([c.key, keys.copy, keys.reason].sort());
        expect(Buffer.from(await store.get(c.key)).toString()).to.equal(body);
        expect(Buffer.from(await store.get(keys.copy)).toString()).to.equal(body);
        expect(JSON.parse(Buffer.from(await store.get(keys.reason)).toString())).to.deep.equal({
          reason: outcome.reason,
          source_key: c.key,
          source_location: store.location,
          rejected_at: "2026-11-20T07:00:00.000Z",
        });
      });
    }
  });

  it("refuses to re-reject a rejected copy", async () => {
    const { copy } = rejectedKeys(rawSnapshotKey(DATE, TO_FIND_ID));
    await store.put(copy, "junk");
    let error: Error | undefined;
    await transformRawObject(store, copy).catch((e: Error) => (error = e));
    expect(error?.message).to.match(/is a rejected copy/);
    expect(await store.list("")).to.deep.equal([copy]);
  });

  it("throws storage errors instead of rejecting, and writes nothing", async () => {
    const rawKey = rawSnapshotKey(DATE, TO_FIND_ID);
    const puts: string[] = [];
    const failing: ObjectStore = {
      location: "memory://failing",
      put: async (key) => {
        puts.push(key);
      },
      get: async () => {
        throw Object.assign(new Error("connection reset"), { code: "ECONNRESET" });
      },
      exists: async () => true,
      list: async () => [rawKey],
    };
    let error: Error | undefined;
    await transformRawObject(failing, rawKey).catch((e: Error) => (error = e));
    expect(error?.message).to.equal("connection reset");
    expect(puts).to.deep.equal([]);
  });

  it("transformAll goes on past a value that does not fit its table, and names the file", async () => {
    const tooBig = withTrack(recordedSnapshot(TO_FIND_ID, { snapshotDate: "2026-11-19" }), (t) => (t.duration_ms = 3e9));
    await store.put(rawSnapshotKey("2026-11-19", TO_FIND_ID), JSON.stringify(tooBig));
    await store.put(rawSnapshotKey(DATE, TO_FIND_ID), JSON.stringify(recordedSnapshot(TO_FIND_ID, { snapshotDate: DATE })));
    const all = await transformAll(store);
    expect(all.map((o) => [o.rawKey, o.status])).to.deep.equal([
      [rawSnapshotKey("2026-11-19", TO_FIND_ID), "rejected"],
      [rawSnapshotKey(DATE, TO_FIND_ID), "transformed"],
    ]);
    expect(all[0].status === "rejected" && all[0].reason).to.match(/column duration_ms: 3000000000 is not an int32/);
    expect(await store.list("transformed_data/parquet/songs/")).to.deep.equal([tableFileKey("parquet", "songs", DATE, TO_FIND_ID)]);
    expect(await store.exists(rejectedKeys(rawSnapshotKey("2026-11-19", TO_FIND_ID)).reason)).to.equal(true);
  });

  it("transformAll goes on past a rejection, and can limit itself to one date", async () => {
    await store.put(rawSnapshotKey("2026-11-19", TO_FIND_ID), JSON.stringify(recordedSnapshot(TO_FIND_ID, { snapshotDate: "2026-11-19" })));
    await store.put(rawSnapshotKey(DATE, THE_CORE_ID), "not json");
    await store.put(rawSnapshotKey(DATE, TO_FIND_ID), JSON.stringify(recordedSnapshot(TO_FIND_ID, { snapshotDate: DATE })));
    const all = await transformAll(store);
    expect(all.map((o) => [o.rawKey, o.status])).to.deep.equal([
      [rawSnapshotKey("2026-11-19", TO_FIND_ID), "transformed"],
      [rawSnapshotKey(DATE, TO_FIND_ID), "transformed"],
      [rawSnapshotKey(DATE, THE_CORE_ID), "rejected"],
    ]);
    const oneDay = await transformAll(store, { snapshotDate: "2026-11-19" });
    expect(oneDay.map((o) => o.rawKey)).to.deep.equal([rawSnapshotKey("2026-11-19", TO_FIND_ID)]);
    expect(await store.list("transformed_data/parquet/songs/")).to.deep.equal([
      tableFileKey("parquet", "songs", "2026-11-19", TO_FIND_ID),
      tableFileKey("parquet", "songs", DATE, TO_FIND_ID),
    ]);
  });
});

describe("LocalStore.getPieces", () => {
  it("gives the object's bytes in order, in pieces of one reused buffer, and names a missing key", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "pieces-"));
    try {
      const store = new LocalStore(dir);
      const body = Buffer.from(Array.from({ length: 10_000 }, (_, i) => `line ${i} é\n`).join(""), "utf8");
      await store.put("raw_data/x.json", body);
      const copies: Buffer[] = [];
      const buffers = new Set<ArrayBufferLike>();
      for await (const piece of store.getPieces("raw_data/x.json", 1000)) {
        expect(piece.length).to.be.at.most(1000);
        buffers.add(piece.buffer);
        copies.push(Buffer.from(piece));
      }
      expect(copies.length).to.equal(Math.ceil(body.length / 1000));
      expect(Buffer.concat(copies).equals(body)).to.equal(true);
      expect(buffers.size).to.equal(1);
      let error: unknown;
      try {
        for await (const piece of store.getPieces("raw_data/missing.json")) void piece;
      } catch (err) {
        error = err;
      }
      expect(error).to.be.instanceOf(ObjectNotFoundError);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
