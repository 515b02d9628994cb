/**
 * The client's last doors (issue 19), each against a server on 127.0.0.1 that behaves so: a token
 * endpoint or an API that redirects elsewhere, an answer that inflates without end, a rotated
 * refresh token that cannot be stored, answers that echo credentials or lie about what was asked,
 * and a cache or checkpoint that claims what it is not. RFC 9110 §15.4 leaves following a 3xx to
 * the client ("MAY"); Spotify's reference caps a page at 50 items and a batch at 50 artists or 20
 * albums, answered in the order requested (lib/spotify/client.ts).
 */
import { expect } from "chai";
import { gzipSync } from "node:zlib";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { runAuth } from "../cli/auth";
import { parseRunArgs } from "../cli/args";
import { run } from "../cli/main";
import { CatalogCache, cacheObjectKey } from "../lib/extract/catalogCache";
import { CHECKPOINT_FORMAT, checkpointKey } from "../lib/extract/checkpoint";
import { Deadline } from "../lib/extract/deadline";
import { extractPlaylist } from "../lib/extract/extractPlaylist";
import { fetchCatalog } from "../lib/extract/fetchCatalog";
import { extractPlaylists } from "../lib/extract/runExtraction";
import { SPOTIFY_CACHE_PREFIX } from "../lib/lake/layout";
import { SpotifyClient } from "../lib/spotify/client";
import type { SpotifyConfig } from "../lib/spotify/config";
import { InvalidResponseError, SpotifyNetworkError } from "../lib/spotify/errors";
import { startSpotifyStandIn, type StandIn, type StandInOptions } from "../lib/standin/spotifyStandIn";
import { LocalStore } from "../lib/storage/localStore";
import { LONG_ENTRIES, LONG_ID, testData } from "./support/spotifyTestData";

const DATE = "2026-11-25";
/** The cap docs/spotify-client.md states (lib/spotify/exchange.ts MAX_ANSWER_BYTES). */
const MAX_ANSWER_BYTES = 16 * 1024 * 1024;
const DAY = (d: string) => () => new Date(`${d}T06:00:00.000Z`);

interface Received {
  method?: string;
  url?: string;
  authorization?: string;
  body: string;
}
interface Hostile {
  url: string;
  received: Received[];
  close(): Promise<void>;
}

/** A server on 127.0.0.1 that records every request and answers as `answer` says. */
async function hostile(answer: (req: Received, res: http.ServerResponse) => void = (_q, res) => res.writeHead(200, { "content-type": "application/json" }).end("{}")): Promise<Hostile> {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString("utf8")));
    req.on("end", () => {
      const r = { method: req.method, url: req.url, authorization: req.headers.authorization, body };
      received.push(r);
      answer(r, res);
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const h = { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received, close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }) };
  closers.push(h.close);
  return h;
}

const closers: (() => Promise<void>)[] = [];
const dirs: string[] = [];
async function standIn(options: Partial<StandInOptions> = {}): Promise<StandIn> {
  const s = await startSpotifyStandIn({ data: testData(), ...options });
  closers.push(() => s.close());
  return s;
}
function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), "doors-"));
  dirs.push(dir);
  return dir;
}
afterEach(async () => {
  await Promise.all(closers.splice(0).map((c) => c()));
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const baseConfig = { clientId: "client", clientSecret: "secret-of-the-app", concurrency: 4, timeoutMs: 5000, maxWaitS: 5, retryLimit: 2, backoffBaseMs: 5, backoffLimitMs: 50 };
const clientOf = (apiUrl: string, accountsUrl: string, config: Partial<SpotifyConfig> = {}, hooks?: ConstructorParameters<typeof SpotifyClient>[1]) =>
  new SpotifyClient({ ...baseConfig, apiUrl, accountsUrl, ...config }, hooks);
const clientFor = (s: StandIn, config: Partial<SpotifyConfig> = {}) => clientOf(s.apiUrl, s.accountsUrl, config);
const errorOf = (p: Promise<unknown>) => p.then(() => { throw new Error("expected a rejection"); }, (e: unknown) => e as Error);
/** No run of 6 characters of `secret` appears in `text` (a cut secret leaks its first characters). */
function leaksPartOf(text: string, secret: string): boolean {
  for (let i = 0; i + 6 <= secret.length; i++) if (text.includes(secret.slice(i, i + 6))) return true;
  return false;
}

/** A token endpoint that answers a fixed access token; the API routes given answer the rest. */
async function spotifyWith(accessToken: string, api: (req: Received, res: http.ServerResponse) => void): Promise<Hostile> {
  return hostile((req, res) => {
    if (req.url?.startsWith("/accounts/api/token")) {
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ access_token: accessToken, token_type: "Bearer", expires_in: 3600 }));
    } else api(req, res);
  });
}

