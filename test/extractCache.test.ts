/**
 * The artist and album cache (issue 9 §2, C2) and the checkpoint between invocations (C4), on
 * the stand-in in development mode (batch endpoints refused, one call per id).
 */
import { expect } from "chai";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { startSpotifyStandIn, type StandIn, type StandInOptions } from "../lib/standin/spotifyStandIn";
import type { Json, StandInData } from "../lib/standin/recordedData";
import { SpotifyClient } from "../lib/spotify/client";
import type { SpotifyConfig } from "../lib/spotify/config";
import { extractPlaylist } from "../lib/extract/extractPlaylist";
import { extractAndLand, extractPlaylists } from "../lib/extract/runExtraction";
import { CatalogCache, cacheObjectKey, planRefresh, type CachedCatalog } from "../lib/extract/catalogCache";
import { CACHE_DEFAULTS, cacheSettingsFromEnv, type CacheSettings } from "../lib/extract/cacheSettings";
import { checkpointKey } from "../lib/extract/checkpoint";
import { ExtractionIncompleteError } from "../lib/extract/errors";
import { RawSnapshot } from "../lib/snapshot/rawSnapshot";
import { snapshotToTables } from "../lib/transform/toTables";
import { LocalStore } from "../lib/storage/localStore";
import { SPOTIFY_CACHE_PREFIX } from "../lib/lake/layout";
import { LONG_ID, testData } from "./support/spotifyTestData";

const DATE = "2026-11-25";
const ARTISTS = 89;
const ALBUMS = 74;
const DAY1 = () => new Date("2026-11-25T10:00:00Z");
const DAY2 = () => new Date("2026-11-26T10:00:00Z");

const servers: StandIn[] = [];
const dirs: string[] = [];
async function standIn(options: Partial<StandInOptions> = {}): Promise<StandIn> {
  const s = await startSpotifyStandIn({ data: testData(), ...options });
  servers.push(s);
  return s;
}
const clientFor = (s: StandIn, config: Partial<SpotifyConfig> = {}) =>
  new SpotifyClient({ clientId: "client", clientSecret: "secret", apiUrl: s.apiUrl, accountsUrl: s.accountsUrl, concurrency: 4, timeoutMs: 3000, maxWaitS: 5, retryLimit: 4, backoffBaseMs: 5, backoffLimitMs: 50, ...config });
function lake(): LocalStore {
  const dir = mkdtempSync(path.join(tmpdir(), "cache-"));
  dirs.push(dir);
  return new LocalStore(dir);
}
const answered = (s: StandIn) => Object.fromEntries(Object.entries(s.counts()).filter(([, n]) => n > 0));
/** Artist and album paths the stand-in answered (not 429s). */
const catalogPaths = (s: StandIn) => s.requests.filter((r) => (r.endpoint === "artist" || r.endpoint === "album") && r.status !== 429).map((r) => r.path);
/** The snapshot without what differs between runs by design: times, counts, fetch days and cache figures. */
function content(snapshot: RawSnapshot): unknown {
  const { started_at: _s, finished_at: _f, calls: _c, retries: _r, http_429: _h, fetched_on: _d, cache: _k, attempts: _a, enrichment_mode: _m, ...rest } = snapshot.extraction;
  return { ...snapshot, extraction: rest };
}

