/**
 * Authorization Code with PKCE on a loopback redirect: how a user of a development-mode app
 * gets the refresh token that lets the pipeline read their playlists' items.
 *
 * The flow: listen on http://127.0.0.1:PORT/callback, send the user to accounts/authorize with
 * an S256 challenge and a random state, receive ?code=&state= on the callback, check the state,
 * exchange the code with the verifier at accounts/api/token. No client secret is involved.
 */
import { createHash, randomBytes } from "node:crypto";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import ky from "ky";
import { cappedFetch, isRedirect, locationOf } from "./exchange";
import { redact } from "./redact";
import { OAuthErrorBody, TokenResponse, describeZodError } from "./schemas";

export const PKCE_SCOPES = "playlist-read-private playlist-read-collaborative";
export const DEFAULT_REDIRECT_PORT = 8888;
export const DEFAULT_LOGIN_TIMEOUT_MS = 5 * 60_000;
const TOKEN_REQUEST_TIMEOUT_MS = 30_000;

/** A login that did not end with a refresh token; the message says what to do. */
export class PkceLoginError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PkceLoginError";
  }
}

/** 64 random bytes as base64url: 86 characters, inside RFC 7636's 43..128. */
export function createCodeVerifier(): string {
  return randomBytes(64).toString("base64url");
}

export function codeChallengeFor(verifier: string): string {
  return createHash("sha256").update(verifier).digest("base64url");
}

export function createState(): string {
  return randomBytes(16).toString("base64url");
}

/** The redirect URI the user must register, character for character, in the Spotify dashboard. */
export function redirectUriFor(port: number): string {
  return `http://127.0.0.1:${port}/callback`;
}

export interface AuthorizeUrlParams {
  accountsUrl: string;
  clientId: string;
  redirectUri: string;
  codeChallenge: string;
  state: string;
  scope?: string;
}

export function buildAuthorizeUrl(p: AuthorizeUrlParams): string {
  const url = new URL(`${trimSlash(p.accountsUrl)}/authorize`);
  url.search = new URLSearchParams({
    client_id: p.clientId,
    response_type: "code",
    redirect_uri: p.redirectUri,
    code_challenge_method: "S256",
    code_challenge: p.codeChallenge,
    state: p.state,
    scope: p.scope ?? PKCE_SCOPES,
  }).toString();
  return url.toString();
}

export interface CodeExchange {
  accountsUrl: string;
  clientId: string;
  code: string;
  redirectUri: string;
  codeVerifier: string;
  timeoutMs?: number;
}

/**
 * POST accounts/api/token with grant_type=authorization_code. No retry: a code is good for one use
 * only. No redirect either: the body carries the code and its verifier, so a 3xx is an error naming
 * its status and the Location's origin, and nothing is sent there. What the endpoint answers is
 * redacted (the code, the verifier) before it is shown.
 */
export async function exchangeCode(p: CodeExchange): Promise<TokenResponse> {
  const tokenUrl = `${trimSlash(p.accountsUrl)}/api/token`;
  const hide = (text: string) => redact(text, [p.code, p.codeVerifier]);
  let response: Response;
  try {
    response = await ky.post(tokenUrl, {
      fetch: cappedFetch,
      body: new URLSearchParams({
        grant_type: "authorization_code",
        code: p.code,
        redirect_uri: p.redirectUri,
        client_id: p.clientId,
        code_verifier: p.codeVerifier,
      }),
      retry: 0,
      throwHttpErrors: false,
      timeout: p.timeoutMs ?? TOKEN_REQUEST_TIMEOUT_MS,
    });
  } catch (err) {
    throw new PkceLoginError(
      `Could not reach the Spotify token endpoint ${tokenUrl}: ${hide((err as Error).message)}. Check your network (and SPOTIFY_ACCOUNTS_URL if you set it), then run "npm run auth" again.`,
    );
  }
  if (isRedirect(response.status)) {
    const to = locationOf(response, tokenUrl);
    throw new PkceLoginError(
      `The Spotify token endpoint ${tokenUrl} answered ${response.status}, redirecting to ${to ? to.origin : "no readable Location"}: the code was not sent there and nothing was stored. ` +
        `Check SPOTIFY_ACCOUNTS_URL (unset, it is https://accounts.spotify.com), then run "npm run auth" again.`,
    );
  }
  const text = await response.text();
  const json = parseJson(text);
  if (!response.ok) throw new PkceLoginError(hide(describeTokenError(response.status, json, hide(text))));

  const parsed = TokenResponse.safeParse(json);
  if (!parsed.success) {
    throw new PkceLoginError(`The Spotify token endpoint answered with an unexpected body (${describeZodError(parsed.error)}): run "npm run auth" again; if it persists, Spotify changed the response.`);
  }
  if (!parsed.data.refresh_token) {
    throw new PkceLoginError('The Spotify token endpoint returned no refresh_token for the authorization code: run "npm run auth" again.');
  }
  return parsed.data;
}