/** A proxy in front of the stand-in that may rewrite an answer's text on the way (an echo, a deep value). */
async function proxyOf(s: StandIn, rewrite: (req: Received, body: string) => string): Promise<Hostile> {
  return hostile(async (req, res) => {
    const upstream = await fetch(`${s.apiUrl.replace(/\/v1$/, "")}${req.url}`, {
      method: req.method,
      headers: { ...(req.authorization ? { authorization: req.authorization } : {}), "content-type": "application/x-www-form-urlencoded" },
      body: req.method === "POST" ? req.body : undefined,
    });
    const body = await upstream.text();
    res.writeHead(upstream.status, { "content-type": "application/json" }).end(upstream.ok ? rewrite(req, body) : body);
  });
}

/** Plays the user's browser for `npm run auth`: the authorize URL on the stand-in, then its 302 to the loopback callback. */
function browser(onCode?: (code: string) => void) {
  const pages: Promise<unknown>[] = [];
  return {
    pages,
    open: (url: string) => {
      pages.push(
        (async () => {
          const authorize = await fetch(url, { redirect: "manual" });
          const callback = new URL(authorize.headers.get("location")!);
          onCode?.(callback.searchParams.get("code")!);
          await (await fetch(callback)).text();
        })().catch(() => undefined),
      );
    },
  };
}

describe("defect 1: the token exchange follows no redirect", () => {
  it("refresh-token mode: a 307 to another origin sends nothing there and names the status and origin, not the query", async () => {
    const elsewhere = await hostile((_q, res) => res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ access_token: "minted-elsewhere", token_type: "Bearer", expires_in: 3600 })));
    const accounts = await hostile((_q, res) => res.writeHead(307, { location: `${elsewhere.url}/api/token?steal=query-part` }).end());
    const api = await hostile();
    const client = clientOf(`${api.url}/v1`, accounts.url, { clientSecret: undefined, refreshToken: "the-refresh-token-of-the-user" });
    const err = await errorOf(client.getPlaylist(LONG_ID));
    expect(err.message).to.include(`answered 307, redirecting to ${elsewhere.url}`).and.not.include("steal").and.not.include("query-part");
    expect(elsewhere.received).to.deep.equal([]);
    expect(accounts.received).to.have.length(1); // not retried: the same request would get the same answer
    expect(api.received).to.deep.equal([]);
  });

  it("npm run auth: a 308 to another origin sends neither code nor verifier there, stores nothing and exits 1", async () => {
    const elsewhere = await hostile((_q, res) =>
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ access_token: "a", token_type: "Bearer", expires_in: 3600, refresh_token: "minted-elsewhere" })),
    );
    const accounts = await standIn({ faults: [{ endpoint: "token", status: 308, headers: { location: `${elsewhere.url}/api/token?x=1` } }] });
    const tokenFile = path.join(tempDir(), "token.json");
    const err: string[] = [];
    const b = browser();
    const code = await runAuth(
      { SPOTIFY_CLIENT_ID: "client", SPOTIFY_ACCOUNTS_URL: accounts.accountsUrl, SPOTIFY_REDIRECT_PORT: "0", SPOTIFY_TOKEN_FILE: tokenFile, SPOTIFY_AUTH_TIMEOUT_SECONDS: "10" },
      { out: () => undefined, err: (l) => err.push(l), openBrowser: b.open },
    );
    await Promise.all(b.pages);
    expect(code).to.equal(1);
    expect(err.join("\n")).to.include(`answered 308, redirecting to ${elsewhere.url}`);
    expect(elsewhere.received).to.deep.equal([]);
    expect(existsSync(tokenFile)).to.equal(false);
  });
});

