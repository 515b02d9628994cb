/**
 * Hostile and broken items pages (issue 9 §3, items 1 and 3), each reproduced on the stand-in:
 * a `next` to another host, a `next` back to a page already read, `next` links that never end,
 * and a lying `total`. Each ends in a clear error, with nothing written and nothing sent elsewhere.
 */
import { expect } from "chai";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { startSpotifyStandIn, type StandIn, type StandInOptions } from "../lib/standin/spotifyStandIn";
import { SpotifyClient } from "../lib/spotify/client";
import { InvalidResponseError } from "../lib/spotify/errors";
import { extractPlaylist } from "../lib/extract/extractPlaylist";
import { extractPlaylists } from "../lib/extract/runExtraction";
import { MAX_PLAYLIST_ENTRIES } from "../lib/extract/pages";
import { LocalStore } from "../lib/storage/localStore";
import { LONG_ENTRIES, LONG_ID, testData } from "./support/spotifyTestData";

const DATE = "2026-11-25";
const servers: StandIn[] = [];
const dirs: string[] = [];

async function standIn(options: Partial<StandInOptions>): Promise<StandIn> {
  const s = await startSpotifyStandIn({ data: testData(), ...options });
  servers.push(s);
  return s;
}
const clientFor = (s: StandIn) =>
  new SpotifyClient({ clientId: "client", clientSecret: "secret", apiUrl: s.apiUrl, accountsUrl: s.accountsUrl, concurrency: 4, timeoutMs: 3000, maxWaitS: 5, retryLimit: 2, backoffBaseMs: 5, backoffLimitMs: 50 });

/** Extract and land LONG_ID into a fresh lake: the outcome and every key written. */
async function land(s: StandIn) {
  const dir = mkdtempSync(path.join(tmpdir(), "hostile-"));
  dirs.push(dir);
  const store = new LocalStore(dir);
  const [outcome] = await extractPlaylists({ client: clientFor(s), store, playlistIds: [LONG_ID], snapshotDate: DATE });
  return { outcome, keys: await store.list("") };
}
const itemsRequests = (s: StandIn) => s.requests.filter((r) => r.endpoint === "playlist_items");
/** The last page (offset 150 of 151 entries) claims more follows: the playlist "grew", so `next` is followed. */
const isLastPage = (at: { offset: number }) => at.offset + 50 >= LONG_ENTRIES;

describe("hostile items pages (stand-in)", () => {
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });
  after(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it("never follows a next link to another host: no token leaves, clear error, nothing written", async () => {
    const received: { url?: string; authorization?: string }[] = [];
    const other = http.createServer((req, res) => {
      received.push({ url: req.url, authorization: req.headers.authorization });
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ items: [{ item: null }], next: null, total: 1 }));
    });
    await new Promise<void>((r) => other.listen(0, "127.0.0.1", () => r()));
    const otherUrl = `http://127.0.0.1:${(other.address() as AddressInfo).port}`;
    try {
      const s = await standIn({ rewritePage: (page, at) => (isLastPage(at) ? { ...page, next: `${otherUrl}/v1/playlists/${LONG_ID}/items?offset=200&limit=50` } : page) });
      const { outcome, keys } = await land(s);
      expect(outcome.ok).to.equal(false);
      expect(outcome.error).to.match(/"next" link to http:\/\/127\.0\.0\.1:\d+\/v1\/playlists\/.*outside the configured API/);
      expect(outcome.error).to.include("was not followed").and.include("nothing was written");
      expect(received).to.deep.equal([]);
      expect(keys).to.deep.equal([]);
    } finally {
      await new Promise<void>((r) => other.close(() => r()));
    }
  });

  it("refuses a next link on the API origin but outside this playlist", async () => {
    const s = await standIn({ rewritePage: (page, at) => (isLastPage(at) ? { ...page, next: `${at.baseUrl}/v1/artists/0OdUWJ0sBjDrqHygGUXeCF` } : page) });
    const err = await extractPlaylist(clientFor(s), LONG_ID, DATE).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(InvalidResponseError);
    expect((err as Error).message).to.include("outside the configured API");
    expect(s.counts().artist).to.equal(0);
  });

  it("stops on a next link back to a page already read, after one request per page", async () => {
    const s = await standIn({ rewritePage: (page, at) => (isLastPage(at) ? { ...page, next: page.href } : page) });
    const { outcome, keys } = await land(s);
    expect(outcome.ok).to.equal(false);
    expect(outcome.error).to.match(/points "next" back to a page already read .*offset=150.*the answer loops/);
    expect(itemsRequests(s)).to.have.length(4);
    expect(keys).to.deep.equal([]);
  });

  it("stops on a next link to an earlier page under another spelling of its URL", async () => {
    const s = await standIn({ rewritePage: (page, at) => (isLastPage(at) ? { ...page, next: `${at.baseUrl}/v1/playlists/${LONG_ID}/items?additional_types=track&offset=50&limit=50` } : page) });
    const err = await extractPlaylist(clientFor(s), LONG_ID, DATE).catch((e: unknown) => e);
    expect((err as Error).message).to.include("already read");
    expect(itemsRequests(s)).to.have.length(4);
  });

  it("bounds next links that never end by total and the page size, with slack", async () => {
    // Every page past the end links to a new offset, forever.
    const s = await standIn({
      rewritePage: (page, at) => (isLastPage(at) ? { ...page, items: at.offset < LONG_ENTRIES ? page.items : [{ item: null }], next: `${at.baseUrl}/v1/playlists/${LONG_ID}/items?offset=${at.offset + 50}&limit=50` } : page),
    });
    const { outcome, keys } = await land(s);
    expect(outcome.ok).to.equal(false);
    expect(outcome.error).to.match(/announced 151 entries \(4 pages\) but its "next" links went on past 14 pages/);
    expect(itemsRequests(s)).to.have.length(14); // 4 announced + 10 pages of slack
    expect(keys).to.deep.equal([]);
  });

  it("refuses a total of 2e9 after one items request, without a promise per page", async () => {
    const s = await standIn({ rewritePage: (page) => ({ ...page, total: 2e9 }) });
    const before = process.memoryUsage().heapUsed;
    const { outcome, keys } = await land(s);
    expect(outcome.ok).to.equal(false);
    expect(outcome.error).to.include(`has 2000000000 entries, more than the ${MAX_PLAYLIST_ENTRIES} this extractor reads`);
    expect(outcome.error).to.include("nothing was written");
    expect(itemsRequests(s)).to.have.length(1);
    expect(process.memoryUsage().heapUsed - before).to.be.below(64 * 1024 * 1024);
    expect(keys).to.deep.equal([]);
  });

  it("pages lazily under a total that lies within the maximum: stops at the first empty page", async () => {
    const s = await standIn({ rewritePage: (page) => ({ ...page, total: 90_000, next: null }) });
    const snapshot = await extractPlaylist(clientFor(s), LONG_ID, DATE);
    expect(snapshot.entries).to.have.length(LONG_ENTRIES);
    // Offsets 0..150 hold entries, 200 is the first empty one; at most the 4 workers' pages in flight past it.
    const offsets = itemsRequests(s).map((r) => Number(new URL(r.path, "http://x").searchParams.get("offset")));
    expect(offsets).to.include.members([0, 50, 100, 150, 200]);
    expect(offsets.length).to.be.at.most(5 + 3);
  });
});
