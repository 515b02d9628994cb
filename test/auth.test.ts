import { expect } from "chai";
import * as sinon from "sinon";
import { createHash } from "node:crypto";
import { existsSync, promises as fs } from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { runAuth } from "../cli/auth";
import {
  PKCE_SCOPES,
  PkceLoginError,
  buildAuthorizeUrl,
  codeChallengeFor,
  createCodeVerifier,
  runPkceLogin,
} from "../lib/spotify/pkce";
import { readRefreshToken } from "../lib/spotify/tokenFile";
import { loadRecordedData } from "../lib/standin/recordedData";
import { startSpotifyStandIn, type Fault, type StandIn } from "../lib/standin/spotifyStandIn";

const CLIENT_ID = "test-client-id";
const sha256url = (s: string) => createHash("sha256").update(s).digest("base64url");

interface BrowserPage {
  status: number;
  text: string;
}

/**
 * Plays the user's browser: opens the authorize URL on the accounts stand-in, which answers
 * 302 to the loopback callback, and follows it. `redirect` may rewrite the callback URL
 * (a forged state) or replace it (the user pressed Cancel).
 */
function fakeBrowser(redirect?: (callback: URL, authorizeUrl: URL) => URL) {
  const visits: { authorizeUrl: URL; page: Promise<BrowserPage> }[] = [];
  const open = (url: string) => {
    const authorizeUrl = new URL(url);
    const page = (async () => {
      const authorize = await fetch(url, { redirect: "manual" });
      const location = authorize.headers.get("location");
      if (authorize.status !== 302 || !location) throw new Error(`authorize answered ${authorize.status}: ${await authorize.text()}`);
      const target = redirect ? redirect(new URL(location), authorizeUrl) : new URL(location);
      const res = await fetch(target);
      return { status: res.status, text: await res.text() };
    })();
    page.catch(() => undefined); // awaited by the test
    visits.push({ authorizeUrl, page });
  };
  return { open, visits };
}

/** Records every form POST to a token endpoint while passing it on unchanged. */
function recordTokenRequests(): { contentType: string | null; form: URLSearchParams }[] {
  const recorded: { contentType: string | null; form: URLSearchParams }[] = [];
  const realFetch = globalThis.fetch;
  sinon.stub(globalThis, "fetch").callsFake(async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init);
    if (new URL(request.url).pathname.endsWith("/api/token")) {
      recorded.push({ contentType: request.headers.get("content-type"), form: new URLSearchParams(await request.clone().text()) });
    }
    return realFetch(request);
  });
  return recorded;
}

async function rejectionOf(promise: Promise<unknown>): Promise<Error> {
  return promise.then(
    () => {
      throw new Error("expected a rejection");
    },
    (err: Error) => err,
  );
}