describe("defect 2: an API redirect is followed only on the API's own origin", () => {
  it("a 302 to another origin: nothing is fetched there, nothing lands, the error names the status and origin", async () => {
    const elsewhere = await hostile((_q, res) => res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ items: [], next: null, total: 0 })));
    const s = await standIn({ faults: [{ endpoint: "playlist_items", status: 302, headers: { location: `${elsewhere.url}/v1/playlists/${LONG_ID}/items?offset=0` } }] });
    const store = new LocalStore(tempDir());
    const [outcome] = await extractPlaylists({ client: clientFor(s), store, playlistIds: [LONG_ID], snapshotDate: DATE });
    expect(outcome.ok).to.equal(false);
    expect(outcome.error).to.include(`with 302, redirecting to ${elsewhere.url}, outside the configured API`).and.include("nothing was written");
    expect(elsewhere.received).to.deep.equal([]);
    expect(await store.list("")).to.deep.equal([]);
  });

  it("a 307 to the same page on the API's origin is followed, and the playlist lands whole", async () => {
    // A relative Location: the stand-in's own origin, the configured API's.
    const sameOrigin = await standIn({ faults: [{ endpoint: "playlist_items", status: 307, headers: { location: `/v1/playlists/${LONG_ID}/items?offset=0&limit=50&additional_types=track` } }] });
    const snapshot = await extractPlaylist(clientFor(sameOrigin), LONG_ID, DATE);
    expect(snapshot.entries.length).to.equal(testData().playlists[LONG_ID].entries.length);
    expect(sameOrigin.requests.filter((r) => r.status === 307)).to.have.length(1);
  });
});

describe("defect 3: every answer's body is capped", function () {
  this.timeout(20_000);

  it("a gzip answer that inflates past the cap is cut off there: a clear error, asked once, not 'connection failed'", async () => {
    const bomb = gzipSync(Buffer.alloc(4 * MAX_ANSWER_BYTES, 0x20)); // 64 MiB of JSON whitespace, 64 KiB on the wire
    const api = await spotifyWith("an-access-token-0123456789", (_q, res) => res.writeHead(200, { "content-type": "application/json", "content-encoding": "gzip" }).end(bomb));
    const rssBefore = process.memoryUsage().rss;
    const err = await errorOf(clientOf(`${api.url}/v1`, `${api.url}/accounts`).getPlaylist(LONG_ID));
    expect(err).to.not.be.instanceOf(SpotifyNetworkError);
    expect(err.message).to.match(/The answer to GET http:\/\/127\.0\.0\.1:\d+\/v1\/playlists\/\w+ is more than 16777216 bytes once decoded, more than the 16 MiB/);
    expect(err.message).to.include("not retried");
    expect(api.received.filter((r) => r.url?.startsWith("/v1/"))).to.have.length(1);
    // Not the whole 64 MiB (and its string) in memory: at most the cap and the decoder's buffers.
    expect(process.memoryUsage().rss - rssBefore).to.be.below(3 * MAX_ANSWER_BYTES);
  });

  it("a Content-Length above the cap is refused before the body is read", async () => {
    const api = await spotifyWith("an-access-token-0123456789", (_q, res) => {
      res.writeHead(200, { "content-type": "application/json", "content-length": String(MAX_ANSWER_BYTES + 1) });
      res.write("{");
    });
    const err = await errorOf(clientOf(`${api.url}/v1`, `${api.url}/accounts`).getPlaylist(LONG_ID));
    expect(err.message).to.include(`announced as ${MAX_ANSWER_BYTES + 1} bytes (Content-Length)`);
    expect(api.received.filter((r) => r.url?.startsWith("/v1/"))).to.have.length(1);
  });

  it("on the token endpoint too", async () => {
    const accounts = await hostile((_q, res) => res.writeHead(200, { "content-type": "application/json", "content-encoding": "gzip" }).end(gzipSync(Buffer.alloc(2 * MAX_ANSWER_BYTES, 0x20))));
    const err = await errorOf(clientOf(`${accounts.url}/v1`, accounts.url).getPlaylist(LONG_ID));
    expect(err.message).to.match(/The answer to POST http:\/\/127\.0\.0\.1:\d+\/api\/token is more than/);
    expect(accounts.received).to.have.length(1);
  });
});

