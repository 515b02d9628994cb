import { expect } from "chai";
import { PARTITION_COLUMN } from "../lib/tables/schema";
import {
  assertSnapshotDateInRange,
  parsePartitionFolder,
  partitionFolder,
  RAW_PREFIX,
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

  it("builds the raw prefix and every partition folder from PARTITION_COLUMN", () => {
    expect(RAW_SNAPSHOT_PREFIX).to.equal(`${RAW_PREFIX}${PARTITION_COLUMN}=`);
    expect(partitionFolder("2026-11-25")).to.equal(`${PARTITION_COLUMN}=2026-11-25`);
    expect(tableFileKey("csv", "albums", "2026-11-25", "abc")).to.contain(`/${PARTITION_COLUMN}=2026-11-25/`);
  });

  it("counts only snapshot_date=<a real date> as a partition, so a stray copy is never a date", () => {
    expect(parsePartitionFolder("snapshot_date=2026-07-01")).to.equal("2026-07-01");
    for (const name of ["snapshot_date=2026-07-01.bak", "snapshot_date=2026-02-30", "snapshot_date=2026-7-1", "snapshot_date=", "snapshot_date=latest", "Snapshot_date=2026-07-01", "2026-07-01"]) {
      expect(parsePartitionFolder(name), name).to.equal(undefined);
    }
    for (const key of [
      "raw_data/snapshot_date=2026-07-01.bak/playlist_id=abc.json",
      "raw_data/snapshot_date=2026-02-30/playlist_id=abc.json",
      "raw_data/snapshot_date=2026-07-01/playlist_id=abc.json.bak",
      "raw_data/snapshot_date=2026-07-01/playlist_id=a/b.json",
      "raw_data/snapshot_date=2026-07-01/playlist_id=.json",
      "raw_data/snapshot_date=2026-07-01/other=abc.json",
    ]) {
      expect(parseRawSnapshotKey(key), key).to.equal(undefined);
    }
  });

  it("accepts run dates from Spotify's launch (2008-10-07) to tomorrow in UTC", () => {
    const now = new Date("2026-11-26T23:30:00Z");
    expect(assertSnapshotDateInRange("2008-10-07", now)).to.equal("2008-10-07");
    expect(assertSnapshotDateInRange("2026-11-27", now)).to.equal("2026-11-27");
    for (const date of ["0000-01-01", "2008-10-06", "2026-11-28", "9999-12-31"]) {
      expect(() => assertSnapshotDateInRange(date, now), date).to.throw(
        `Snapshot date ${date} is out of range: use a date from 2008-10-07 (Spotify's launch) to 2026-11-27 (tomorrow in UTC).`,
      );
    }
    expect(() => assertSnapshotDateInRange("2026-02-30", now)).to.throw(/Invalid snapshot date "2026-02-30"/);
  });
});
