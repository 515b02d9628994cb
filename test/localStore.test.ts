import { expect } from "chai";
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { LocalStore, SymlinkInLakeError } from "../lib/storage/localStore";

describe("LocalStore refuses to write through a symbolic link inside the lake", () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(path.join(tmpdir(), "store-links-"))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("a date folder linked to another lake: the write is refused and the other lake is untouched", async () => {
    const other = path.join(dir, "other", "raw_data", "snapshot_date=2026-11-01");
    mkdirSync(other, { recursive: true });
    writeFileSync(path.join(other, "playlist_id=abc.json"), "the other lake's file");
    mkdirSync(path.join(dir, "lake", "raw_data"), { recursive: true });
    symlinkSync(other, path.join(dir, "lake", "raw_data", "snapshot_date=2026-11-01"));
    const store = new LocalStore(path.join(dir, "lake"));
    const write = store.put("raw_data/snapshot_date=2026-11-01/playlist_id=abc.json", "this lake's file");
    await write.then(
      () => expect.fail("the write went through the link"),
      (err: Error) => {
        expect(err).to.be.instanceOf(SymlinkInLakeError);
        expect(err.message).to.contain(`${path.join(dir, "lake", "raw_data", "snapshot_date=2026-11-01")} is a symbolic link (to ${other})`);
        expect(err.message).to.contain("Replace the link with a real folder");
      },
    );
    expect(readFileSync(path.join(other, "playlist_id=abc.json"), "utf8")).to.equal("the other lake's file");
    expect(readdirSync(other)).to.deep.equal(["playlist_id=abc.json"]);
  });

  it("a linked file is not written through either", async () => {
    const outside = path.join(dir, "outside.json");
    writeFileSync(outside, "outside");
    mkdirSync(path.join(dir, "lake", "raw_data"), { recursive: true });
    symlinkSync(outside, path.join(dir, "lake", "raw_data", "x.json"));
    const store = new LocalStore(path.join(dir, "lake"));
    await store.put("raw_data/x.json", "inside").then(() => expect.fail("written"), (err: Error) => expect(err).to.be.instanceOf(SymlinkInLakeError));
    expect(readFileSync(outside, "utf8")).to.equal("outside");
  });

  it("the lake folder itself may be a link: that is where the user keeps the lake", async () => {
    mkdirSync(path.join(dir, "real-lake"));
    symlinkSync(path.join(dir, "real-lake"), path.join(dir, "lake"));
    await new LocalStore(path.join(dir, "lake")).put("raw_data/snapshot_date=2026-11-01/playlist_id=abc.json", "ok");
    expect(readFileSync(path.join(dir, "real-lake", "raw_data", "snapshot_date=2026-11-01", "playlist_id=abc.json"), "utf8")).to.equal("ok");
  });
});