describe("defect 4: a rotated refresh token that cannot be stored stops the run", function () {
  this.timeout(20_000);

  it("npm start fails, says where the token could not be written and how to recover, and lands nothing", async () => {
    const credentials = { clientId: "my-app", refreshToken: "first-refresh-token-of-the-user" };
    const s = await standIn({ credentials, rotateRefreshToken: true });
    const dir = tempDir();
    const tokenFile = path.join(dir, "token.json");
    mkdirSync(`${tokenFile}.${process.pid}.tmp`); // the write of the new token fails (EISDIR), whoever runs the test
    const lines: string[] = [];
    const write = process.stdout.write;
    process.stdout.write = ((chunk: string) => (lines.push(chunk), true)) as typeof process.stdout.write;
    let code: number;
    try {
      const env = { SPOTIFY_CLIENT_ID: credentials.clientId, SPOTIFY_REFRESH_TOKEN: credentials.refreshToken, SPOTIFY_API_URL: s.apiUrl, SPOTIFY_ACCOUNTS_URL: s.accountsUrl, SPOTIFY_TOKEN_FILE: tokenFile };
      code = await run(parseRunArgs(["--lake", path.join(dir, "lake"), "--playlist", LONG_ID, "--stage", "extract"]), env, () => {});
    } finally {
      process.stdout.write = write;
    }
    const text = lines.join("");
    expect(code).to.not.equal(0);
    expect(text).to.include(`could not write the token file ${tokenFile}`).and.include('run "npm run auth" to sign in again');
    expect(text).to.not.include(s.refreshTokens()[0]);
    expect(s.counts().token).to.equal(1); // the failure is not retried (a retry would get a valid access token and go on)
    expect(existsSync(path.join(dir, "lake", "raw_data"))).to.equal(false);
  });
});

describe("defect 5: credentials are redacted before anything is cut, and every one the process holds", () => {
  it("the token endpoint: a refresh token at the cut of a non-JSON answer leaks none of its characters", async () => {
    const refreshToken = "rt9f8e7d6c5b4a3210zyxwvu";
    const accounts = await hostile((_q, res) => res.writeHead(400, { "content-type": "text/plain" }).end(`${"x".repeat(190)}${refreshToken}`));
    const err = await errorOf(clientOf(`${accounts.url}/v1`, accounts.url, { clientSecret: undefined, refreshToken }).getPlaylist(LONG_ID));
    expect(err.message).to.include("not JSON");
    expect(leaksPartOf(err.message, refreshToken)).to.equal(false);
  });

  it("the API: the access token echoed in an error or at the cut of a non-JSON answer does not reach the message", async () => {
    const token = "AQBx7access0token9Zq2WkLm";
    const api = await spotifyWith(token, (req, res) => {
      if (req.url?.includes("/artists/")) res.writeHead(403, { "content-type": "application/json" }).end(JSON.stringify({ error: { status: 403, message: `token ${token} may not read this` } }));
      else res.writeHead(200, { "content-type": "text/plain" }).end(`${"y".repeat(70)}${token}`);
    });
    const client = clientOf(`${api.url}/v1`, `${api.url}/accounts`);
    const forbidden = await errorOf(client.getArtist("0OdUWJ0sBjDrqHygGUXeCF"));
    expect(forbidden.message).to.include("[redacted]");
    expect(leaksPartOf(forbidden.message, token)).to.equal(false);
    const notJson = await errorOf(client.getAlbum("4aawyAB9vmqN3uQ7FjRGTy"));
    expect(notJson.message).to.include("not JSON");
    expect(leaksPartOf(notJson.message, token)).to.equal(false);
  });

  it("an access token echoed inside the playlist object is not stored in the raw snapshot", async () => {
    // The API echoes the request's bearer token into the playlist's description.
    const proxy = await proxyOf(await standIn(), (req, body) =>
      /^\/v1\/playlists\/[^/]+\?/.test(req.url ?? "") ? JSON.stringify({ ...JSON.parse(body), description: `seen: ${req.authorization?.slice(7)}` }) : body,
    );
    const store = new LocalStore(tempDir());
    const [outcome] = await extractPlaylists({ client: clientOf(`${proxy.url}/v1`, `${proxy.url}/accounts`), store, playlistIds: [LONG_ID], snapshotDate: DATE });
    expect(outcome.ok, outcome.error).to.equal(true);
    const bearer = proxy.received.find((r) => r.url?.startsWith("/v1/"))!.authorization!.slice(7);
    const raw = new TextDecoder().decode(await store.get(outcome.key!));
    expect(raw).to.match(/"description": ?"seen: \[redacted\]"/);
    expect(raw).to.not.include(bearer);
  });

  it("npm run auth: an echoed code and code_verifier are not printed", async () => {
    const accounts = await standIn({ faults: [{ endpoint: "token", status: 400, echoRequest: "text" }] });
    let code = "";
    const b = browser((c) => (code = c));
    const printed: string[] = [];
    const exit = await runAuth(
      { SPOTIFY_CLIENT_ID: "client", SPOTIFY_ACCOUNTS_URL: accounts.accountsUrl, SPOTIFY_REDIRECT_PORT: "0", SPOTIFY_TOKEN_FILE: path.join(tempDir(), "t.json"), SPOTIFY_AUTH_TIMEOUT_SECONDS: "10" },
      { out: (l) => printed.push(l), err: (l) => printed.push(l), openBrowser: b.open },
    );
    await Promise.all(b.pages);
    expect(exit).to.equal(1);
    const text = printed.join("\n");
    expect(text).to.include("echo: POST");
    expect(code).to.have.length.greaterThan(8);
    expect(leaksPartOf(text, code)).to.equal(false);
    expect(text).to.not.match(/code_verifier=(?!\[redacted\])/);
  });
});

