/** Spotify client configuration, from the environment (local run) or built by a caller (Lambda, tests, bench). */
import { defaultTokenFile, readTokenFile, tokenHash } from "./tokenFile";
import { SpotifyConfigError } from "./errors";

export interface SpotifyConfig {
  clientId: string;
  clientSecret?: string;
  refreshToken?: string;
  /** Where the refresh token came from, for messages: "SPOTIFY_REFRESH_TOKEN", the token file's path, or the caller's word. */
  refreshTokenSource?: string;
  /** Something the user should know about the configuration (a superseded SPOTIFY_REFRESH_TOKEN). */
  notice?: string;
  apiUrl: string;
  accountsUrl: string;
  /** Requests in flight at once, default 8. */
  concurrency: number;
  /** Per request attempt, default 15000. */
  timeoutMs: number;
  /** Longest Retry-After we accept before failing, default 120. */
  maxWaitS: number;
  /** Retries per request (429, 5xx, network, timeout), default 6. */
  retryLimit?: number;
  /** First backoff delay for 5xx/network retries, doubled each time, with full jitter; default 300. */
  backoffBaseMs?: number;
  /** Longest single backoff delay, default 10000. */
  backoffLimitMs?: number;
  /**
   * The length of the API's rolling rate-limit window when known (Spotify documents 30000 ms),
   * so the first 429 teaches the request count exactly; unset, both are estimated from the first burst.
   */
  rateWindowMs?: number;
}

export const DEFAULT_API_URL = "https://api.spotify.com/v1";
export const DEFAULT_ACCOUNTS_URL = "https://accounts.spotify.com";

/** rateWindowMs: Spotify counts requests over a rolling 30 s window (its rate-limit guide); it publishes no request count. */
export const CONFIG_DEFAULTS = { concurrency: 8, timeoutMs: 15_000, maxWaitS: 120, retryLimit: 6, backoffBaseMs: 300, backoffLimitMs: 10_000, rateWindowMs: 30_000 } as const;

function positiveNumber(env: NodeJS.ProcessEnv, name: string, fallback: number, integer: boolean): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === "") return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) {
    throw new SpotifyConfigError(`${name}="${raw}" is not a positive ${integer ? "integer" : "number"}; unset it to use the default (${fallback}).`);
  }
  return n;
}

function baseUrl(env: NodeJS.ProcessEnv, name: string, fallback: string): string {
  const raw = env[name]?.trim() || fallback;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new SpotifyConfigError(`${name}="${raw}" is not a URL; use for example ${fallback}.`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") throw new SpotifyConfigError(`${name}="${raw}" must be an http(s) URL, for example ${fallback}.`);
  return raw.replace(/\/+$/, "");
}

/**
 * The configuration from SPOTIFY_* variables; undefined when SPOTIFY_CLIENT_ID is not set
 * (the caller then runs on sample data). The refresh token comes from SPOTIFY_REFRESH_TOKEN,
 * else from the token file written by `npm run auth`, and from the file when the file's token is
 * a rotation of the one in SPOTIFY_REFRESH_TOKEN (the newest token wins: Spotify no longer accepts the old one).
 */
export function spotifyConfigFromEnv(env: NodeJS.ProcessEnv = process.env, tokenFile: string = defaultTokenFile(env)): SpotifyConfig | undefined {
  const clientId = env.SPOTIFY_CLIENT_ID?.trim();
  if (!clientId) {
    if (env.SPOTIFY_CLIENT_SECRET?.trim() || env.SPOTIFY_REFRESH_TOKEN?.trim()) {
      throw new SpotifyConfigError("SPOTIFY_CLIENT_SECRET or SPOTIFY_REFRESH_TOKEN is set but SPOTIFY_CLIENT_ID is not: set SPOTIFY_CLIENT_ID to your app's Client ID (Spotify developer dashboard).");
    }
    return undefined;
  }
  const clientSecret = env.SPOTIFY_CLIENT_SECRET?.trim() || undefined;
  const { refreshToken, refreshTokenSource, notice } = chooseRefreshToken(env.SPOTIFY_REFRESH_TOKEN?.trim() || undefined, tokenFile);
  if (!clientSecret && !refreshToken) {
    throw new SpotifyConfigError(
      `SPOTIFY_CLIENT_ID is set but there is neither SPOTIFY_CLIENT_SECRET (client credentials) nor a refresh token ` +
        `(SPOTIFY_REFRESH_TOKEN or ${tokenFile}): run "npm run auth" to sign in, or set SPOTIFY_CLIENT_SECRET.`,
    );
  }
  return {
    clientId,
    clientSecret,
    refreshToken,
    ...(refreshToken ? { refreshTokenSource } : {}),
    ...(notice ? { notice } : {}),
    apiUrl: baseUrl(env, "SPOTIFY_API_URL", DEFAULT_API_URL),
    accountsUrl: baseUrl(env, "SPOTIFY_ACCOUNTS_URL", DEFAULT_ACCOUNTS_URL),
    concurrency: positiveNumber(env, "SPOTIFY_CONCURRENCY", CONFIG_DEFAULTS.concurrency, true),
    timeoutMs: positiveNumber(env, "SPOTIFY_TIMEOUT_MS", CONFIG_DEFAULTS.timeoutMs, true),
    maxWaitS: positiveNumber(env, "SPOTIFY_MAX_WAIT_S", CONFIG_DEFAULTS.maxWaitS, false),
    rateWindowMs: positiveNumber(env, "SPOTIFY_RATE_WINDOW_MS", CONFIG_DEFAULTS.rateWindowMs, true),
  };
}

function chooseRefreshToken(fromEnv: string | undefined, tokenFile: string): { refreshToken?: string; refreshTokenSource?: string; notice?: string } {
  const file = readTokenFile(tokenFile);
  if (!fromEnv) return { refreshToken: file?.refreshToken, refreshTokenSource: tokenFile };
  if (file && file.refreshToken !== fromEnv && file.replaces.includes(tokenHash(fromEnv))) {
    return {
      refreshToken: file.refreshToken,
      refreshTokenSource: tokenFile,
      notice:
        `SPOTIFY_REFRESH_TOKEN holds a refresh token that Spotify has since rotated; using the newer one saved in ${tokenFile}. ` +
        `Unset SPOTIFY_REFRESH_TOKEN (the file is kept up to date), or set it to the token in that file.`,
    };
  }
  return { refreshToken: fromEnv, refreshTokenSource: "SPOTIFY_REFRESH_TOKEN" };
}