function describeTokenError(status: number, json: unknown, text: string): string {
  const oauth = OAuthErrorBody.safeParse(json);
  const detail = oauth.success
    ? `${oauth.data.error}${oauth.data.error_description ? `: ${oauth.data.error_description}` : ""}`
    : text.trim().slice(0, 200) || "empty body"; // `text` comes redacted: cut after, so no secret is cut into a prefix
  const hint = oauth.success ? TOKEN_ERROR_HINTS[oauth.data.error] : undefined;
  return `Spotify refused the code exchange (HTTP ${status}, ${detail}). ${hint ?? 'Run "npm run auth" again.'}`;
}

// OAuth error codes (RFC 6749 §5.2) are stable; the descriptions are not, so hints key on the code.
const TOKEN_ERROR_HINTS: Record<string, string> = {
  invalid_client: "Check that SPOTIFY_CLIENT_ID is the Client ID of your app at developer.spotify.com/dashboard.",
  invalid_grant:
    'The code was refused: codes expire after a few minutes and work once, and the redirect URI must be the one registered for the app. Run "npm run auth" again.',
  invalid_request: 'Run "npm run auth" again; if it persists, check SPOTIFY_ACCOUNTS_URL.',
  unauthorized_client: "This app may not use the authorization code flow: check the app's settings at developer.spotify.com/dashboard.",
};

export interface CallbackResult {
  code: string;
  /** Sends the page the browser shows at the end of the login, then closes the server. */
  finish(ok: boolean, message: string): void;
}

export interface CallbackServer {
  port: number;
  redirectUri: string;
  /** Resolves with the code of the first callback whose state matches; rejects on a mismatch, an error or the timeout. */
  callback: Promise<CallbackResult>;
  close(): Promise<void>;
}