describe("defect 6: answers that lie", function () {
  this.timeout(20_000);
  const firstArtists = () => {
    const data = testData();
    const [a, b] = Object.keys(data.artists);
    return { data, a, b };
  };

  it("a batch answer shorter than the ids asked is an error, and nothing is cached as 'Spotify no longer has these'", async () => {
    const s = await standIn({ batchEndpoints: true, faults: [{ endpoint: "artists_batch", status: 200, body: { artists: [] } }] });
    const dir = tempDir();
    const cache = new CatalogCache(new LocalStore(dir), { maxAgeDays: 30, dailyRefresh: 0 });
    const err = await errorOf(extractPlaylist(clientFor(s), LONG_ID, DATE, { cache }));
    expect(err).to.be.instanceOf(InvalidResponseError);
    expect(err.message).to.match(/has 0 artist\(s\) for the \d+ id\(s\) asked/);
    expect(await new LocalStore(dir).list(`${SPOTIFY_CACHE_PREFIX}artists/`)).to.deep.equal([]);
  });

  it("a batch answer with other ids (objects swapped) substitutes nothing", async () => {
    const { data, a, b } = firstArtists();
    const s = await standIn({ batchEndpoints: true, faults: [{ endpoint: "artists_batch", status: 200, body: { artists: [data.artists[b], data.artists[a]] } }] });
    const kept: string[] = [];
    const err = await errorOf(fetchCatalog(clientFor(s), { artists: [a, b], albums: [] }, { deadline: new Deadline(), onFetched: async (_k, id) => void kept.push(id) }));
    expect(err.message).to.include(`where ${a} was asked`);
    expect(kept).to.deep.equal([]);
  });

  it("a single artist answered with an album object is refused", async () => {
    const data = testData();
    const [artistId] = Object.keys(data.artists);
    const [albumId] = Object.keys(data.albums);
    const s = await standIn({ faults: [{ endpoint: "artist", status: 200, body: { ...data.albums[albumId], id: artistId } }] });
    const err = await errorOf(clientFor(s).getArtist(artistId));
    expect(err.message).to.include(`gives an object of type "album" for artist ${artistId}`);
  });

  it("a page holding more than 50 entries is refused", async () => {
    const s = await standIn({ rewritePage: (page, at) => (at.offset === 0 ? { ...page, items: [...(page.items as unknown[]), ...(page.items as unknown[])] } : page) });
    const err = await errorOf(extractPlaylist(clientFor(s), LONG_ID, DATE));
    expect(err.message).to.include("holds 100 entries, more than the 50 a page may have");
    expect(s.counts().artist).to.equal(0);
  });

  it("a value nested thousands of levels deep is refused when its page arrives, before any artist or album is fetched", async () => {
    const deep = `${"[".repeat(20_000)}0${"]".repeat(20_000)}`; // written as text: JSON.stringify itself would overflow the stack
    const s = await standIn();
    const proxy = await proxyOf(s, (req, body) => (req.url?.includes("/items?") && req.url.includes("offset=0&") ? `{"deep":${deep},${body.slice(1)}` : body));
    const err = await errorOf(extractPlaylist(clientOf(`${proxy.url}/v1`, `${proxy.url}/accounts`), LONG_ID, DATE));
    expect(err).to.be.instanceOf(InvalidResponseError);
    expect(err.message).to.include("nests deeper than 64 levels");
    expect(s.counts().artist + s.counts().album).to.equal(0);
  });

  it("an access token with CR/LF fails at once, naming the cause without the value", async () => {
    const api = await spotifyWith("token-part-one\r\nX-Injected: 1", (_q, res) => res.writeHead(200).end("{}"));
    const err = await errorOf(clientOf(`${api.url}/v1`, `${api.url}/accounts`).getPlaylist(LONG_ID));
    expect(err).to.not.be.instanceOf(SpotifyNetworkError);
    expect(err.message).to.include("access_token: not a token that can be sent in a header").and.not.include("token-part-one");
    expect(api.received.map((r) => r.url)).to.deep.equal(["/accounts/api/token"]);
  });

  it("a next link with a user name and password fails at once, without repeating them", async () => {
    const s = await standIn({
      rewritePage: (page, at) => (at.offset + 50 >= LONG_ENTRIES ? { ...page, next: `${at.baseUrl.replace("http://", "http://someone:pa55word@")}/v1/playlists/${LONG_ID}/items?offset=200&limit=50` } : page),
    });
    const err = await errorOf(extractPlaylist(clientFor(s), LONG_ID, DATE));
    expect(err.message).to.include("user name or password").and.not.include("pa55word");
    expect(s.requests.filter((r) => r.endpoint === "playlist_items")).to.have.length(4);
  });
});

