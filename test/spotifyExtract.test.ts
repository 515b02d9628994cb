import { expect } from "chai";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { startSpotifyStandIn, type StandIn, type StandInOptions } from "../lib/standin/spotifyStandIn";
import { SpotifyClient } from "../lib/spotify/client";
import type { SpotifyConfig } from "../lib/spotify/config";
import { extractPlaylist } from "../lib/extract/extractPlaylist";
import {
  EditorialPlaylistError,
  InvalidResponseError,
  PlaylistForbiddenError,
  SpotifyAuthError,
} from "../lib/spotify/errors";
import { readEntry } from "../lib/spotify/schemas";
import { RawSnapshot } from "../lib/snapshot/rawSnapshot";
import { extractPlaylists } from "../lib/extract/runExtraction";
import { LocalStore } from "../lib/storage/localStore";
import { rawSnapshotKey } from "../lib/lake/layout";
import { comparable, LONG_ENTRIES, LONG_ID, testData, testDataWithBadTrack } from "./support/spotifyTestData";

const DATE = "2026-11-25";
const ARTISTS = 89; // distinct track and album artists of "The Core"
const ALBUMS = 74;
/** Dev mode: one refused batch call, then one call per id. */
const DEV_CALLS = { token: 1, playlist: 1, playlist_items: 4, artists_batch: 1, artist: ARTISTS, album: ALBUMS };
const BATCH_CALLS = { token: 1, playlist: 1, playlist_items: 4, artists_batch: Math.ceil(ARTISTS / 50), albums_batch: Math.ceil(ALBUMS / 20) };

const servers: StandIn[] = [];
async function standIn(options: Partial<StandInOptions> = {}): Promise<StandIn> {
  const s = await startSpotifyStandIn({ data: testData(), ...options });
  servers.push(s);
  return s;
}

function clientFor(s: StandIn, config: Partial<SpotifyConfig> = {}, hooks?: ConstructorParameters<typeof SpotifyClient>[1]): SpotifyClient {
  return new SpotifyClient(
    { clientId: "client", clientSecret: "secret", apiUrl: s.apiUrl, accountsUrl: s.accountsUrl, concurrency: 4, timeoutMs: 3000, maxWaitS: 5, retryLimit: 4, backoffBaseMs: 5, backoffLimitMs: 50, ...config },
    hooks,
  );
}

/** The stand-in's counts without the endpoints nobody called. */
function answered(s: StandIn): Record<string, number> {
  return Object.fromEntries(Object.entries(s.counts()).filter(([, n]) => n > 0));
}

async function extractWith(options: Partial<StandInOptions> = {}, config: Partial<SpotifyConfig> = {}, id = LONG_ID) {
  const s = await standIn(options);
  const client = clientFor(s, config);
  const snapshot = await extractPlaylist(client, id, DATE);
  return { s, client, snapshot };
}

/** Runs one playlist through extraction and landing on a fresh lake; returns the error and the raw keys written. */
async function landWith(options: Partial<StandInOptions>, config: Partial<SpotifyConfig> = {}, id = LONG_ID) {
  const s = await standIn(options);
  const dir = mkdtempSync(path.join(tmpdir(), "extract-"));
  dirs.push(dir);
  const store = new LocalStore(dir);
  const [outcome] = await extractPlaylists({ client: clientFor(s, config), store, playlistIds: [id], snapshotDate: DATE });
  return { s, outcome, keys: await store.list("raw_data/") };
}
const dirs: string[] = [];