/** Listens on 127.0.0.1 only: the code never leaves the machine. Port 0 picks a free port (tests). */
export async function startCallbackServer(opts: { port: number; state: string; timeoutMs: number }): Promise<CallbackServer> {
  let settle: { resolve(r: CallbackResult): void; reject(e: Error): void } | undefined;
  const callback = new Promise<CallbackResult>((resolve, reject) => (settle = { resolve, reject }));
  callback.catch(() => undefined); // handled by whoever awaits it; avoids an unhandled rejection in between
  let done = false;

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    if (req.method !== "GET" || url.pathname !== "/callback" || done) {
      res.writeHead(404, { "content-type": "text/plain; charset=utf-8" }).end("Not found.\n");
      return;
    }
    done = true;
    const q = url.searchParams;
    const fail = (message: string) => {
      sendPage(res, 400, false, message);
      settle?.reject(new PkceLoginError(message));
    };
    // The state comes first: a callback we did not start must not be acted on, not even its error.
    if (q.get("state") !== opts.state) {
      fail('The login callback carried a different state than the one sent (a stale browser tab or a forged request). Nothing was stored: run "npm run auth" again and use the new URL it prints.');
      return;
    }
    const error = q.get("error");
    if (error === "access_denied") {
      fail('Spotify says access was denied: you chose "Cancel" on the consent page. Run "npm run auth" again and choose "Agree".');
      return;
    }
    if (error) {
      fail(`Spotify returned an error to the callback: ${error}. Check the app settings at developer.spotify.com/dashboard and run "npm run auth" again.`);
      return;
    }
    const code = q.get("code");
    if (!code) {
      fail('The login callback had no code. Run "npm run auth" again.');
      return;
    }
    settle?.resolve({ code, finish: (ok, message) => sendPage(res, ok ? 200 : 502, ok, message) });
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", (err: NodeJS.ErrnoException) => {
      reject(
        err.code === "EADDRINUSE"
          ? new PkceLoginError(
              `Port ${opts.port} on 127.0.0.1 is in use. Stop what uses it, or set SPOTIFY_REDIRECT_PORT to a free port and register http://127.0.0.1:<that port>/callback as a Redirect URI of your app in the Spotify dashboard.`,
            )
          : err,
      );
    });
    server.listen(opts.port, "127.0.0.1", () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const redirectUri = redirectUriFor(port);

  const timer = setTimeout(() => {
    done = true;
    settle?.reject(
      new PkceLoginError(
        `No login came back to ${redirectUri} within ${describeDuration(opts.timeoutMs)}. Open the printed URL in a browser on this machine, and check that exactly ${redirectUri} is a Redirect URI of your app in the Spotify dashboard. Then run "npm run auth" again.`,
      ),
    );
  }, opts.timeoutMs);
  timer.unref();

  return {
    port,
    redirectUri,
    callback,
    close: () =>
      new Promise<void>((resolve) => {
        clearTimeout(timer);
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}

function sendPage(res: http.ServerResponse, status: number, ok: boolean, message: string): void {
  const title = ok ? "Spotify login done" : "Spotify login failed";
  const body = `<!doctype html><meta charset="utf-8"><title>${title}</title><h1>${title}</h1><p>${escapeHtml(message)}</p><p>You can close this tab and go back to the terminal.</p>\n`;
  res.writeHead(status, { "content-type": "text/html; charset=utf-8", connection: "close" }).end(body);
}

export interface PkceLoginOptions {
  clientId: string;
  accountsUrl: string;
  /** Loopback port of the redirect URI; 0 picks a free one (tests only: Spotify needs the registered port). */
  port: number;
  /** Called with the authorize URL once the callback server listens (print it, open a browser, or play the browser in a test). */
  openUrl?: (url: string) => void;
  timeoutMs: number;
}

export interface PkceLoginResult {
  refreshToken: string;
  accessToken: string;
  expiresIn: number;
  scope?: string;
  redirectUri: string;
}

export async function runPkceLogin(opts: PkceLoginOptions): Promise<PkceLoginResult> {
  if (!opts.clientId) throw new PkceLoginError("No Spotify client id given.");
  const verifier = createCodeVerifier();
  const state = createState();
  const server = await startCallbackServer({ port: opts.port, state, timeoutMs: opts.timeoutMs });
  try {
    const url = buildAuthorizeUrl({
      accountsUrl: opts.accountsUrl,
      clientId: opts.clientId,
      redirectUri: server.redirectUri,
      codeChallenge: codeChallengeFor(verifier),
      state,
    });
    opts.openUrl?.(url);
    const { code, finish } = await server.callback;
    let token: TokenResponse;
    try {
      token = await exchangeCode({ accountsUrl: opts.accountsUrl, clientId: opts.clientId, code, redirectUri: server.redirectUri, codeVerifier: verifier });
    } catch (err) {
      finish(false, (err as Error).message);
      throw err;
    }
    finish(true, "The refresh token was received; the terminal shows where it is stored.");
    return {
      refreshToken: token.refresh_token as string,
      accessToken: token.access_token,
      expiresIn: token.expires_in,
      scope: token.scope,
      redirectUri: server.redirectUri,
    };
  } finally {
    await server.close();
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function describeDuration(ms: number): string {
  return ms >= 60_000 && ms % 60_000 === 0 ? `${ms / 60_000} min` : `${Math.max(1, Math.round(ms / 1000))} s`;
}

function trimSlash(url: string): string {
  return url.replace(/\/+$/, "");
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
