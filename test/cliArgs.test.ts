import { expect } from "chai";
import { parseRunArgs, UsageError, USAGE } from "../cli/args";

describe("npm start's arguments", () => {
  const now = new Date("2026-11-26T12:00:00Z");
  const usageError = (argv: string[]) => {
    try {
      parseRunArgs(argv, now);
    } catch (err) {
      expect(err).to.be.instanceOf(UsageError);
      expect((err as Error).message).to.contain(USAGE);
      return (err as Error).message;
    }
    throw new Error(`${argv.join(" ")} was accepted`);
  };

  it("normalises playlist links and URIs, and refuses an invalid --playlist as a usage error", () => {
    expect(parseRunArgs(["--playlist", "spotify:playlist:37i9dQZF1DWXIcbzpLauPS", "-p", "https://open.spotify.com/playlist/1Cp6VQCKf2VL4sP09jN9oX?si=x"], now).playlists).to.deep.equal([
      "37i9dQZF1DWXIcbzpLauPS",
      "1Cp6VQCKf2VL4sP09jN9oX",
    ]);
    expect(usageError(["--playlist", "../../etc/passwd"])).to.match(/^Invalid playlist id "..\/..\/etc\/passwd": use the 22-character id/);
    expect(usageError(["--playlist", ""])).to.match(/^Invalid playlist id ""/);
  });

  it('refuses --lake "" instead of writing into the current folder', () => {
    expect(usageError(["--lake", ""])).to.match(/^--lake needs a folder, for example --lake lake; it was empty\./);
    expect(usageError(["--lake", "  "])).to.match(/^--lake needs a folder/);
    expect(parseRunArgs([], now).lake).to.equal("lake");
  });

  it("takes dates from Spotify's launch to tomorrow (UTC), today by default", () => {
    expect(parseRunArgs([], now).date).to.equal("2026-11-26");
    expect(parseRunArgs(["--date", "2008-10-07"], now).date).to.equal("2008-10-07");
    expect(parseRunArgs(["--date", "2026-11-27"], now).date).to.equal("2026-11-27");
    expect(usageError(["--date", "0000-01-01"])).to.match(/^Snapshot date 0000-01-01 is out of range: use a date from 2008-10-07 \(Spotify's launch\) to 2026-11-27 \(tomorrow in UTC\)\./);
    expect(usageError(["--date", "2026-11-28"])).to.match(/^Snapshot date 2026-11-28 is out of range/);
    expect(usageError(["--date", "March 7"])).to.match(/^Invalid snapshot date "March 7"/);
  });
});
