/**
 * Access tokens: refresh-token mode when a refresh token is configured (a user's token from
 * `npm run auth`), client credentials otherwise. The token is cached until shortly before it
 * expires; concurrent callers share one token request. A rotated refresh token is handed to
 * onRefreshToken (with the one it replaces) so the caller can store it where the next run looks.
 * The timeout covers the whole exchange, and what the endpoint answers is redacted before it is
 * shown: an endpoint that echoes the request would otherwise print the credentials.
 *
 * The token request follows no redirect (its body holds the refresh token or the client's
 * credentials): a 3xx is an error naming the status and the Location's origin. A rotated refresh
 * token that cannot be stored stops the provider for good: every later request fails with the
 * same error, so a run never goes on (and ends "successfully") while the only valid token is lost.
 */
import ky, { HTTPError, TimeoutError } from "ky";
import { DEFAULT_ACCOUNTS_URL, type SpotifyConfig } from "./config";
import { attemptsOf, exchangeOptions, isRedirect, locationOf } from "./exchange";
import { redact } from "./redact";
import { InvalidResponseError, SpotifyAuthError, SpotifyError, SpotifyNetworkError, SpotifyTimeoutError } from "./errors";
import { OAuthErrorBody, TokenResponse, describeZodError } from "./schemas";
import { countCall, type ClientStats } from "./stats";

export type AuthMode = "refresh_token" | "client_credentials";

/** Renew this long before expiry (or a tenth of a short lifetime), so no request carries a token about to expire. */
const EXPIRY_MARGIN_MS = 60_000;
/** Access tokens remembered for redaction (a run rarely needs more than one or two). */
const ACCESS_TOKENS_KEPT = 16;

export class TokenProvider {
  readonly mode: AuthMode;
  private current?: { value: string; renewAt: number };
  private pending?: Promise<string>;
  private refreshToken?: string;
  private readonly accessTokens: string[] = [];
  /** Set when a rotated refresh token could not be stored: the provider gives no token from then on. */
  private lost?: SpotifyAuthError;

  constructor(
    private readonly config: SpotifyConfig,
    private readonly stats: ClientStats,
    private readonly onRefreshToken?: (token: string, replaced: string) => Promise<void> | void,
  ) {
    this.refreshToken = config.refreshToken;
    this.mode = config.refreshToken ? "refresh_token" : "client_credentials";
    if (this.mode === "client_credentials" && !config.clientSecret) {
      throw new SpotifyAuthError('No Spotify credentials to get a token with: set SPOTIFY_CLIENT_SECRET (client credentials) or sign in with "npm run auth" (refresh token).');
    }
  }

