/**
 * Extractions at the same time on one lake (two Lambda containers fed by one queue): they share
 * nothing but the store, and through its create-only writes (lib/extract/claims.ts) each artist
 * and album is fetched once for both, the day's refresh allowance is shared, and a claim left by
 * an extraction that died is taken over.
 */
import { PutObjectCommand, S3Client, S3ServiceException } from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";
import { expect } from "chai";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { CatalogCache } from "../lib/extract/catalogCache";
import { claimsPrefix } from "../lib/extract/claims";
import { extractPlaylist } from "../lib/extract/extractPlaylist";
import { SpotifyClient } from "../lib/spotify/client";
import { startSpotifyStandIn, type StandIn } from "../lib/standin/spotifyStandIn";
import { LocalStore } from "../lib/storage/localStore";
import { S3Store } from "../lib/storage/s3Store";
import { LONG_ID, testData } from "./support/spotifyTestData";

/** A second user playlist: the long one's entries in reverse, so both need the same artists and albums at different times. */
const OTHER_ID = "2otherPlaylistOfUser0A";
function data() {
  const d = testData();
  const long = d.playlists[LONG_ID];
  d.playlists[OTHER_ID] = { playlist: { ...long.playlist, id: OTHER_ID, uri: `spotify:playlist:${OTHER_ID}` }, entries: [...long.entries].reverse() };
  return d;
}
const DAY = (date: string) => () => new Date(`${date}T06:00:00.000Z`);
const clientFor = (s: StandIn) =>
  new SpotifyClient({ clientId: "client", clientSecret: "secret", apiUrl: s.apiUrl, accountsUrl: s.accountsUrl, concurrency: 4, timeoutMs: 5000, maxWaitS: 5, retryLimit: 2, backoffBaseMs: 5, backoffLimitMs: 50 });

describe("extractions at the same time on one lake", function () {
  this.timeout(60_000);
  const servers: StandIn[] = [];
  const dirs: string[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  async function setup(settings = { maxAgeDays: 30, dailyRefresh: 0 }) {
    const s = await startSpotifyStandIn({ data: data() });
    servers.push(s);
    const dir = mkdtempSync(path.join(tmpdir(), "concurrent-"));
    dirs.push(dir);
    // One CatalogCache per "container", over the one lake.
    const container = () => ({ client: clientFor(s), cache: new CatalogCache(new LocalStore(dir), settings) });
    return { s, dir, container };
  }

  it("fetch each artist and album once between them, and both snapshots are whole", async () => {
    const { s, container } = await setup();
    const [a, b] = [container(), container()];
    const [one, two] = await Promise.all([
      extractPlaylist(a.client, LONG_ID, "2026-11-25", { cache: a.cache, now: DAY("2026-11-25") }),
      extractPlaylist(b.client, OTHER_ID, "2026-11-25", { cache: b.cache, now: DAY("2026-11-25") }),
    ]);
    expect(one.artists.map((x) => x.id)).to.deep.equal(two.artists.map((x) => x.id));
    expect(one.albums.map((x) => x.id)).to.deep.equal(two.albums.map((x) => x.id));
    expect(s.counts().artist).to.equal(one.artists.length);
    expect(s.counts().album).to.equal(one.albums.length);
    expect(s.counts().artists_batch + s.counts().albums_batch).to.equal(1); // one probe of the batch endpoints for both
  });

  it("the refused batch probe is written down before the prober fetches its artists and albums one by one, so the others need not wait for them", async () => {
    const s = await startSpotifyStandIn({ data: data() });
    servers.push(s);
    const dir = mkdtempSync(path.join(tmpdir(), "concurrent-"));
    dirs.push(dir);
    const written: string[] = [];
    class RecordingStore extends LocalStore {
      override async put(key: string, body: Uint8Array | string): Promise<void> {
        written.push(key);
        await super.put(key, body);
      }
    }
    const cache = new CatalogCache(new RecordingStore(dir), { maxAgeDays: 30, dailyRefresh: 0 });
    const snapshot = await extractPlaylist(clientFor(s), LONG_ID, "2026-11-25", { cache, now: DAY("2026-11-25") });
    expect(snapshot.extraction.enrichment_mode).to.equal("single");
    const refusal = written.indexOf("cache/spotify/batch-endpoints.json");
    const firstObject = written.findIndex((key) => key.startsWith("cache/spotify/artists/") || key.startsWith("cache/spotify/albums/"));
    expect(refusal, "the refusal is written").to.be.at.least(0);
    expect(firstObject, "objects are cached").to.be.at.least(0);
    expect(refusal).to.be.below(firstObject);
  });

  it("share the day's refresh allowance", async () => {
    const { s, container } = await setup({ maxAgeDays: 30, dailyRefresh: 10 });
    const first = container();
    await extractPlaylist(first.client, LONG_ID, "2026-11-25", { cache: first.cache, now: DAY("2026-11-25") });
    const before = s.counts().artist + s.counts().album;
    const [a, b] = [container(), container()];
    await Promise.all([
      extractPlaylist(a.client, LONG_ID, "2026-11-26", { cache: a.cache, now: DAY("2026-11-26") }),
      extractPlaylist(b.client, OTHER_ID, "2026-11-26", { cache: b.cache, now: DAY("2026-11-26") }),
    ]);
    expect(s.counts().artist + s.counts().album - before).to.equal(10);
  });

  it("take over an object whose claim was left by an extraction that died", async () => {
    const { s, dir, container } = await setup();
    const probe = await extractPlaylist(clientFor(s), LONG_ID, "2026-11-24", { now: DAY("2026-11-24") });
    const id = probe.artists[0].id;
    const store = new LocalStore(dir);
    await store.put(`${claimsPrefix("2026-11-25")}artists/${id}.json`, JSON.stringify({ owner: "a run that died", at: "2026-11-25T05:00:00.000Z" }));
    const before = s.counts().artist;
    const a = container();
    const snapshot = await extractPlaylist(a.client, LONG_ID, "2026-11-25", { cache: a.cache, now: DAY("2026-11-25") });
    expect(snapshot.artists.map((x) => x.id)).to.include(id);
    expect(s.counts().artist - before).to.equal(probe.artists.length);
  });
});

describe("S3Store.create (a claim on S3)", () => {
  it("puts with If-None-Match * and reads 412 (the key exists) or 409 (a concurrent conditional write) as not created", async () => {
    const s3 = mockClient(S3Client);
    const store = new S3Store({ bucket: "lake", client: new S3Client({ region: "us-east-1" }) });
    const refused = (status: number, name: string) => new S3ServiceException({ name, $fault: "client", $metadata: { httpStatusCode: status }, message: name });
    s3.on(PutObjectCommand).resolvesOnce({}).rejectsOnce(refused(412, "PreconditionFailed")).rejectsOnce(refused(409, "ConditionalRequestConflict")).rejectsOnce(refused(403, "AccessDenied"));
    expect(await store.create("cache/spotify/claims/2026-11-25/artists/x.json", "{}")).to.equal(true);
    expect(s3.commandCalls(PutObjectCommand)[0].args[0].input).to.include({ Bucket: "lake", Key: "cache/spotify/claims/2026-11-25/artists/x.json", IfNoneMatch: "*" });
    expect(await store.create("k", "{}")).to.equal(false);
    expect(await store.create("k", "{}")).to.equal(false);
    const err = await store.create("k", "{}").catch((e: unknown) => e as Error);
    expect((err as Error).name).to.equal("AccessDenied");
    s3.restore();
  });
});
