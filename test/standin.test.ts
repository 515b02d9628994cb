import { expect } from "chai";
import { createHash, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { startSpotifyStandIn, type StandIn, type StandInOptions } from "../lib/standin/spotifyStandIn";
import { RECORDED_FIXTURES_DIR, THE_CORE_ID } from "../lib/standin/recordedData";
import { LONG_ID, testData } from "./support/spotifyTestData";

const fixture = (name: string) => JSON.parse(readFileSync(path.join(RECORDED_FIXTURES_DIR, name), "utf8")) as unknown;

describe("Spotify stand-in", () => {
  const servers: StandIn[] = [];
  const start = async (o: Partial<StandInOptions> = {}) => {
    const s = await startSpotifyStandIn({ data: testData(), ...o });
    servers.push(s);
    return s;
  };
  afterEach(async () => Promise.all(servers.splice(0).map((s) => s.close())));

  const token = async (s: StandIn) => {
    const res = await fetch(`${s.accountsUrl}/api/token`, {
      method: "POST",
      headers: { authorization: `Basic ${Buffer.from("id:secret").toString("base64")}`, "content-type": "application/x-www-form-urlencoded" },
      body: "grant_type=client_credentials",
    });
    return ((await res.json()) as { access_token: string }).access_token;
  };
  const get = async (s: StandIn, pathAndQuery: string, bearer?: string) => {
    const res = await fetch(`${s.apiUrl}${pathAndQuery}`, { headers: bearer ? { authorization: `Bearer ${bearer}` } : {} });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: text ? (JSON.parse(text) as Record<string, unknown>) : undefined };
  };

  it("pages through a playlist with absolute next links and answers limits over 50 with 400", async () => {
    const s = await start();
    const t = await token(s);
    let url: string | null = `/playlists/${LONG_ID}/items?limit=50&additional_types=track`;
    const seen: unknown[] = [];
    while (url) {
      const page = await get(s, url, t);
      expect(page.status).to.equal(200);
      expect(page.body!.total).to.equal(151);
      seen.push(...(page.body!.items as unknown[]));
      const next = page.body!.next as string | null;
      url = next ? next.slice(s.apiUrl.length) : null;
    }
    expect(seen).to.have.length(151);
    expect(seen[0]).to.have.property("item");
    expect(seen[0]).to.not.have.property("track");
    expect(await get(s, `/playlists/${LONG_ID}/items?limit=51`, t)).to.deep.include({ status: 400, body: { error: { status: 400, message: "Invalid limit" } } });
    expect((await get(s, `/playlists/${LONG_ID}/tracks?limit=50`, t)).status).to.equal(403);
  });

  it("sends the requested entry shape and playlist page field", async () => {
    for (const shape of ["items", "tracks", "both"] as const) {
      const s = await start({ shape });
      const t = await token(s);
      const playlist = (await get(s, `/playlists/${LONG_ID}`, t)).body!;
      expect("items" in playlist, shape).to.equal(shape !== "tracks");
      expect("tracks" in playlist, shape).to.equal(shape !== "items");
      const entry = ((await get(s, `/playlists/${LONG_ID}/items?limit=1`, t)).body!.items as Record<string, unknown>[])[0];
      expect("item" in entry, shape).to.equal(shape !== "tracks");
      expect("track" in entry, shape).to.equal(shape !== "items");
    }
  });

  it("answers Spotify's own error bodies: 404 for editorial and unknown ids, 401 without a token", async () => {
    const s = await start();
    const t = await token(s);
    expect((await get(s, `/playlists/${THE_CORE_ID}`, t)).body).to.deep.equal(fixture("joostlek-playlist_not_found.json"));
    expect((await get(s, "/artists/nope", t)).status).to.equal(404);
    expect((await get(s, `/playlists/${LONG_ID}`)).status).to.equal(401);
    const open = await start({ editorial404: false });
    expect((await get(open, `/playlists/${THE_CORE_ID}`, await token(open))).status).to.equal(200);
  });

  it("refuses batch endpoints in development mode and serves them (with their size limits) otherwise", async () => {
    const dev = await start();
    expect((await get(dev, "/artists?ids=0TnOYISbd1XYRBk9myaseg", await token(dev))).status).to.equal(403);
    const s = await start({ batchEndpoints: true });
    const t = await token(s);
    const artists = await get(s, "/artists?ids=0TnOYISbd1XYRBk9myaseg,unknown", t);
    expect((artists.body!.artists as ({ id: string } | null)[]).map((a) => a?.id ?? null)).to.deep.equal(["0TnOYISbd1XYRBk9myaseg", null]);
    expect((await get(s, `/albums?ids=${Array(21).fill("x").join(",")}`, t)).status).to.equal(400);
    expect(s.counts()).to.include({ token: 1, artists_batch: 1, albums_batch: 1 });
  });

  it("answers 429 with Retry-After and the recorded body over a rolling window, and counts 429s apart", async () => {
    const s = await start({ rateLimit: { requests: 2, windowMs: 60_000 } });
    const t = await token(s);
    await get(s, "/artists/0TnOYISbd1XYRBk9myaseg", t);
    await get(s, "/artists/0TnOYISbd1XYRBk9myaseg", t);
    const limited = await get(s, "/artists/0TnOYISbd1XYRBk9myaseg", t);
    expect(limited.status).to.equal(429);
    expect(limited.body).to.deep.equal(fixture("joostlek-rate_limit.json"));
    expect(Number(limited.headers.get("retry-after"))).to.be.within(59, 60);
    expect(s.counts().artist).to.equal(2);
    expect(s.http429()).to.equal(1);
  });

  it("plays scripted faults at the given occurrence", async () => {
    const s = await start({ faults: [{ endpoint: "artist", nth: 2, times: 2, status: 503 }] });
    const t = await token(s);
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await get(s, "/artists/0TnOYISbd1XYRBk9myaseg", t)).status);
    expect(statuses).to.deep.equal([200, 503, 503, 200]);
  });

  it("checks credentials with OAuth error bodies, and rotates refresh tokens when asked", async () => {
    const s = await start({ credentials: { clientId: "id", clientSecret: "secret", refreshToken: "r1" }, rotateRefreshToken: true });
    const post = (body: string, basic?: string) =>
      fetch(`${s.accountsUrl}/api/token`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", ...(basic ? { authorization: `Basic ${Buffer.from(basic).toString("base64")}` } : {}) },
        body,
      }).then(async (r) => ({ status: r.status, body: (await r.json()) as Record<string, unknown> }));
    expect(await post("grant_type=client_credentials", "id:wrong")).to.deep.equal({ status: 400, body: { error: "invalid_client", error_description: "Invalid client secret" } });
    const refreshed = await post("grant_type=refresh_token&refresh_token=r1&client_id=id");
    expect(refreshed.status).to.equal(200);
    expect(refreshed.body.refresh_token).to.be.a("string").and.not.equal("r1");
    expect((await post("grant_type=refresh_token&refresh_token=r1&client_id=id")).body.error).to.equal("invalid_grant");
  });

  it("runs the Authorization Code with PKCE flow: authorize redirects, the token endpoint checks the verifier", async () => {
    const s = await start({ credentials: { clientId: "id" } });
    const verifier = randomBytes(32).toString("base64url");
    const challenge = createHash("sha256").update(verifier).digest("base64url");
    const redirect = "http://127.0.0.1:9/callback";
    const q = new URLSearchParams({ client_id: "id", response_type: "code", redirect_uri: redirect, code_challenge_method: "S256", code_challenge: challenge, state: "xyz", scope: "playlist-read-private" });
    const res = await fetch(`${s.accountsUrl}/authorize?${q}`, { redirect: "manual" });
    expect(res.status).to.equal(302);
    const location = new URL(res.headers.get("location")!);
    expect(location.origin + location.pathname).to.equal(redirect);
    expect(location.searchParams.get("state")).to.equal("xyz");
    const exchange = (v: string, code: string) =>
      fetch(`${s.accountsUrl}/api/token`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ grant_type: "authorization_code", code, redirect_uri: redirect, client_id: "id", code_verifier: v }),
      }).then(async (r) => ({ status: r.status, body: (await r.json()) as Record<string, unknown> }));
    const code = location.searchParams.get("code")!;
    const wrong = await exchange("not-the-verifier", code);
    expect(wrong.body.error).to.equal("invalid_grant");
    const res2 = await fetch(`${s.accountsUrl}/authorize?${q}`, { redirect: "manual" });
    const ok = await exchange(verifier, new URL(res2.headers.get("location")!).searchParams.get("code")!);
    expect(ok.status).to.equal(200);
    expect(ok.body.refresh_token).to.be.a("string");
    expect(s.refreshTokens()).to.include(ok.body.refresh_token);
  });
});
