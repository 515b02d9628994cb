/**
 * The client when Spotify (or someone sharing its quota) misbehaves, on the stand-in: a 429
 * someone else caused, answers that stall or trickle, a failed playlist's outstanding requests,
 * a refresh token rotated away from SPOTIFY_REFRESH_TOKEN, and a token endpoint that echoes the
 * request (issue 9 §1 and §3 items 2, 4, 5, 6).
 */
import { expect } from "chai";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { parseRunArgs } from "../cli/args";
import { run } from "../cli/main";
import { extractPlaylist } from "../lib/extract/extractPlaylist";
import { extractPlaylists } from "../lib/extract/runExtraction";
import { SpotifyClient } from "../lib/spotify/client";
import { spotifyConfigFromEnv, type SpotifyConfig } from "../lib/spotify/config";
import { SpotifyAuthError, SpotifyTimeoutError } from "../lib/spotify/errors";
import { readTokenFile } from "../lib/spotify/tokenFile";
import { startSpotifyStandIn, type StandIn, type StandInOptions } from "../lib/standin/spotifyStandIn";
import { LocalStore } from "../lib/storage/localStore";
import { LONG_ID, testData, THE_CORE_ID, TO_FIND_ID } from "./support/spotifyTestData";

const DATE = "2026-11-25";
const FORTY_ID = "1fortyTracksPlaylistAb";

/** The test data plus a user playlist of 40 tracks (the first 40 of "The Core"). */
function dataWithForty() {
  const data = testData();
  const core = data.playlists[THE_CORE_ID];
  data.playlists[FORTY_ID] = { playlist: { ...core.playlist, id: FORTY_ID, name: "Forty", uri: `spotify:playlist:${FORTY_ID}` }, entries: core.entries.slice(0, 40) };
  return data;
}

const servers: StandIn[] = [];
const dirs: string[] = [];
async function standIn(options: Partial<StandInOptions> = {}): Promise<StandIn> {
  const s = await startSpotifyStandIn({ data: dataWithForty(), ...options });
  servers.push(s);
  return s;
}
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function clientFor(s: StandIn, config: Partial<SpotifyConfig> = {}, hooks?: ConstructorParameters<typeof SpotifyClient>[1]): SpotifyClient {
  return new SpotifyClient(
    { clientId: "client", clientSecret: "secret", apiUrl: s.apiUrl, accountsUrl: s.accountsUrl, concurrency: 4, timeoutMs: 3000, maxWaitS: 5, retryLimit: 2, backoffBaseMs: 5, backoffLimitMs: 50, ...config },
    hooks,
  );
}

const sum = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);

describe("a 429 someone else caused", () => {
  it("early in a 40-track playlist: it completes in a bounded number of requests and the rate recovers", async function () {
    this.timeout(20_000);
    // Spotify's 30 s window (the default), and one 429 with Retry-After: 1 on the first items page.
    const s = await standIn({ faults: [{ endpoint: "playlist_items", nth: 1, status: 429, headers: { "retry-after": "1" } }] });
    const clean = await standIn();
    const reference = await extractPlaylist(clientFor(clean, { rateWindowMs: undefined }), FORTY_ID, DATE);
    const client = clientFor(s, { rateWindowMs: undefined });
    const snapshot = await extractPlaylist(client, FORTY_ID, DATE);
    expect(snapshot.entries).to.have.length(40);
    expect(snapshot.artists.length).to.equal(reference.artists.length);
    // Exactly the clean run's requests plus the refused one.
    expect(s.http429()).to.equal(1);
    expect(sum(s.counts())).to.equal(sum(clean.counts()));
    // The cut started from the client's own pace, not from "a few requests per 30 s": still many per second.
    const state = client.rateState();
    expect(state.cuts).to.equal(1);
    expect(state.ratePerS).to.be.greaterThan(5);
  });
});