/** testData with `n` entries of LONG_ID replaced by tracks of new artists and albums (also served by the stand-in). */
function dataWithNewTracks(n: number): { data: StandInData; artistIds: string[]; albumIds: string[] } {
  const data = testData();
  const entries = data.playlists[LONG_ID].entries.map((e) => structuredClone(e));
  const artistIds: string[] = [];
  const albumIds: string[] = [];
  for (let i = 0; i < n; i++) {
    const track = entries[i].track as Json;
    const artistId = `0newArtist${String(i).padStart(12, "0")}`;
    const albumId = `0newAlbum0${String(i).padStart(12, "0")}`;
    const oldArtist = (track.artists as Json[])[0];
    const artist = { ...oldArtist, id: artistId, name: `New artist ${i}` };
    const album = { ...(track.album as Json), id: albumId, name: `New album ${i}`, artists: [artist] };
    entries[i] = { ...entries[i], track: { ...track, id: `0newTrack0${String(i).padStart(12, "0")}`, artists: [artist], album } };
    data.artists[artistId] = { ...data.artists[oldArtist.id as string], id: artistId, name: `New artist ${i}` };
    data.albums[albumId] = { ...data.albums[(track.album as Json).id as string], id: albumId, name: `New album ${i}`, artists: [artist] };
    artistIds.push(artistId);
    albumIds.push(albumId);
  }
  data.playlists[LONG_ID] = { ...data.playlists[LONG_ID], entries };
  return { data, artistIds, albumIds };
}