describe("defect 7: the cache and the checkpoint are checked before use", function () {
  this.timeout(30_000);
  const settings = { maxAgeDays: 30, dailyRefresh: 0 };

  /** Day 1 fills the cache; `tamper` edits it; day 2 runs on a fresh stand-in. */
  async function dayTwo(tamper: (store: LocalStore, day1: Awaited<ReturnType<typeof extractPlaylist>>) => void | Promise<void>, options: Partial<StandInOptions> = {}) {
    const store = new LocalStore(tempDir());
    const day1 = await extractPlaylist(clientFor(await standIn()), LONG_ID, "2026-11-24", { cache: new CatalogCache(store, settings), now: DAY("2026-11-24") });
    await tamper(store, day1);
    const s = await standIn(options);
    // A new process (container) on day 2: it reads the cache from the store.
    const day2 = await extractPlaylist(clientFor(s), LONG_ID, "2026-11-25", { cache: new CatalogCache(store, settings), now: DAY("2026-11-25") });
    return { s, day1, day2, store };
  }

  it("an entry fetched 'in the future' is fetched again and counted, and fetched_on is the real day", async () => {
    let id = "";
    const { s, day2 } = await dayTwo(async (store, day1) => {
      id = day1.artists[0].id;
      const entry = JSON.parse(new TextDecoder().decode(await store.get(cacheObjectKey("artists", id))));
      await store.put(cacheObjectKey("artists", id), JSON.stringify({ ...entry, fetched_at: "2099-01-01T00:00:00.000Z" }));
    });
    expect(s.counts().artist).to.equal(1);
    expect(day2.extraction.fetched_on!.artists[id]).to.equal("2026-11-25");
    expect(day2.extraction.cache).to.deep.include({ fetched_new: 1, rejected: 1 });
  });

  it("an album stored under an artist's key is not used: the real artist is fetched and lands", async () => {
    let id = "";
    const { s, day1, day2 } = await dayTwo(async (store, day1) => {
      id = day1.artists[0].id;
      await store.put(cacheObjectKey("artists", id), JSON.stringify({ fetched_at: "2026-11-24T06:00:00.000Z", object: day1.albums[0] }));
    });
    expect(s.counts().artist).to.equal(1);
    expect(day2.artists.map((a) => a.id)).to.deep.equal(day1.artists.map((a) => a.id));
    expect(day2.extraction.cache?.rejected).to.equal(1);
  });

  it("a cached object of another id is not used", async () => {
    let id = "";
    const { day1, day2 } = await dayTwo(async (store, day1) => {
      id = day1.artists[0].id;
      await store.put(cacheObjectKey("artists", id), JSON.stringify({ fetched_at: "2026-11-24T06:00:00.000Z", object: day1.artists[1] }));
    });
    expect(day2.artists.map((a) => a.id)).to.deep.equal(day1.artists.map((a) => a.id));
    expect(day2.extraction.cache?.rejected).to.equal(1);
  });

  it("a batch refusal dated in the future does not stop batch probing", async () => {
    const store = new LocalStore(tempDir());
    await store.put(`${SPOTIFY_CACHE_PREFIX}batch-endpoints.json`, JSON.stringify({ refused_at: "2099-01-01T00:00:00.000Z" }));
    const s = await standIn({ batchEndpoints: true });
    const snapshot = await extractPlaylist(clientFor(s), LONG_ID, DATE, { cache: new CatalogCache(store, settings), now: DAY(DATE) });
    expect(snapshot.extraction.enrichment_mode).to.equal("batch");
    expect(s.counts().artists_batch).to.be.greaterThan(0);
    expect(s.counts().artist).to.equal(0);
  });

  it("a checkpoint with overlapping pages is not resumed: no entry is repeated, and it is counted", async () => {
    const s = await standIn();
    const client = clientFor(s);
    const { items: _i, tracks: _t, ...playlist } = await client.getPlaylist(LONG_ID);
    const [first, second] = [await client.getPlaylistItems(LONG_ID, 0), await client.getPlaylistItems(LONG_ID, 50)];
    const store = new LocalStore(tempDir());
    await store.put(
      checkpointKey(LONG_ID),
      JSON.stringify({
        format: CHECKPOINT_FORMAT, playlist_id: LONG_ID, snapshot_date: DATE, done: false, started_at: "2026-11-25T05:00:00.000Z", attempts: 1,
        calls: {}, retries: 0, http_429: 0, playlist, embedded: { items: true, tracks: false },
        pages: [{ offset: 0, page: first }, { offset: 25, page: second }],
      }),
    );
    const snapshot = await extractPlaylist(clientFor(s), LONG_ID, DATE, { cache: new CatalogCache(store, settings), now: DAY(DATE) });
    expect(snapshot.entries).to.have.length(LONG_ENTRIES);
    expect(snapshot.extraction.cache?.rejected).to.equal(1);
    expect(snapshot.extraction.attempts).to.equal(undefined);
  });
});

describe("defect 8: npm run auth -- --help", () => {
  it("prints its usage and exits 0, without SPOTIFY_CLIENT_ID", async () => {
    const out: string[] = [];
    const code = await runAuth({}, { out: (l) => out.push(l), err: (l) => out.push(l) }, ["--help"]);
    expect(code).to.equal(0);
    expect(out.join("\n")).to.match(/^Usage: npm run auth/).and.include("SPOTIFY_CLIENT_ID");
  });

  it("an unknown argument is a usage error before anything listens, even with a client id", async () => {
    const err: string[] = [];
    let opened = false;
    const port = await hostile();
    const code = await runAuth(
      { SPOTIFY_CLIENT_ID: "client", SPOTIFY_REDIRECT_PORT: new URL(port.url).port, SPOTIFY_AUTH_TIMEOUT_SECONDS: "2" },
      { out: () => undefined, err: (l) => err.push(l), openBrowser: () => (opened = true) },
      ["--bogus"],
    );
    expect(code).to.equal(2);
    expect(err.join("\n")).to.include('takes no arguments, got "--bogus"').and.include("Usage: npm run auth");
    expect(opened).to.equal(false);
  });
});
