import { expect } from "chai";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { UsageError } from "../cli/args";
import { resolvePlaylists } from "../cli/playlists";

describe("resolvePlaylists: where the playlists come from", () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), "playlists-"));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const missingFile = () => path.join(dir, "absent.json");
  const configWith = (text: string) => {
    const file = path.join(dir, `config-${Math.random().toString(36).slice(2)}.json`);
    writeFileSync(file, text);
    return file;
  };
  const errorOf = (fn: () => unknown): Error => {
    try {
      fn();
    } catch (err) {
      return err as Error;
    }
    throw new Error("expected an error");
  };

  it("takes --playlist first, then SPOTIFY_PLAYLISTS, then the config file, de-duplicated", () => {
    const file = configWith(JSON.stringify({ playlists: ["3cEYpjA9oz9GiPac4AsH4n"] }));
    expect(resolvePlaylists(["37i9dQZF1DXcBWIGoYBM5M", "37i9dQZF1DXcBWIGoYBM5M"], { SPOTIFY_PLAYLISTS: "1Cp6VQCKf2VL4sP09jN9oX" }, file)).to.deep.equal({
      ids: ["37i9dQZF1DXcBWIGoYBM5M"],
      source: "--playlist",
    });
    expect(resolvePlaylists([], { SPOTIFY_PLAYLISTS: " 1Cp6VQCKf2VL4sP09jN9oX , spotify:playlist:3cEYpjA9oz9GiPac4AsH4n" }, file)?.ids).to.deep.equal([
      "1Cp6VQCKf2VL4sP09jN9oX",
      "3cEYpjA9oz9GiPac4AsH4n",
    ]);
    expect(resolvePlaylists([], {}, file)).to.deep.equal({ ids: ["3cEYpjA9oz9GiPac4AsH4n"], source: file });
    expect(resolvePlaylists([], {}, missingFile())).to.equal(undefined);
  });

  it("a bad id in SPOTIFY_PLAYLISTS is a usage error (exit 2) that names the variable", () => {
    const err = errorOf(() => resolvePlaylists([], { SPOTIFY_PLAYLISTS: "1Cp6VQCKf2VL4sP09jN9oX,not/an/id" }, missingFile()));
    expect(err).to.be.instanceOf(UsageError);
    expect(err.message).to.contain("SPOTIFY_PLAYLISTS");
    expect(err.message).to.contain('Invalid playlist id "not/an/id"');
  });

  it("a bad id, bad JSON or a wrong shape in the config file is a usage error that names the file", () => {
    for (const text of [JSON.stringify({ playlists: ["ok1", "bad id"] }), "{ not json", JSON.stringify({ playlist: ["x"] })]) {
      const file = configWith(text);
      const err = errorOf(() => resolvePlaylists([], {}, file));
      expect(err, text).to.be.instanceOf(UsageError);
      expect(err.message, text).to.contain(file);
    }
  });
});
