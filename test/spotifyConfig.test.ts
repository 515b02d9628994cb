import { expect } from "chai";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { spotifyConfigFromEnv } from "../lib/spotify/config";
import { SpotifyConfigError } from "../lib/spotify/errors";

describe("spotifyConfigFromEnv", () => {
  let dir: string;
  let noFile: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), "spotify-config-"));
    noFile = path.join(dir, "absent.json");
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("is undefined without SPOTIFY_CLIENT_ID (the sample-data mode)", () => {
    expect(spotifyConfigFromEnv({}, noFile)).to.equal(undefined);
  });

  it("uses Spotify's URLs and the defaults for client credentials", () => {
    expect(spotifyConfigFromEnv({ SPOTIFY_CLIENT_ID: "id", SPOTIFY_CLIENT_SECRET: "s" }, noFile)).to.deep.equal({
      clientId: "id", clientSecret: "s", refreshToken: undefined,
      apiUrl: "https://api.spotify.com/v1", accountsUrl: "https://accounts.spotify.com",
      concurrency: 8, timeoutMs: 15000, maxWaitS: 120, rateWindowMs: 30000,
    });
  });

  it("takes the refresh token from the environment, else from the token file, and the base URLs and limits", () => {
    const file = path.join(dir, "token.json");
    writeFileSync(file, JSON.stringify({ refresh_token: "from-file", saved_at: "x" }));
    const env = { SPOTIFY_CLIENT_ID: "id", SPOTIFY_API_URL: "http://127.0.0.1:1234/v1/", SPOTIFY_ACCOUNTS_URL: "http://127.0.0.1:1234/accounts", SPOTIFY_CONCURRENCY: "3", SPOTIFY_TIMEOUT_MS: "500", SPOTIFY_MAX_WAIT_S: "2.5", SPOTIFY_RATE_WINDOW_MS: "1000" };
    expect(spotifyConfigFromEnv(env, file)).to.include({ refreshToken: "from-file", apiUrl: "http://127.0.0.1:1234/v1", concurrency: 3, timeoutMs: 500, maxWaitS: 2.5, rateWindowMs: 1000 });
    expect(spotifyConfigFromEnv({ ...env, SPOTIFY_REFRESH_TOKEN: "from-env" }, file)?.refreshToken).to.equal("from-env");
  });

  it("says what to do when a value is wrong", () => {
    expect(() => spotifyConfigFromEnv({ SPOTIFY_CLIENT_ID: "id" }, noFile)).to.throw(SpotifyConfigError, /SPOTIFY_CLIENT_SECRET.*npm run auth|npm run auth.*SPOTIFY_CLIENT_SECRET/);
    expect(() => spotifyConfigFromEnv({ SPOTIFY_CLIENT_SECRET: "s" }, noFile)).to.throw(SpotifyConfigError, /SPOTIFY_CLIENT_ID/);
    expect(() => spotifyConfigFromEnv({ SPOTIFY_CLIENT_ID: "id", SPOTIFY_CLIENT_SECRET: "s", SPOTIFY_CONCURRENCY: "0" }, noFile)).to.throw(/SPOTIFY_CONCURRENCY="0" is not a positive integer/);
    expect(() => spotifyConfigFromEnv({ SPOTIFY_CLIENT_ID: "id", SPOTIFY_CLIENT_SECRET: "s", SPOTIFY_API_URL: "api.spotify.com" }, noFile)).to.throw(/SPOTIFY_API_URL="api.spotify.com" is not a URL/);
  });
});