describe("artist and album cache (stand-in, development mode)", () => {
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });
  after(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it("day 2 of an unchanged playlist fetches only pages and the day's refresh allowance, and the snapshot and tables are the same", async () => {
    const store = lake();
    const cache = new CatalogCache(store, { maxAgeDays: 30, dailyRefresh: 10 });
    const first = await standIn();
    const day1 = await extractPlaylist(clientFor(first), LONG_ID, DATE, { cache, now: DAY1 });
    expect(answered(first)).to.deep.equal({ token: 1, playlist: 1, playlist_items: 4, artists_batch: 1, artist: ARTISTS, album: ALBUMS });
    expect(day1.extraction.cache).to.deep.equal({ reused: 0, fetched_new: ARTISTS + ALBUMS, refreshed: 0 });
    // One object per id under the documented prefix, and no temporary file left behind.
    const artistFiles = readdirSync(path.join(store.root, SPOTIFY_CACHE_PREFIX, "artists"));
    expect(artistFiles).to.have.length(ARTISTS);
    expect(artistFiles.every((f) => f.endsWith(".json"))).to.equal(true);

    const second = await standIn();
    const day2 = await extractPlaylist(clientFor(second), LONG_ID, "2026-11-26", { cache, now: DAY2 });
    // No batch probe: the refusal of day 1 is remembered. 10 refreshes: the oldest first.
    const refreshed = catalogPaths(second);
    expect(answered(second)).to.deep.equal({ token: 1, playlist: 1, playlist_items: 4, ...countBy(refreshed) });
    expect(refreshed).to.have.length(10);
    expect(day2.extraction.cache).to.deep.equal({ reused: ARTISTS + ALBUMS - 10, fetched_new: 0, refreshed: 10 });
    expect(content({ ...day2, snapshot_date: DATE })).to.deep.equal(content(day1));
    expect(snapshotToTables({ ...day2, snapshot_date: DATE })).to.deep.equal(snapshotToTables(day1));

    // The snapshot records the day each object was fetched: 10 today, the rest yesterday.
    const days = [...Object.values(day2.extraction.fetched_on!.artists), ...Object.values(day2.extraction.fetched_on!.albums)];
    expect(days.filter((d) => d === "2026-11-26")).to.have.length(10);
    expect(days.filter((d) => d === "2026-11-25")).to.have.length(ARTISTS + ALBUMS - 10);
    expect(RawSnapshot.safeParse(day2).success).to.equal(true);
  });

  it("fetches exactly the new artists and albums when entries change", async () => {
    const store = lake();
    const cache = new CatalogCache(store, { maxAgeDays: 30, dailyRefresh: 0 });
    await extractPlaylist(clientFor(await standIn()), LONG_ID, DATE, { cache, now: DAY1 });
    const changed = dataWithNewTracks(3);
    const s = await standIn({ data: changed.data });
    const snapshot = await extractPlaylist(clientFor(s), LONG_ID, "2026-11-26", { cache, now: DAY2 });
    const expected = [...changed.artistIds.map((id) => `/v1/artists/${id}`), ...changed.albumIds.map((id) => `/v1/albums/${id}`)];
    expect(catalogPaths(s)).to.have.members(expected);
    expect(catalogPaths(s)).to.have.length(expected.length);
    expect(snapshot.artists.map((a) => a.id)).to.include.members(changed.artistIds);
    expect(snapshot.albums.map((a) => a.id)).to.include.members(changed.albumIds);
    expect(snapshot.extraction.cache).to.include({ fetched_new: 6, refreshed: 0 });
    // Tables as from a run without any cache.
    const uncached = await extractPlaylist(clientFor(s), LONG_ID, "2026-11-26");
    expect(snapshotToTables(snapshot)).to.deep.equal(snapshotToTables(uncached));
  });

  it("fetches again every object older than the reuse period, even beyond the daily allowance", async () => {
    const store = lake();
    const cache = new CatalogCache(store, { maxAgeDays: 30, dailyRefresh: 5 });
    await extractPlaylist(clientFor(await standIn()), LONG_ID, DATE, { cache, now: DAY1 });
    const s = await standIn();
    const snapshot = await extractPlaylist(clientFor(s), LONG_ID, "2026-12-25", { cache, now: () => new Date("2026-12-25T10:00:00Z") });
    expect(catalogPaths(s)).to.have.length(ARTISTS + ALBUMS);
    expect(snapshot.extraction.cache).to.deep.equal({ reused: 0, fetched_new: 0, refreshed: ARTISTS + ALBUMS });
  });

  it("reads an unreadable cache entry as missing and fetches it again", async () => {
    const store = lake();
    const cache = new CatalogCache(store, { maxAgeDays: 30, dailyRefresh: 0 });
    const day1 = await extractPlaylist(clientFor(await standIn()), LONG_ID, DATE, { cache, now: DAY1 });
    const id = day1.artists[0].id;
    await store.put(cacheObjectKey("artists", id), "{ not json");
    const s = await standIn();
    // Another process on day 2 (this one's CatalogCache keeps what it read and wrote in memory).
    await extractPlaylist(clientFor(s), LONG_ID, "2026-11-26", { cache: new CatalogCache(store, cache.settings), now: DAY2 });
    expect(catalogPaths(s)).to.deep.equal([`/v1/artists/${id}`]);
  });

  it("says what access it needs when the cache cannot be written, and lands nothing", async () => {
    const store = lake();
    const denying = Object.assign(Object.create(store) as LocalStore, {
      put: async (key: string, body: Uint8Array | string) => {
        if (key.startsWith(SPOTIFY_CACHE_PREFIX)) throw new Error("Access Denied");
        return store.put(key, body);
      },
      // S3 denies a conditional PutObject (a claim) as it denies any other.
      create: async (key: string, body: Uint8Array | string) => {
        if (key.startsWith(SPOTIFY_CACHE_PREFIX)) throw new Error("Access Denied");
        return store.create(key, body);
      },
    });
    const { outcome, keys } = await (async () => {
      const [o] = await extractPlaylists({ client: clientFor(await standIn()), store: denying, playlistIds: [LONG_ID], snapshotDate: DATE, cache: new CatalogCache(denying, CACHE_DEFAULTS) });
      return { outcome: o, keys: await store.list("") };
    })();
    expect(outcome.ok).to.equal(false);
    expect(outcome.error).to.match(/^Could not write cache\/spotify\/[\w/-]+\.json in .* \(Access Denied\)\. The extractor needs to read and write under cache\/spotify\//);
    expect(keys).to.deep.equal([]);
  });

  it("never makes a key of an id that is not base62", async () => {
    const store = lake();
    const cache = new CatalogCache(store, CACHE_DEFAULTS);
    await cache.write("artists", "../../raw_data/x", { id: "x", name: "x" }, "2026-11-25T00:00:00.000Z");
    expect(await store.list("")).to.deep.equal([]);
  });

  it("stops before the deadline, keeps what it fetched, and resumes over three invocations without fetching anything twice", async function () {
    this.timeout(60_000);
    const baseline = await extractPlaylist(clientFor(await standIn()), LONG_ID, DATE);
    // The API allows 50 requests a second and an invocation has 1.7 s: the clock of each invocation advances
    // 20 ms per request the stand-in receives (deterministic, unlike the machine's speed). 400 ms are kept in
    // reserve, so an invocation makes about 65 requests and the 170 calls need three invocations.
    const s = await standIn();
    const store = lake();
    const cache = new CatalogCache(store, CACHE_DEFAULTS);
    const errors: ExtractionIncompleteError[] = [];
    let landed: Awaited<ReturnType<typeof extractAndLand>> | undefined;
    for (let invocation = 1; invocation <= 6 && !landed; invocation++) {
      const requestsBefore = s.requests.length;
      const remainingMs = () => 1700 - 20 * (s.requests.length - requestsBefore);
      try {
        landed = await extractAndLand(clientFor(s), store, LONG_ID, DATE, { cache, remainingMs, reserveMs: 400, now: DAY1 });
      } catch (err) {
        if (!(err instanceof ExtractionIncompleteError)) throw err;
        errors.push(err);
        expect(await store.list("raw_data/")).to.deep.equal([]);
      }
    }
    expect(errors.map((e) => e.progress.attempt)).to.deep.equal([1, 2]);
    expect(errors[0].message).to.match(/stopped before the invocation's deadline \(attempt 1\).*The next attempt for the same snapshot date resumes/);
    expect(landed!.snapshot.extraction.attempts).to.equal(3);
    // Every page and object was requested once (429s aside); each invocation signed in once.
    const fetched = s.requests.filter((r) => r.status !== 429 && r.endpoint !== "token").map((r) => r.path);
    expect(new Set(fetched).size).to.equal(fetched.length);
    expect(answered(s)).to.deep.equal({ token: 3, playlist: 1, playlist_items: 4, artists_batch: 1, artist: ARTISTS, album: ALBUMS });
    expect(landed!.snapshot.extraction.calls).to.deep.equal(answered(s));
    expect(content(landed!.snapshot)).to.deep.equal(content(baseline));
    expect(await store.list("raw_data/")).to.deep.equal([landed!.key]);
    // The checkpoint is closed: a later run of the day starts afresh.
    const closed = JSON.parse(Buffer.from(await store.get(checkpointKey(LONG_ID))).toString("utf8"));
    expect(closed).to.include({ done: true, attempts: 3 });
    expect(closed.pages).to.deep.equal([]);
  });

  it("keeps the pages read when it stops among them, and reads only the others on resume", async () => {
    const s = await standIn();
    const store = lake();
    const cache = new CatalogCache(store, CACHE_DEFAULTS);
    // Time for 3 requests (token, playlist, first page) before the reserve: the other pages wait for the next attempt.
    const err = await extractAndLand(clientFor(s), store, LONG_ID, DATE, { cache, remainingMs: () => 450 - 20 * s.requests.length, reserveMs: 400, now: DAY1 }).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(ExtractionIncompleteError);
    expect((err as ExtractionIncompleteError).progress).to.include({ attempt: 1, objectsLeft: -1 });
    const pagesBefore = (err as ExtractionIncompleteError).progress.pagesFetched;
    expect(pagesBefore).to.equal(1);
    const { snapshot } = await extractAndLand(clientFor(s), store, LONG_ID, DATE, { cache, now: DAY1 });
    expect(snapshot.entries).to.have.length(151);
    const pages = s.requests.filter((r) => r.endpoint === "playlist_items").map((r) => r.path);
    expect(pages).to.have.length(4);
    expect(new Set(pages).size).to.equal(4);
    expect(s.counts().playlist).to.equal(1);
  });

  it("without a cache, a stop at the deadline still throws ExtractionIncompleteError", async () => {
    const s = await standIn();
    const err = await extractPlaylist(clientFor(s), LONG_ID, DATE, { remainingMs: () => 450 - 20 * s.requests.length, reserveMs: 400 }).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(ExtractionIncompleteError);
    expect((err as Error).message).to.include("not kept (no cache was given)");
  });

  it("refuses to start with less time than its reserve, saying how long the function's timeout must be", async () => {
    const s = await standIn();
    const store = lake();
    const err = await extractPlaylist(clientFor(s), LONG_ID, DATE, { cache: new CatalogCache(store, CACHE_DEFAULTS), remainingMs: () => 20_000 }).catch((e: unknown) => e);
    expect(err).to.not.be.instanceOf(ExtractionIncompleteError);
    expect((err as Error).message).to.equal(
      "The invocation has 20000 ms left at its start, less than the 30000 ms the extractor keeps to stop cleanly; nothing was fetched or written. " +
        "Give the extract function a longer timeout (Pulumi config extractTimeoutSeconds, at least 90 s).",
    );
    expect(s.requests).to.deep.equal([]);
    expect(await store.list("")).to.deep.equal([]);
  });
});

describe("planRefresh", () => {
  const at = (day: string) => ({ fetched_at: `${day}T08:00:00.000Z`, object: null });
  const catalog = (artists: [string, string][], albums: [string, string][] = []): CachedCatalog => ({
    artists: new Map(artists.map(([id, day]) => [id, at(day)])),
    albums: new Map(albums.map(([id, day]) => [id, at(day)])),
    rejected: 0,
  });

  it("refreshes the oldest first, across artists and albums, within the allowance", () => {
    const plan = planRefresh(catalog([["a", "2026-11-20"], ["b", "2026-11-24"], ["c", "2026-11-22"]], [["x", "2026-11-21"]]), "2026-11-26", { maxAgeDays: 30, dailyRefresh: 3 });
    expect(plan).to.deep.equal({ artists: ["a", "c"], albums: ["x"] });
  });

  it("refreshes every object of the reuse period's age or older, whatever the allowance", () => {
    const plan = planRefresh(catalog([["a", "2026-10-27"], ["b", "2026-10-26"], ["c", "2026-10-28"]]), "2026-11-26", { maxAgeDays: 30, dailyRefresh: 0 });
    expect(plan.artists).to.have.members(["a", "b"]);
  });

  it("counts objects already fetched today against the allowance and never refreshes them", () => {
    const plan = planRefresh(catalog([["a", "2026-11-26"], ["b", "2026-11-26"], ["c", "2026-11-20"], ["d", "2026-11-21"]]), "2026-11-26", { maxAgeDays: 30, dailyRefresh: 3 });
    expect(plan.artists).to.deep.equal(["c"]);
  });
});

describe("cache settings", () => {
  it("defaults to 30 days and 250 refreshes a day (C2)", () => {
    expect(cacheSettingsFromEnv({})).to.deep.equal({ maxAgeDays: 30, dailyRefresh: 250 } satisfies CacheSettings);
    expect(cacheSettingsFromEnv({ SPOTIFY_CACHE_MAX_AGE_DAYS: "7", SPOTIFY_CACHE_DAILY_REFRESH: "0" })).to.deep.equal({ maxAgeDays: 7, dailyRefresh: 0 });
  });

  it("says what is wrong with a bad value", () => {
    expect(() => cacheSettingsFromEnv({ SPOTIFY_CACHE_MAX_AGE_DAYS: "0" })).to.throw('SPOTIFY_CACHE_MAX_AGE_DAYS="0" is not a whole number of at least 1; unset it to use the default (30).');
    expect(() => cacheSettingsFromEnv({ SPOTIFY_CACHE_DAILY_REFRESH: "ten" })).to.throw('SPOTIFY_CACHE_DAILY_REFRESH="ten" is not a whole number of at least 0');
  });
});

function countBy(paths: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const p of paths) {
    const key = p.startsWith("/v1/artists/") ? "artist" : "album";
    out[key] = (out[key] ?? 0) + 1;
  }
  return out;
}