describe("PKCE primitives", () => {
  it("derives the S256 challenge of RFC 7636 appendix B", () => {
    expect(codeChallengeFor("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")).to.equal("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
  });

  it("makes fresh verifiers of legal length and alphabet", () => {
    const a = createCodeVerifier();
    const b = createCodeVerifier();
    expect(a).to.not.equal(b);
    for (const v of [a, b]) {
      expect(v.length).to.be.within(43, 128);
      expect(v).to.match(/^[A-Za-z0-9._~-]+$/);
    }
  });

  it("builds the authorize URL with every parameter Spotify needs", () => {
    const url = new URL(
      buildAuthorizeUrl({
        accountsUrl: "https://accounts.spotify.com/",
        clientId: "abc",
        redirectUri: "http://127.0.0.1:8888/callback",
        codeChallenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
        state: "s1",
      }),
    );
    expect(url.origin + url.pathname).to.equal("https://accounts.spotify.com/authorize");
    expect(Object.fromEntries(url.searchParams)).to.deep.equal({
      client_id: "abc",
      response_type: "code",
      redirect_uri: "http://127.0.0.1:8888/callback",
      code_challenge_method: "S256",
      code_challenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
      state: "s1",
      scope: "playlist-read-private playlist-read-collaborative",
    });
  });
});

describe("PKCE login on a loopback redirect (against the Spotify stand-in)", () => {
  let standIn: StandIn | undefined;
  let tmp: string;

  const start = async (faults: Fault[] = []) => {
    standIn = await startSpotifyStandIn({ data: loadRecordedData(), credentials: { clientId: CLIENT_ID }, faults });
    return standIn;
  };

  beforeEach(async () => {
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), "auth-test-"));
  });
  afterEach(async () => {
    sinon.restore();
    await standIn?.close();
    standIn = undefined;
    await fs.rm(tmp, { recursive: true, force: true });
  });

  it("npm run auth: logs in, exchanges the code with the matching verifier, prints and stores the refresh token", async () => {
    const accounts = await start();
    const tokenRequests = recordTokenRequests();
    const browser = fakeBrowser();
    const out: string[] = [];
    const err: string[] = [];
    const tokenFile = path.join(tmp, "nested", "token.json");

    const code = await runAuth(
      { SPOTIFY_CLIENT_ID: CLIENT_ID, SPOTIFY_ACCOUNTS_URL: accounts.accountsUrl, SPOTIFY_REDIRECT_PORT: "0", SPOTIFY_TOKEN_FILE: tokenFile },
      { out: (l) => out.push(l), err: (l) => err.push(l), openBrowser: browser.open },
    );

    expect(err).to.deep.equal([]);
    expect(code).to.equal(0);

    // The authorize request the browser made.
    expect(browser.visits).to.have.length(1);
    const authorize = browser.visits[0]!.authorizeUrl;
    const q = authorize.searchParams;
    expect(authorize.origin + authorize.pathname).to.equal(`${accounts.accountsUrl}/authorize`);
    expect(q.get("client_id")).to.equal(CLIENT_ID);
    expect(q.get("response_type")).to.equal("code");
    expect(q.get("code_challenge_method")).to.equal("S256");
    expect(q.get("scope")).to.equal(PKCE_SCOPES);
    expect(q.get("state")).to.have.length.greaterThan(15);
    const redirectUri = q.get("redirect_uri")!;
    expect(redirectUri).to.match(/^http:\/\/127\.0\.0\.1:\d+\/callback$/);
    expect(out).to.include(`Redirect URI: ${redirectUri}`);
    expect(out).to.include(authorize.toString());

    // The code exchange: the verifier behind the challenge, as a form, with no secret.
    expect(tokenRequests).to.have.length(1);
    const { contentType, form } = tokenRequests[0]!;
    expect(contentType).to.match(/^application\/x-www-form-urlencoded/);
    expect(form.get("grant_type")).to.equal("authorization_code");
    expect(form.get("code")).to.be.a("string").and.not.equal("");
    expect(form.get("redirect_uri")).to.equal(redirectUri);
    expect(form.get("client_id")).to.equal(CLIENT_ID);
    expect(sha256url(form.get("code_verifier")!)).to.equal(q.get("code_challenge"));
    expect(form.has("client_secret")).to.equal(false);
    expect(accounts.counts()).to.include({ authorize: 1, token: 1 });

    // The refresh token the stand-in issued: printed and stored where npm start reads it.
    const stored = readRefreshToken(tokenFile);
    expect(stored).to.be.a("string");
    expect(accounts.refreshTokens()).to.include(stored);
    expect(out).to.include(`Refresh token: ${stored}`);
    expect(out.join("\n")).to.include(tokenFile);
    expect(JSON.parse(await fs.readFile(tokenFile, "utf8"))).to.include({ refresh_token: stored, client_id: CLIENT_ID });

    // The browser was told it worked, and the loopback server is gone.
    const page = await browser.visits[0]!.page;
    expect(page.status).to.equal(200);
    expect(page.text).to.include("Spotify login done");
    const after = await rejectionOf(fetch(redirectUri));
    expect(after).to.be.instanceOf(TypeError); // connection refused
  });

  it("refuses a callback whose state differs, and never exchanges its code", async () => {
    const accounts = await start();
    const browser = fakeBrowser((callback) => {
      callback.searchParams.set("state", "forged-state");
      return callback;
    });

    const err = await rejectionOf(runPkceLogin({ clientId: CLIENT_ID, accountsUrl: accounts.accountsUrl, port: 0, openUrl: browser.open, timeoutMs: 10_000 }));

    expect(err).to.be.instanceOf(PkceLoginError);
    expect(err.message).to.include("different state");
    expect(err.message).to.include("npm run auth");
    expect(accounts.counts().token).to.equal(0);
    const page = await browser.visits[0]!.page;
    expect(page.status).to.equal(400);
    expect(page.text).to.include("Spotify login failed");
  });

  it("explains access_denied (the user pressed Cancel) and exchanges nothing", async () => {
    const accounts = await start();
    // What the accounts service redirects to when the user cancels: error and the same state.
    const browser = fakeBrowser((callback, authorizeUrl) => {
      const denied = new URL(callback.origin + callback.pathname);
      denied.searchParams.set("error", "access_denied");
      denied.searchParams.set("state", authorizeUrl.searchParams.get("state")!);
      return denied;
    });

    const err = await rejectionOf(runPkceLogin({ clientId: CLIENT_ID, accountsUrl: accounts.accountsUrl, port: 0, openUrl: browser.open, timeoutMs: 10_000 }));

    expect(err).to.be.instanceOf(PkceLoginError);
    expect(err.message).to.include("access was denied");
    expect(err.message).to.include('choose "Agree"');
    expect(accounts.counts().token).to.equal(0);
    expect((await browser.visits[0]!.page).status).to.equal(400);
  });

  it("reports the token endpoint's OAuth error with its error_description, exits 1 and stores nothing", async () => {
    const accounts = await start([
      { endpoint: "token", status: 400, body: { error: "invalid_grant", error_description: "Authorization code expired" } },
    ]);
    const browser = fakeBrowser();
    const out: string[] = [];
    const err: string[] = [];
    const tokenFile = path.join(tmp, "token.json");

    const code = await runAuth(
      { SPOTIFY_CLIENT_ID: CLIENT_ID, SPOTIFY_ACCOUNTS_URL: accounts.accountsUrl, SPOTIFY_REDIRECT_PORT: "0", SPOTIFY_TOKEN_FILE: tokenFile },
      { out: (l) => out.push(l), err: (l) => err.push(l), openBrowser: browser.open },
    );

    expect(code).to.equal(1);
    expect(err).to.have.length(1);
    expect(err[0]).to.include("HTTP 400");
    expect(err[0]).to.include("invalid_grant: Authorization code expired");
    expect(err[0]).to.include("npm run auth");
    expect(existsSync(tokenFile)).to.equal(false);
    const page = await browser.visits[0]!.page;
    expect(page.text).to.include("Authorization code expired");
  });

  it("gives up after the timeout with the redirect URI to check", async () => {
    let opened = "";
    const err = await rejectionOf(
      runPkceLogin({ clientId: CLIENT_ID, accountsUrl: "http://127.0.0.1:9/unused", port: 0, openUrl: (url) => (opened = url), timeoutMs: 150 }),
    );
    expect(err).to.be.instanceOf(PkceLoginError);
    expect(err.message).to.include("No login came back");
    expect(err.message).to.include(new URL(opened).searchParams.get("redirect_uri")!);
  });

  it("says what to do when the redirect port is taken", async () => {
    const blocker = http.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    const port = (blocker.address() as AddressInfo).port;
    try {
      const err = await rejectionOf(runPkceLogin({ clientId: CLIENT_ID, accountsUrl: "http://127.0.0.1:9", port, timeoutMs: 1000 }));
      expect(err).to.be.instanceOf(PkceLoginError);
      expect(err.message).to.include(`Port ${port} on 127.0.0.1 is in use`);
      expect(err.message).to.include("SPOTIFY_REDIRECT_PORT");
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });
});

describe("npm run auth configuration", () => {
  it("explains how to get a client id when SPOTIFY_CLIENT_ID is missing", async () => {
    const err: string[] = [];
    const code = await runAuth({}, { out: () => undefined, err: (l) => err.push(l) });
    expect(code).to.equal(2);
    const message = err.join("\n");
    expect(message).to.include("SPOTIFY_CLIENT_ID is not set");
    expect(message).to.include("https://developer.spotify.com/dashboard");
    expect(message).to.include("http://127.0.0.1:8888/callback");
  });

  it("rejects a redirect port that is not a port number", async () => {
    const err: string[] = [];
    const code = await runAuth({ SPOTIFY_CLIENT_ID: "x", SPOTIFY_REDIRECT_PORT: "88a" }, { out: () => undefined, err: (l) => err.push(l) });
    expect(code).to.equal(2);
    expect(err.join("\n")).to.include('SPOTIFY_REDIRECT_PORT is "88a"');
  });
});