  async get(): Promise<string> {
    if (this.lost) throw this.lost;
    if (this.current && Date.now() < this.current.renewAt) return this.current.value;
    this.pending ??= this.request().finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  /** Forget a token the API refused (401), unless a newer one has replaced it already. */
  invalidate(token: string | undefined): void {
    if (this.current && this.current.value === token) this.current = undefined;
  }

  private async request(): Promise<string> {
    const form = new URLSearchParams();
    const headers: Record<string, string> = { "content-type": "application/x-www-form-urlencoded" };
    if (this.config.clientSecret) {
      headers.authorization = `Basic ${Buffer.from(`${this.config.clientId}:${this.config.clientSecret}`).toString("base64")}`;
    }
    if (this.mode === "refresh_token") {
      form.set("grant_type", "refresh_token");
      form.set("refresh_token", this.refreshToken!);
      form.set("client_id", this.config.clientId); // PKCE clients authenticate with their id alone
    } else {
      form.set("grant_type", "client_credentials");
    }
    const url = `${this.config.accountsUrl}/api/token`;
    let response: Response;
    try {
      response = await ky.post(url, {
        body: form,
        headers,
        ...exchangeOptions(this.config, "post"),
        throwHttpErrors: (status) => status === 429 || status >= 500,
        hooks: {
          afterResponse: [
            (req, _opts, res) => {
              if (res.status === 429) this.stats.http429++;
              else countCall(this.stats, "token");
              if (isRedirect(res.status)) {
                const to = locationOf(res, req.url);
                throw new SpotifyAuthError(
                  `The Spotify token endpoint ${url} answered ${res.status}, redirecting to ${to ? to.origin : "no readable Location"}: the token request was not sent there ` +
                    `(it carries the app's credentials) and nothing was stored. Check SPOTIFY_ACCOUNTS_URL (Spotify's is ${DEFAULT_ACCOUNTS_URL}).`,
                  res.status,
                );
              }
            },
          ],
          beforeRetry: [
            () => {
              this.stats.retries++;
            },
          ],
        },
      });
    } catch (err) {
      if (err instanceof HTTPError) {
        throw new SpotifyAuthError(`The Spotify token endpoint ${url} answered ${err.response.status} after retries: Spotify accounts is having trouble; run again later.`, err.response.status);
      }
      if (err instanceof TimeoutError) {
        throw new SpotifyTimeoutError(
          `The Spotify token endpoint ${url} did not answer completely within ${this.config.timeoutMs} ms (SPOTIFY_TIMEOUT_MS), ${attemptsOf(this.config)} times in a row: check the network or SPOTIFY_ACCOUNTS_URL, or raise SPOTIFY_TIMEOUT_MS.`,
        );
      }
      if (err instanceof SpotifyError) throw err;
      throw new SpotifyNetworkError(`Could not reach the Spotify token endpoint ${url}: ${this.redact(describeCause(err))}. Check the network or SPOTIFY_ACCOUNTS_URL.`, { cause: err });
    }

    const text = await response.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new InvalidResponseError(`The Spotify token endpoint ${url} answered ${response.status} with a body that is not JSON: ${this.redact(text).slice(0, 200)}`);
    }
    if (!response.ok) throw this.explainRefusal(response.status, json);
    const parsed = TokenResponse.safeParse(json);
    if (!parsed.success) throw new InvalidResponseError(`The Spotify token endpoint ${url} answered an unexpected body at ${describeZodError(parsed.error)}.`);
    const token = parsed.data;
    this.accessTokens.push(token.access_token);
    if (this.accessTokens.length > ACCESS_TOKENS_KEPT) this.accessTokens.shift();
    if (this.mode === "refresh_token" && token.refresh_token && token.refresh_token !== this.refreshToken) {
      const replaced = this.refreshToken!;
      this.refreshToken = token.refresh_token;
      try {
        await this.onRefreshToken?.(token.refresh_token, replaced);
      } catch (err) {
        const from = this.config.refreshTokenSource ? ` from ${this.config.refreshTokenSource}` : "";
        this.lost = new SpotifyAuthError(
          `Spotify rotated the refresh token, and the new one could not be stored: ${this.redact(err instanceof Error ? err.message : String(err))}. ` +
            `Spotify may no longer accept the old one${from}, so the run stops here. Fix the cause (space, permissions), then run "npm run auth" to sign in again ` +
            `(it writes a new token file); on AWS, store a new token in the extractor's secret.`,
        );
        this.current = undefined;
        throw this.lost;
      }
    }
    const lifetimeMs = token.expires_in * 1000;
    this.current = { value: token.access_token, renewAt: Date.now() + lifetimeMs - Math.min(EXPIRY_MARGIN_MS, lifetimeMs / 10) };
    return token.access_token;
  }

  /** Every credential this provider holds or has held: the secret, the first and current refresh token, the access tokens it got. */
  credentials(): string[] {
    return [this.config.clientSecret, this.config.refreshToken, this.refreshToken, ...this.accessTokens].filter((s): s is string => !!s);
  }

  /** Text from the token endpoint without our credentials (every one credentials() lists, and the Basic value). */
  private redact(text: string): string {
    return redact(text, this.credentials(), this.config.clientId);
  }

  private explainRefusal(status: number, json: unknown): SpotifyAuthError {
    const body = OAuthErrorBody.safeParse(json);
    const code = body.success ? body.data.error : undefined;
    const detail = body.success ? this.redact(`${body.data.error}${body.data.error_description ? `: ${body.data.error_description}` : ""}`) : this.redact(JSON.stringify(json)).slice(0, 200);
    if (code === "invalid_client") {
      const which = this.config.clientSecret ? "SPOTIFY_CLIENT_ID and SPOTIFY_CLIENT_SECRET" : "SPOTIFY_CLIENT_ID";
      return new SpotifyAuthError(`Spotify refused the app's credentials (${status} ${detail}): check ${which} against your app in the Spotify developer dashboard.`, status, code);
    }
    if (code === "invalid_grant" && this.mode === "refresh_token") {
      const from = this.config.refreshTokenSource ? ` (from ${this.config.refreshTokenSource})` : "";
      return new SpotifyAuthError(
        `Spotify refused the refresh token${from} (${status} ${detail}): it was revoked, expired, rotated since, or belongs to another app. ` +
          `Run "npm run auth" again to sign in (it rewrites the token file), or fix SPOTIFY_REFRESH_TOKEN.`,
        status,
        code,
      );
    }
    const fix = this.mode === "refresh_token" ? 'run "npm run auth" again or fix SPOTIFY_REFRESH_TOKEN' : "check SPOTIFY_CLIENT_ID and SPOTIFY_CLIENT_SECRET";
    return new SpotifyAuthError(`Spotify refused a token (${status} ${detail}): ${fix}.`, status, code);
  }
}

export function describeCause(err: unknown): string {
  const e = err as Error & { cause?: unknown };
  const cause = e?.cause as (Error & { code?: string }) | undefined;
  const parts = [e?.message ?? String(err)];
  if (cause?.message) parts.push(cause.code ? `${cause.message} (${cause.code})` : cause.message);
  return parts.join(": ");
}