describe("answers that stall or trickle (SPOTIFY_TIMEOUT_MS covers the whole exchange)", function () {
  this.timeout(20_000);

  it("headers, then a stalled body: a clear timeout error, not a hang", async () => {
    const s = await standIn({ faults: [{ endpoint: "playlist", status: 200, stallBody: true, times: 10 }] });
    const err = await extractPlaylist(clientFor(s, { timeoutMs: 300, retryLimit: 1 }), FORTY_ID, DATE).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(SpotifyTimeoutError);
    expect((err as Error).message).to.match(/within 300 ms/).and.match(/SPOTIFY_TIMEOUT_MS/);
    expect(s.counts().playlist).to.equal(2); // the first attempt and its one retry
  });

  it("a body trickled a byte at a time: a clear timeout error", async () => {
    const s = await standIn({ faults: [{ endpoint: "playlist", status: 200, trickleBodyMs: 20, times: 10 }] });
    const err = await extractPlaylist(clientFor(s, { timeoutMs: 400, retryLimit: 1 }), FORTY_ID, DATE).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(SpotifyTimeoutError);
    expect((err as Error).message).to.match(/SPOTIFY_TIMEOUT_MS/);
  });

  it("on the token endpoint too", async () => {
    const stalled = await standIn({ faults: [{ endpoint: "token", status: 200, stallBody: true, times: 10 }] });
    const trickled = await standIn({ faults: [{ endpoint: "token", status: 200, trickleBodyMs: 20, times: 10 }] });
    for (const s of [stalled, trickled]) {
      const err = await extractPlaylist(clientFor(s, { timeoutMs: 300, retryLimit: 1 }), FORTY_ID, DATE).catch((e: unknown) => e);
      expect(err).to.be.instanceOf(SpotifyTimeoutError);
      expect((err as Error).message).to.match(/token endpoint .* did not answer completely within 300 ms \(SPOTIFY_TIMEOUT_MS\)/);
      expect(s.counts().playlist).to.equal(0);
    }
  });
});

describe("a playlist that fails", () => {
  it("has its queued and outstanding requests aborted while the next playlist completes", async function () {
    this.timeout(20_000);
    // The long playlist's 5th single-artist call is refused for good (400 is not retried).
    const s = await standIn({ faults: [{ endpoint: "artist", nth: 5, status: 400 }] });
    const dir = mkdtempSync(path.join(tmpdir(), "abort-"));
    dirs.push(dir);
    const concurrency = 4;
    const outcomes = await extractPlaylists({ client: clientFor(s, { concurrency }), store: new LocalStore(dir), playlistIds: [LONG_ID, TO_FIND_ID], snapshotDate: DATE });
    expect(outcomes.map((o) => o.ok)).to.deep.equal([false, true]);
    const failedAt = s.requests.findIndex((r) => r.status === 400);
    const nextPlaylist = s.requests.findIndex((r) => r.endpoint === "playlist" && r.path.includes(TO_FIND_ID));
    // Between the failure and the next playlist's first request, at most the requests already in flight reached Spotify.
    expect(nextPlaylist - failedAt - 1).to.be.at.most(concurrency - 1);
    // The long playlist names 89 artists and 74 albums: almost none of them were asked for.
    const longRequests = s.requests.slice(0, nextPlaylist).filter((r) => r.endpoint === "artist" || r.endpoint === "album");
    expect(longRequests.length).to.be.at.most(5 + concurrency);
    // And nothing more arrives later.
    const total = s.requests.length;
    await new Promise((r) => setTimeout(r, 300));
    expect(s.requests.length).to.equal(total);
  });
});

describe("a refresh token from SPOTIFY_REFRESH_TOKEN that Spotify rotates", function () {
  this.timeout(30_000);
  const credentials = { clientId: "my-app", clientSecret: "my-secret", refreshToken: "first-refresh-token" };

  async function runCli(s: StandIn, dir: string, extra: NodeJS.ProcessEnv): Promise<{ code: number; text: string }> {
    const env: NodeJS.ProcessEnv = {
      SPOTIFY_CLIENT_ID: credentials.clientId,
      SPOTIFY_API_URL: s.apiUrl,
      SPOTIFY_ACCOUNTS_URL: s.accountsUrl,
      SPOTIFY_TOKEN_FILE: path.join(dir, "token.json"),
      ...extra,
    };
    const lines: string[] = [];
    const write = process.stdout.write;
    process.stdout.write = ((chunk: string) => (lines.push(chunk), true)) as typeof process.stdout.write;
    try {
      const code = await run(parseRunArgs(["--lake", path.join(dir, "lake"), "--playlist", FORTY_ID, "--stage", "extract"]), env, () => {});
      return { code, text: lines.join("") };
    } finally {
      process.stdout.write = write;
    }
  }

  it("is not lost: the rotated token is saved and wins over the stale variable on the next run, which says what to do", async () => {
    const s = await standIn({ credentials, rotateRefreshToken: true });
    const dir = mkdtempSync(path.join(tmpdir(), "rotate-"));
    dirs.push(dir);
    const env = { SPOTIFY_REFRESH_TOKEN: credentials.refreshToken };
    const first = await runCli(s, dir, env);
    expect(first.code).to.equal(0);
    const saved = readTokenFile(path.join(dir, "token.json"))!;
    expect(saved.refreshToken).to.not.equal(credentials.refreshToken);
    expect(s.refreshTokens()).to.deep.equal([saved.refreshToken]); // the old one is dead
    expect(readFileSync(path.join(dir, "token.json"), "utf8")).to.not.contain(credentials.refreshToken); // a hash, not the token
    // The same environment again: the newer token from the file is used, and the run says so.
    const second = await runCli(s, dir, env);
    expect(second.code).to.equal(0);
    expect(second.text).to.match(/SPOTIFY_REFRESH_TOKEN holds a refresh token that Spotify has since rotated/).and.match(/Unset SPOTIFY_REFRESH_TOKEN/);
    // And again: the file's lineage keeps knowing the first token.
    const third = await runCli(s, dir, env);
    expect(third.code).to.equal(0);
  });

  it("a token file not descended from the variable leaves the variable in charge", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "rotate-"));
    dirs.push(dir);
    const file = path.join(dir, "token.json");
    writeFileSync(file, JSON.stringify({ refresh_token: "from-another-sign-in", saved_at: "x" }));
    const config = spotifyConfigFromEnv({ SPOTIFY_CLIENT_ID: "id", SPOTIFY_REFRESH_TOKEN: "from-env" }, file)!;
    expect(config.refreshToken).to.equal("from-env");
    expect(config.notice).to.equal(undefined);
  });
});

