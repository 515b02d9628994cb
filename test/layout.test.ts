import { expect } from "chai";
import {
  allTableRoots,
  normalizePlaylistId,
  parseRawSnapshotKey,
  RAW_SNAPSHOT_PREFIX,
  rawSnapshotKey,
  rejectedKeys,
  tableFileKey,
  TRANSFORMED_PREFIX,
} from "../lib/lake/layout";

describe("lake layout", () => {
  it("gives one deterministic raw key per playlist per day, and parses it back", () => {
    const key = rawSnapshotKey("2026-11-25", "1Cp6VQCKf2VL4sP09jN9oX");
    expect(key).to.equal("raw_data/snapshot_date=2026-11-25/playlist_id=1Cp6VQCKf2VL4sP09jN9oX.json");
    expect(parseRawSnapshotKey(key)).to.deep.equal({ snapshotDate: "2026-11-25", playlistId: "1Cp6VQCKf2VL4sP09jN9oX" });
    expect(parseRawSnapshotKey("raw_data/rejected/snapshot_date=2026-11-25/playlist_id=x.json")).to.equal(undefined);
  });

  it("rejects impossible dates and ids with a message that says what to use", () => {
    expect(() => rawSnapshotKey("2026-02-30", "abc")).to.throw(/Invalid snapshot date "2026-02-30": use YYYY-MM-DD/);
    expect(() => rawSnapshotKey("2026-11-25", "../etc")).to.throw(/Invalid playlist id/);
  });

  it("accepts playlist links and URIs", () => {
    expect(normalizePlaylistId("https://open.spotify.com/playlist/37i9dQZF1DWXIcbzpLauPS?si=abc")).to.equal("37i9dQZF1DWXIcbzpLauPS");
    expect(normalizePlaylistId("spotify:playlist:37i9dQZF1DWXIcbzpLauPS")).to.equal("37i9dQZF1DWXIcbzpLauPS");
  });

  it("keeps rejected copies and table files out of the transform trigger prefix", () => {
    const rejected = rejectedKeys(rawSnapshotKey("2026-11-25", "abc"));
    expect(rejected.copy).to.equal("raw_data/rejected/snapshot_date=2026-11-25/playlist_id=abc.json");
    expect(rejected.reason).to.equal(`${rejected.copy}.reason.json`);
    for (const key of [rejected.copy, rejected.reason, ...allTableRoots().map((r) => r.root)]) {
      expect(key.startsWith(RAW_SNAPSHOT_PREFIX), key).to.equal(false);
    }
    expect(tableFileKey("parquet", "songs", "2026-11-25", "abc")).to.equal(
      `${TRANSFORMED_PREFIX}parquet/songs/snapshot_date=2026-11-25/abc.parquet`,
    );
  });
});
