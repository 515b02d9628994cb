import { expect } from "chai";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { landSnapshot } from "../lib/extract/land";
import { describeFailures } from "../lib/extract/runExtraction";
import { rawSnapshotKey } from "../lib/lake/layout";
import { parseRawSnapshot, RAW_SNAPSHOT_FORMAT, type RawSnapshot } from "../lib/snapshot/rawSnapshot";
import { LocalStore } from "../lib/storage/localStore";
import { loadRecordedData, TO_FIND_ID } from "../lib/standin/recordedData";

function snapshotOf(name: string): RawSnapshot {
  const p = loadRecordedData().playlists[TO_FIND_ID];
  return {
    format: RAW_SNAPSHOT_FORMAT, snapshot_date: "2026-11-25", playlist_id: TO_FIND_ID,
    playlist: { ...(p.playlist as RawSnapshot["playlist"]), name },
    entries: p.entries, artists: [], albums: [],
    extraction: {
      started_at: "2026-11-25T06:00:00.000Z", finished_at: "2026-11-25T06:00:01.000Z", auth_mode: "refresh_token",
      calls: { token: 1 }, retries: 0, http_429: 0, skipped: { null_items: 0, local_files: 0, episodes: 0 }, response_shape: "both", enrichment_mode: "single",
    },
  };
}

describe("landSnapshot", () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(path.join(tmpdir(), "land-"))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("writes the document at its key; the same date again replaces it", async () => {
    const store = new LocalStore(dir);
    const key = await landSnapshot(store, snapshotOf("first"));
    expect(key).to.equal(rawSnapshotKey("2026-11-25", TO_FIND_ID));
    await landSnapshot(store, snapshotOf("second"));
    expect(await store.list("")).to.deep.equal([key]);
    expect(parseRawSnapshot(await store.get(key)).playlist.name).to.equal("second");
  });

  it("refuses a document that does not validate, naming the field, and writes nothing", async () => {
    const store = new LocalStore(dir);
    const bad = { ...snapshotOf("x"), extraction: { ...snapshotOf("x").extraction, retries: -1 } };
    let error: unknown;
    await landSnapshot(store, bad).catch((e: unknown) => (error = e));
    expect((error as Error).message).to.match(/extraction\.retries/).and.match(/nothing was written/);
    expect(await store.list("")).to.deep.equal([]);
  });

  it("names the failed playlists", () => {
    expect(describeFailures([{ playlistId: "a", ok: true }])).to.equal(undefined);
    expect(describeFailures([{ playlistId: "a", ok: true }, { playlistId: "b", ok: false, error: "boom" }])).to.equal("1 of 2 playlist(s) failed:\n  - b: boom");
  });
});
