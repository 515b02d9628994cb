/**
 * GET requests to the Web API through ky: bearer token, one shared rate gate, bounded
 * concurrency, a timeout per attempt, and ky's retry (Retry-After on 429; exponential
 * backoff with jitter on 5xx, network errors and timeouts; one new token on a 401).
 * Every body is checked against its zod schema before anyone sees it.
 */
import ky, { HTTPError, TimeoutError, type KyInstance } from "ky";
import type { z } from "zod";
import type { SpotifyConfig } from "./config";
import { CONFIG_DEFAULTS } from "./config";
import { InvalidResponseError, QuotaExceededError, RateLimitWaitTooLongError, SpotifyApiError, SpotifyError, SpotifyNetworkError, SpotifyTimeoutError } from "./errors";
import { describeCause, type TokenProvider } from "./auth";
import { ConcurrencyLimit } from "./limit";
import { RateGate } from "./rateGate";
import { ApiErrorBody, describeZodError } from "./schemas";
import { countCall, type ClientStats } from "./stats";

interface RequestState {
  endpoint: string;
  token?: string;
  sentAt: number;
  renewedToken: boolean;
}

/** Seconds from a Retry-After header (seconds, or an HTTP date); undefined when absent or unreadable. */
export function retryAfterSeconds(header: string | null): number | undefined {
  if (header === null || header.trim() === "") return undefined;
  const n = Number(header);
  if (Number.isFinite(n)) return Math.max(0, n);
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, (at - Date.now()) / 1000);
}

async function errorBodyOf(response: Response): Promise<{ message?: string; reason?: string }> {
  try {
    const parsed = ApiErrorBody.safeParse(JSON.parse(await response.text()));
    return parsed.success ? { message: parsed.data.error.message, reason: parsed.data.error.reason } : {};
  } catch {
    return {}; // some 403s have an empty body
  }
}

export class SpotifyHttp {
  private readonly ky: KyInstance;
  private readonly limit: ConcurrencyLimit;
  readonly gate: RateGate;