describe("a token endpoint that echoes the request", () => {
  const secret = "my-client-secret+/=";
  const refreshToken = "my-refresh-token/with+odd=chars";
  const clientId = "echo-client";
  const basic = Buffer.from(`${clientId}:${secret}`).toString("base64");
  const leaks = (text: string) => [secret, refreshToken, basic, encodeURIComponent(secret), encodeURIComponent(refreshToken), new URLSearchParams({ r: refreshToken }).toString().slice(2)].filter((x) => text.includes(x));

  for (const echo of ["json", "text"] as const) {
    it(`(${echo} body): neither the refresh token, the secret nor the Basic credentials reach the error`, async () => {
      const s = await standIn({ credentials: { clientId, clientSecret: secret, refreshToken }, faults: [{ endpoint: "token", status: echo === "json" ? 400 : 200, echoRequest: echo }] });
      const err = await extractPlaylist(clientFor(s, { clientId, clientSecret: secret, refreshToken }), FORTY_ID, DATE).catch((e: unknown) => e);
      expect(err).to.be.instanceOf(Error);
      const text = `${(err as Error).message} ${(err as Error).stack ?? ""}`;
      expect(text).to.contain("echo:"); // the endpoint's answer is shown ...
      expect(text).to.contain("[redacted]"); // ... without the secrets
      expect(leaks(text)).to.deep.equal([]);
      if (echo === "json") expect(err).to.be.instanceOf(SpotifyAuthError);
    });
  }

  it("nor what npm start prints", async () => {
    const s = await standIn({ credentials: { clientId, clientSecret: secret, refreshToken }, faults: [{ endpoint: "token", status: 400, echoRequest: "json", times: 5 }] });
    const dir = mkdtempSync(path.join(tmpdir(), "echo-"));
    dirs.push(dir);
    const env: NodeJS.ProcessEnv = {
      SPOTIFY_CLIENT_ID: clientId,
      SPOTIFY_CLIENT_SECRET: secret,
      SPOTIFY_REFRESH_TOKEN: refreshToken,
      SPOTIFY_API_URL: s.apiUrl,
      SPOTIFY_ACCOUNTS_URL: s.accountsUrl,
      SPOTIFY_TOKEN_FILE: path.join(dir, "token.json"),
    };
    const lines: string[] = [];
    const out = process.stdout.write;
    const err = process.stderr.write;
    process.stdout.write = ((chunk: string) => (lines.push(chunk), true)) as typeof process.stdout.write;
    process.stderr.write = ((chunk: string) => (lines.push(chunk), true)) as typeof process.stderr.write;
    let code: number;
    try {
      code = await run(parseRunArgs(["--lake", path.join(dir, "lake"), "--playlist", FORTY_ID]), env, () => {});
    } finally {
      process.stdout.write = out;
      process.stderr.write = err;
    }
    const printed = lines.join("");
    expect(code).to.equal(1);
    expect(printed).to.contain("[redacted]");
    expect(leaks(printed)).to.deep.equal([]);
  });
});