describe("extraction from the Spotify stand-in", () => {
  let baseline: RawSnapshot;

  before(async () => {
    baseline = (await extractWith()).snapshot;
  });

  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });
  after(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it("reads every page in order, keeps duplicates, skips and counts null items, local files and episodes", async () => {
    const { s, snapshot } = await extractWith();
    expect(RawSnapshot.parse(snapshot)).to.be.an("object");
    expect(snapshot.entries).to.have.length(LONG_ENTRIES);
    const served = testData().playlists[LONG_ID].entries;
    snapshot.entries.forEach((e, i) => expect(e.item, `entry ${i}`).to.deep.equal(served[i].track));
    expect(snapshot.extraction.skipped).to.deep.equal({ null_items: 1, local_files: 1, episodes: 1 });
    const ids = snapshot.entries.map((e) => readEntry(e)).flatMap((r) => (r.kind === "track" ? [r.track.id] : []));
    expect(ids).to.have.length(148);
    expect(new Set(ids).size).to.equal(74); // every track twice, at two positions
    expect(snapshot.artists.map((a) => a.id)).to.deep.equal([...snapshot.artists.map((a) => a.id)].sort());
    expect(snapshot.artists).to.have.length(ARTISTS);
    expect(snapshot.albums).to.have.length(ALBUMS);
    expect(snapshot.playlist).to.not.have.property("items");
    expect(snapshot.playlist).to.not.have.property("tracks");
    expect(snapshot.extraction).to.include({ auth_mode: "client_credentials", response_shape: "items", enrichment_mode: "single", retries: 0, http_429: 0 });
    expect(snapshot.extraction.calls).to.deep.equal(DEV_CALLS);
    expect(answered(s)).to.deep.equal(DEV_CALLS);
    const pages = s.requests.filter((r) => r.endpoint === "playlist_items").map((r) => new URL(r.path, "http://x").searchParams);
    expect(pages.map((q) => [q.get("limit"), q.get("offset")])).to.have.deep.members([["50", "0"], ["50", "50"], ["50", "100"], ["50", "150"]]);
  });

  it("asks for the other pages as soon as the first says how many there are, without waiting for the playlist object", async () => {
    // The playlist object answers late (a 2xx fault serves the real answer after delayMs).
    const { s, snapshot } = await extractWith({ faults: [{ endpoint: "playlist", status: 200, delayMs: 300 }] });
    expect(snapshot.entries).to.have.length(LONG_ENTRIES);
    const playlistAnswered = s.requests.find((r) => r.endpoint === "playlist")!.at;
    const pages = s.requests.filter((r) => r.endpoint === "playlist_items");
    expect(pages).to.have.length(4);
    for (const page of pages) expect(page.at, page.path).to.be.below(playlistAnswered);
  });

  it("uses the batch endpoints where the app has them, with exactly the calls needed", async () => {
    const { s, snapshot } = await extractWith({ batchEndpoints: true });
    expect(snapshot.extraction.calls).to.deep.equal(BATCH_CALLS);
    expect(answered(s)).to.deep.equal(BATCH_CALLS);
    expect(snapshot.extraction.enrichment_mode).to.equal("batch");
    expect(comparable(snapshot, { ignoreStats: true })).to.deep.equal(comparable({ ...baseline, extraction: { ...baseline.extraction, enrichment_mode: "batch" } }, { ignoreStats: true }));
  });

  it("remembers the fallback to single calls for the rest of the run", async () => {
    const s = await standIn();
    const client = clientFor(s);
    await extractPlaylist(client, LONG_ID, DATE);
    const second = await extractPlaylist(client, LONG_ID, DATE);
    expect(second.extraction.calls).to.deep.equal({ playlist: 1, playlist_items: 4, artist: ARTISTS, album: ALBUMS });
    expect(s.counts().artists_batch).to.equal(1);
  });

  for (const shape of ["tracks", "both"] as const) {
    it(`gives the same snapshot when the API sends the "${shape}" shape`, async () => {
      const { snapshot } = await extractWith({ shape });
      expect(snapshot.extraction.response_shape).to.equal(shape);
      expect(comparable(snapshot, { ignoreShape: true })).to.deep.equal(comparable(baseline, { ignoreShape: true }));
    });
  }

  it("waits Retry-After on a 429 on a later page and gives the same snapshot", async () => {
    const { s, snapshot } = await extractWith({ faults: [{ endpoint: "playlist_items", nth: 3, status: 429, headers: { "retry-after": "1" } }] });
    expect(comparable(snapshot, { ignoreStats: true })).to.deep.equal(comparable(baseline, { ignoreStats: true }));
    expect(snapshot.extraction).to.include({ http_429: 1, retries: 1 });
    expect(snapshot.extraction.calls).to.deep.equal(DEV_CALLS);
    expect(s.http429()).to.equal(1);
  });

  it("retries a burst of 500s and gives the same snapshot", async () => {
    const { s, snapshot } = await extractWith({ faults: [{ endpoint: "artist", nth: 7, times: 3, status: 500 }, { endpoint: "playlist", status: 503 }] });
    expect(comparable(snapshot, { ignoreStats: true })).to.deep.equal(comparable(baseline, { ignoreStats: true }));
    expect(snapshot.extraction.retries).to.equal(4);
    expect(snapshot.extraction.calls).to.deep.equal({ ...DEV_CALLS, artist: ARTISTS + 3, playlist: 2 });
    expect(answered(s)).to.deep.equal(snapshot.extraction.calls);
  });

  it("gets one new token on a 401 in the middle of the run and gives the same snapshot", async () => {
    const { snapshot } = await extractWith({ faults: [{ endpoint: "album", nth: 20, status: 401 }] });
    expect(comparable(snapshot, { ignoreStats: true })).to.deep.equal(comparable(baseline, { ignoreStats: true }));
    expect(snapshot.extraction.calls).to.deep.equal({ ...DEV_CALLS, token: 2, album: ALBUMS + 1 });
  });

  it("fails with the access token refused twice, without looping", async () => {
    const { outcome, keys, s } = await landWith({ faults: [{ endpoint: "playlist", status: 401, times: 5 }] });
    expect(outcome.ok).to.equal(false);
    expect(outcome.error).to.match(/refused the access token twice/).and.match(/npm run auth/);
    expect(s.counts().playlist).to.equal(2);
    expect(keys).to.deep.equal([]);
  });

  it("retries a body cut off in transit and gives the same snapshot", async () => {
    const { snapshot } = await extractWith({ faults: [{ endpoint: "playlist_items", nth: 2, status: 200, truncateBody: true }] });
    expect(comparable(snapshot, { ignoreStats: true })).to.deep.equal(comparable(baseline, { ignoreStats: true }));
    expect(snapshot.extraction.retries).to.equal(1);
  });

  it("fails clearly when every answer is cut off, and writes nothing", async () => {
    const { outcome, keys } = await landWith({ faults: [{ endpoint: "playlist_items", nth: 2, times: 99, status: 200, truncateBody: true }] }, { retryLimit: 2 });
    expect(outcome.ok).to.equal(false);
    expect(outcome.error).to.match(/failed 3 times/).and.match(/cut off/);
    expect(keys).to.deep.equal([]);
  });

  it("retries a response slower than the timeout and gives the same snapshot", async () => {
    const { snapshot } = await extractWith({ faults: [{ endpoint: "artist", nth: 3, status: 200, delayMs: 1500 }] }, { timeoutMs: 300 });
    expect(comparable(snapshot, { ignoreStats: true })).to.deep.equal(comparable(baseline, { ignoreStats: true }));
    expect(snapshot.extraction.retries).to.equal(1);
  });

  it("fails with a timeout error when Spotify stays too slow, and writes nothing", async () => {
    const { outcome, keys } = await landWith({ faults: [{ endpoint: "playlist", times: 99, status: 200, delayMs: 1000 }] }, { timeoutMs: 150, retryLimit: 2 });
    expect(outcome.ok).to.equal(false);
    expect(outcome.error).to.match(/did not answer GET \/v1\/playlists\/\w+.* within 150 ms, 3 times/).and.match(/SPOTIFY_TIMEOUT_MS/);
    expect(keys).to.deep.equal([]);
  });

  it("stops when Retry-After is longer than the run may wait, and writes nothing", async () => {
    const { outcome, keys, s } = await landWith({ faults: [{ endpoint: "artist", nth: 2, status: 429, headers: { "retry-after": "3600" } }] }, { maxWaitS: 60 });
    expect(outcome.ok).to.equal(false);
    expect(outcome.error).to.match(/Retry-After 3600 s, longer than this run may wait \(60 s\)/).and.match(/SPOTIFY_MAX_WAIT_S/);
    expect(s.http429()).to.equal(1);
    expect(keys).to.deep.equal([]);
  });

  it("reports QUOTA_EXCEEDED as such and does not retry it", async () => {
    const body = { error: { status: 429, message: "Quota exceeded", reason: "QUOTA_EXCEEDED" } };
    const { outcome, keys, s } = await landWith({ faults: [{ endpoint: "playlist_items", nth: 2, status: 429, headers: { "retry-after": "1" }, body }] });
    expect(outcome.ok).to.equal(false);
    expect(outcome.error).to.match(/quota exceeded \(429 QUOTA_EXCEEDED\)/);
    expect(s.http429()).to.equal(1);
    expect(keys).to.deep.equal([]);
  });

  it("explains the 404 of an editorial playlist, and writes nothing", async () => {
    const { outcome, keys } = await landWith({}, {}, "37i9dQZEVXbMDoHDwVN2tF");
    expect(outcome.ok).to.equal(false);
    expect(outcome.error).to.match(/editorial/).and.match(/27 November 2024/);
    expect(keys).to.deep.equal([]);
    const s = await standIn();
    const err = await extractPlaylist(clientFor(s), "37i9dQZF1DWXIcbzpLauPS", DATE).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(EditorialPlaylistError);
  });

  it("explains a 404 on an ordinary id differently", async () => {
    const { outcome } = await landWith({}, {}, "0000000000000000000000");
    expect(outcome.error).to.match(/was not found \(404/).and.not.match(/editorial/);
  });

  it("explains a 403 on the items as the development-mode rule, and writes nothing", async () => {
    const { outcome, keys } = await landWith({ faults: [{ endpoint: "playlist_items", status: 403 }] });
    expect(outcome.ok).to.equal(false);
    expect(outcome.error).to.match(/owns or collaborates on/).and.match(/npm run auth/);
    expect(keys).to.deep.equal([]);
    const s = await standIn({ faults: [{ endpoint: "playlist_items", status: 403, body: "" }] });
    const err = await extractPlaylist(clientFor(s), LONG_ID, DATE).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(PlaylistForbiddenError);
    expect(s.counts().playlist_items).to.equal(1); // not retried
  });

  it("names the field of an entry that does not fit, and writes nothing", async () => {
    const s = await startSpotifyStandIn({ data: testDataWithBadTrack() });
    servers.push(s);
    const err = await extractPlaylist(clientFor(s), LONG_ID, DATE).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(InvalidResponseError);
    expect((err as Error).message).to.match(/items\[10\]/).and.match(/item\.album\.release_date_precision/);
    const dir = mkdtempSync(path.join(tmpdir(), "extract-"));
    dirs.push(dir);
    const store = new LocalStore(dir);
    const [outcome] = await extractPlaylists({ client: clientFor(s), store, playlistIds: [LONG_ID], snapshotDate: DATE });
    expect(outcome.ok).to.equal(false);
    expect(await store.list("")).to.deep.equal([]);
  });

  it("names the field of a response body that does not fit", async () => {
    const { outcome, keys } = await landWith({ faults: [{ endpoint: "artist", nth: 5, status: 200, body: { id: "x", name: 42 } }] });
    expect(outcome.error).to.match(/GET \/v1\/artists\/\w+ does not have the expected shape at name:/);
    expect(keys).to.deep.equal([]);
  });

  it("hands a rotated refresh token to the caller and uses it for the next refresh", async () => {
    const s = await standIn({ credentials: { clientId: "client", refreshToken: "first-refresh-token" }, rotateRefreshToken: true, faults: [{ endpoint: "artist", nth: 10, status: 401 }] });
    const stored: string[] = [];
    const client = clientFor(s, { clientSecret: undefined, refreshToken: "first-refresh-token" }, { onRefreshToken: (t) => void stored.push(t) });
    expect(client.authMode).to.equal("refresh_token");
    const snapshot = await extractPlaylist(client, LONG_ID, DATE);
    expect(snapshot.extraction.auth_mode).to.equal("refresh_token");
    expect(snapshot.extraction.calls.token).to.equal(2);
    expect(stored).to.have.length(2);
    expect(stored[0]).to.not.equal("first-refresh-token");
    expect(s.refreshTokens()).to.deep.equal([stored[1]]);
  });

  it("says which setting to fix when the token endpoint refuses", async () => {
    const s = await standIn({ credentials: { clientId: "client", clientSecret: "right", refreshToken: "good" } });
    const badSecret = await extractPlaylist(clientFor(s, { clientSecret: "wrong" }), LONG_ID, DATE).catch((e: unknown) => e);
    expect(badSecret).to.be.instanceOf(SpotifyAuthError);
    expect((badSecret as Error).message).to.match(/invalid_client/).and.match(/SPOTIFY_CLIENT_SECRET/);
    const badRefresh = await extractPlaylist(clientFor(s, { clientSecret: undefined, refreshToken: "revoked" }), LONG_ID, DATE).catch((e: unknown) => e);
    expect((badRefresh as Error).message).to.match(/invalid_grant/).and.match(/npm run auth/);
    expect(s.counts().playlist).to.equal(0);
  });

  it("keeps 429s rare under a rolling-window rate limit, with the same snapshot", async function () {
    this.timeout(20_000);
    const { s, snapshot, client } = await extractWith({ rateLimit: { requests: 40, windowMs: 400 } }, { concurrency: 8, retryLimit: 8, rateWindowMs: 400 });
    expect(comparable(snapshot, { ignoreStats: true })).to.deep.equal(comparable(baseline, { ignoreStats: true }));
    expect(snapshot.extraction.calls).to.deep.equal(DEV_CALLS);
    // The burst that first meets the limit gets 429s (at most one per request in flight); after that the controller paces the client, probing now and then.
    expect(s.http429()).to.be.at.most(16);
    expect(snapshot.extraction.http_429).to.equal(s.http429());
    expect(client.rateState().cuts).to.be.greaterThan(0);
  });

  it("lands several playlists, one failing: the others are written and the failing one is named", async () => {
    const s = await standIn();
    const dir = mkdtempSync(path.join(tmpdir(), "extract-"));
    dirs.push(dir);
    const store = new LocalStore(dir);
    const ids = [LONG_ID, "37i9dQZF1DWXIcbzpLauPS", "1Cp6VQCKf2VL4sP09jN9oX"];
    const outcomes = await extractPlaylists({ client: clientFor(s), store, playlistIds: ids, snapshotDate: DATE });
    expect(outcomes.map((o) => [o.playlistId, o.ok])).to.deep.equal([[ids[0], true], [ids[1], false], [ids[2], true]]);
    expect(outcomes[1].error).to.match(/37i9dQZF1DWXIcbzpLauPS/);
    expect(await store.list("raw_data/")).to.deep.equal([rawSnapshotKey(DATE, ids[2]), rawSnapshotKey(DATE, ids[0])].sort());
    expect(outcomes[0]).to.include({ key: rawSnapshotKey(DATE, ids[0]), entries: LONG_ENTRIES });
    expect(outcomes[2].calls).to.deep.equal({ playlist: 1, playlist_items: 1, artist: 2, album: 1 });
  });
});
