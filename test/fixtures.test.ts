import { expect } from "chai";
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { loadRecordedData, RECORDED_FIXTURES_DIR, THE_CORE_ID, TO_FIND_ID } from "../lib/standin/recordedData";
import { Album, Artist, readEntry } from "../lib/spotify/schemas";

const SHARED = path.resolve(__dirname, "../../shared/fixtures/spotify");
const sha = (file: string) => createHash("sha256").update(readFileSync(file)).digest("hex");

describe("recorded fixtures", () => {
  it("are the shared recordings, unchanged", function () {
    if (!existsSync(SHARED)) this.skip(); // a clone without ../shared beside it
    const names = readdirSync(SHARED).sort();
    expect(readdirSync(RECORDED_FIXTURES_DIR).sort()).to.deep.equal(names);
    for (const name of names) expect(sha(path.join(RECORDED_FIXTURES_DIR, name)), name).to.equal(sha(path.join(SHARED, name)));
  });

  it("become stand-in data with a full artist and album for every id the tracks mention", () => {
    const data = loadRecordedData();
    expect(data.playlists[THE_CORE_ID].entries).to.have.length(74);
    expect(data.playlists[TO_FIND_ID].entries).to.have.length(1);
    const artistIds = new Set<string>();
    const albumIds = new Set<string>();
    for (const p of Object.values(data.playlists)) {
      for (const e of p.entries) {
        const r = readEntry(e);
        if (r.kind !== "track") continue;
        r.track.artists.forEach((a) => artistIds.add(a.id));
        r.track.album.artists.forEach((a) => artistIds.add(a.id));
        albumIds.add(r.track.album.id);
      }
    }
    for (const id of artistIds) expect(Artist.parse(data.artists[id]).id).to.equal(id);
    for (const id of albumIds) expect(Album.parse(data.albums[id]).id).to.equal(id);
    expect(Object.keys(data.playlists[THE_CORE_ID].playlist)).to.not.include("tracks");
  });

  it("parse as full objects in the recorded (pre-2026) shape, with the fields dev mode lost", () => {
    const data = loadRecordedData();
    const pitbull = Artist.parse(data.artists["0TnOYISbd1XYRBk9myaseg"]);
    expect(pitbull.followers?.total).to.equal(12425030);
    expect(pitbull.popularity).to.equal(85);
    const album = Album.parse(data.albums["3IqzqH6ShrRtie9Yd2ODyG"]);
    expect(album.release_date_precision).to.equal("day");
  });
});