  constructor(
    private readonly config: SpotifyConfig,
    private readonly tokens: TokenProvider,
    private readonly stats: ClientStats,
  ) {
    this.limit = new ConcurrencyLimit(config.concurrency);
    this.gate = new RateGate(Math.max(10, 2 * config.concurrency), config.rateWindowMs);
    const stateOf = (options: { context: Record<string, unknown> }) => options.context.state as RequestState;
    this.ky = ky.create({
      timeout: config.timeoutMs,
      retry: {
        limit: config.retryLimit ?? CONFIG_DEFAULTS.retryLimit,
        methods: ["get"],
        statusCodes: [429, 500, 502, 503, 504],
        afterStatusCodes: [429],
        maxRetryAfter: config.maxWaitS * 1000,
        backoffLimit: config.backoffLimitMs ?? CONFIG_DEFAULTS.backoffLimitMs,
        delay: (attempt) => (config.backoffBaseMs ?? CONFIG_DEFAULTS.backoffBaseMs) * 2 ** (attempt - 1),
        jitter: true,
        retryOnTimeout: true,
        // Our own errors (quota, a wait too long) end the request; everything else follows ky's rules.
        shouldRetry: ({ error }) => (error instanceof SpotifyError ? false : undefined),
      },
      hooks: {
        beforeRequest: [
          async (request, options) => {
            const state = stateOf(options);
            state.token = await this.tokens.get();
            state.sentAt = await this.gate.acquire();
            request.headers.set("authorization", `Bearer ${state.token}`);
          },
        ],
        afterResponse: [
          async (request, options, response) => {
            const state = stateOf(options);
            if (response.status === 429) {
              this.stats.http429++;
              const waitS = retryAfterSeconds(response.headers.get("retry-after"));
              const { reason } = await errorBodyOf(response);
              if (reason === "QUOTA_EXCEEDED") throw new QuotaExceededError(request.url, waitS);
              if (waitS !== undefined && waitS > this.config.maxWaitS) throw new RateLimitWaitTooLongError(waitS, this.config.maxWaitS, request.url);
              this.gate.rateLimited(state.sentAt, (waitS ?? 1) * 1000);
              return; // ky waits Retry-After and retries
            }
            countCall(this.stats, state.endpoint);
            this.gate.answered(state.sentAt);
            if (response.status === 401 && !state.renewedToken) {
              state.renewedToken = true;
              this.tokens.invalidate(state.token);
              return ky.retry({ delay: 0, code: "TOKEN_RENEWED" });
            }
            if (response.ok) {
              // Read the whole body here, inside ky's retry, so a body cut off in transit is retried like a network error.
              const text = await response.text();
              return new Response(text, { status: response.status, statusText: response.statusText, headers: response.headers });
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
  }

  /** GET a Web API path (relative to apiUrl) or an absolute `next` URL, checked against the schema. */
  async get<S extends z.ZodType>(endpoint: string, pathOrUrl: string, schema: S, searchParams?: Record<string, string | number>): Promise<z.infer<S>> {
    const url = new URL(/^https?:\/\//.test(pathOrUrl) ? pathOrUrl : `${this.config.apiUrl}/${pathOrUrl.replace(/^\//, "")}`);
    for (const [k, v] of Object.entries(searchParams ?? {})) url.searchParams.set(k, String(v));
    const shown = `${url.pathname}${url.search}`;
    return this.limit.run(async () => {
      const state: RequestState = { endpoint, sentAt: 0, renewedToken: false };
      let text: string;
      try {
        const response = await this.ky.get(url, { context: { state } });
        text = await response.text();
      } catch (err) {
        throw await this.translate(err, endpoint, shown);
      }
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        throw new InvalidResponseError(`Spotify's answer to GET ${shown} is not JSON (${text.length} bytes: ${JSON.stringify(text.slice(0, 80))}); nothing was written. Run again; if it persists, the API has changed.`);
      }
      const parsed = schema.safeParse(json);
      if (!parsed.success) {
        throw new InvalidResponseError(`Spotify's answer to GET ${shown} does not have the expected shape at ${describeZodError(parsed.error)}; nothing was written. The API may have changed: please report it with this message.`);
      }
      return parsed.data;
    });
  }

  private async translate(err: unknown, endpoint: string, shown: string): Promise<Error> {
    if (err instanceof SpotifyError) return err;
    const attempts = 1 + (this.config.retryLimit ?? CONFIG_DEFAULTS.retryLimit);
    if (err instanceof HTTPError) {
      const status = err.response.status;
      const { message, reason } = await errorBodyOf(err.response);
      const said = message ? ` ("${message}"${reason ? `, reason ${reason}` : ""})` : reason ? ` (reason ${reason})` : "";
      let text: string;
      if (status === 401) text = `Spotify refused the access token twice (401${said}) on GET ${shown}: check SPOTIFY_CLIENT_ID / SPOTIFY_CLIENT_SECRET, or run "npm run auth" again for a new refresh token.`;
      else if (status === 400) text = `Spotify rejected GET ${shown} as a bad request (400${said}). Check the playlist id; if it is right, this is a bug: please report it.`;
      else if (status === 403) text = `Spotify refused GET ${shown} (403${said}): the app or the signed-in user may not read it.`;
      else if (status === 404) text = `Spotify has nothing at GET ${shown} (404${said}).`;
      else if (status === 429) text = `Spotify kept answering 429 (rate limit) on GET ${shown} after ${attempts} attempts; run again later.`;
      else if (status >= 500) text = `Spotify answered ${status}${said} on GET ${shown}, still after ${attempts} attempts: Spotify is having trouble; run again later.`;
      else text = `Spotify answered ${status}${said} on GET ${shown}.`;
      return new SpotifyApiError(text, status, endpoint, shown, reason);
    }
    if (err instanceof TimeoutError) {
      return new SpotifyTimeoutError(`Spotify did not answer GET ${shown} within ${this.config.timeoutMs} ms, ${attempts} times in a row; nothing was written. Check the network, or raise SPOTIFY_TIMEOUT_MS.`);
    }
    return new SpotifyNetworkError(
      `GET ${shown} failed ${attempts} times (the connection failed or the answer was cut off: ${describeCause(err)}); nothing was written. Check the network and SPOTIFY_API_URL, then run again.`,
      { cause: err },
    );
  }
}
