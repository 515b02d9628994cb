import { expect } from "chai";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { rawSnapshotKey, tableFileKey } from "../lib/lake/layout";
import { LocalStore } from "../lib/storage/localStore";
import { assertSampleOnlyLake, LakeHoldsRealDataError } from "../lib/sample/sampleLake";
import { recordedSnapshot, THE_CORE_ID, TO_FIND_ID } from "./support/snapshots";

describe("sample mode's lake check", () => {
  let dir: string;
  let store: LocalStore;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), "sample-lake-"));
    store = new LocalStore(dir);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const refusal = async () => {
    try {
      await assertSampleOnlyLake(store);
    } catch (err) {
      expect(err).to.be.instanceOf(LakeHoldsRealDataError);
      return (err as Error).message;
    }
    return undefined;
  };

  it("lets sample mode run in a missing, an empty or a sample-only lake", async () => {
    await assertSampleOnlyLake(new LocalStore(path.join(dir, "missing")));
    expect(await refusal()).to.equal(undefined);
    await store.put(rawSnapshotKey("2026-11-20", THE_CORE_ID), JSON.stringify(recordedSnapshot(THE_CORE_ID)));
    await store.put(tableFileKey("parquet", "songs", "2026-11-20", THE_CORE_ID), "x");
    expect(await refusal()).to.equal(undefined);
  });

  it("refuses a lake with a real raw snapshot of a sample playlist, saying what to do", async () => {
    const real = recordedSnapshot(TO_FIND_ID);
    real.extraction.auth_mode = "refresh_token";
    await store.put(rawSnapshotKey("2026-11-20", TO_FIND_ID), JSON.stringify(real));
    expect(await refusal()).to.equal(
      `The lake ${dir} holds real data (raw_data/snapshot_date=2026-11-20/playlist_id=${TO_FIND_ID}.json was extracted with refresh_token). ` +
        `Sample mode never writes into such a lake: its sample snapshots would replace real ones and mix into the tables. ` +
        `Run the sample in another folder (npm start -- --lake sample-lake), or set SPOTIFY_CLIENT_ID and the other credentials ` +
        `to extract your playlists into this one (see "Run against real Spotify" in README.md).`,
    );
  });

  it("refuses a lake with another playlist's raw snapshot or tables, or a raw file it cannot read", async () => {
    await store.put(rawSnapshotKey("2026-11-20", "4OtherPlaylist0000000X"), JSON.stringify(recordedSnapshot(TO_FIND_ID)));
    expect(await refusal()).to.contain("raw_data/snapshot_date=2026-11-20/playlist_id=4OtherPlaylist0000000X.json is not a sample snapshot");
    rmSync(path.join(dir, "raw_data"), { recursive: true });
    await store.put(tableFileKey("csv", "albums", "2026-11-20", "4OtherPlaylist0000000X"), "x");
    expect(await refusal()).to.contain("is of playlist 4OtherPlaylist0000000X, not a sample playlist");
    rmSync(path.join(dir, "transformed_data"), { recursive: true });
    await store.put(rawSnapshotKey("2026-11-20", THE_CORE_ID), "{ truncated");
    expect(await refusal()).to.contain(`playlist_id=${THE_CORE_ID}.json was not written by sample mode`);
  });
});
