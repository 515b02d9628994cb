/**
 * GET requests to the Web API through ky: bearer token, one shared rate controller, bounded
 * concurrency, a timeout over the whole exchange (headers and body), and ky's retry for 5xx,
 * network errors and timeouts (exponential backoff with jitter) and one new token on a 401.
 * A 429 goes to the rate controller, which pauses every request of the client and slows it
 * down; the request then waits its turn again. A request's AbortSignal ends it, whether it
 * waits for a slot, for the controller or for Spotify. Every body is checked against its zod
 * schema before anyone sees it.
 *
 * No redirect is followed blindly (RFC 9110 §15.4: following a 3xx automatically is the client's
 * choice, "MAY"): one to the configured API origin is followed (at most MAX_REDIRECTS in a row),
 * one anywhere else is an error and nothing of it is read, the same rule as for `next` links.
 * Every answer is redacted before it is parsed (an answer that echoes our credentials must not
 * carry them into the raw snapshot or an error) and is refused when it nests deeper than any
 * Spotify answer does (MAX_JSON_DEPTH), before anything else is fetched on its word.
 */
import ky, { HTTPError, TimeoutError, type KyInstance } from "ky";
import type { z } from "zod";
import type { SpotifyConfig } from "./config";
import { CONFIG_DEFAULTS } from "./config";
import { InvalidResponseError, QuotaExceededError, RateLimitWaitTooLongError, SpotifyApiError, SpotifyError, SpotifyNetworkError, SpotifyTimeoutError } from "./errors";
import { describeCause, type TokenProvider } from "./auth";
import { attemptsOf, exchangeOptions, isRedirect, locationOf } from "./exchange";
import { ConcurrencyLimit } from "./limit";
import { RateController } from "./rateGate";
import { redact } from "./redact";
import { ApiErrorBody, describeZodError } from "./schemas";
import { countCall, type ClientStats } from "./stats";

interface RequestState {
  endpoint: string;
  token?: string;
  sentAt?: number;
  renewedToken: boolean;
  signal?: AbortSignal;
}

/** A 429 handed to the rate controller; the request goes round again. */
class RateLimited extends SpotifyError {}

/** A 3xx answer; exchange() decides whether to follow it. */
class Redirected extends SpotifyError {
  constructor(
    readonly status: number,
    readonly location: URL | undefined,
  ) {
    super(`${status}`);
  }
}

/** Redirects in a row followed on the API's own origin (RFC 9110 §15.4: a client ought to detect infinite redirection). */
export const MAX_REDIRECTS = 5;

/**
 * Deepest nesting accepted in an answer. Spotify's deepest (a page of entries: page, items, entry,
 * item, album, artists, artist, external_urls) is 9 levels in the recorded fixtures; 64 leaves room
 * for new fields while a value nested thousands of levels deep is refused when it arrives.
 */
export const MAX_JSON_DEPTH = 64;

/** True when `value` nests deeper than `max` objects/arrays (iterative: a deep value cannot overflow the stack here). */
export function nestsDeeperThan(value: unknown, max: number): boolean {
  const stack: { v: unknown; depth: number }[] = [{ v: value, depth: 0 }];
  while (stack.length > 0) {
    const { v, depth } = stack.pop()!;
    if (v === null || typeof v !== "object") continue;
    if (depth + 1 > max) return true;
    for (const child of Array.isArray(v) ? v : Object.values(v)) if (child !== null && typeof child === "object") stack.push({ v: child, depth: depth + 1 });
  }
  return false;
}

/** 429s in a row one request accepts before it gives up (each one after a pause of the whole client). */
export const MAX_RATE_LIMITED_ATTEMPTS = 20;

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
  readonly rate: RateController;

  constructor(
    private readonly config: SpotifyConfig,
    private readonly tokens: TokenProvider,
    private readonly stats: ClientStats,
  ) {
    this.limit = new ConcurrencyLimit(config.concurrency);
    this.rate = new RateController({ windowMs: config.rateWindowMs ?? CONFIG_DEFAULTS.rateWindowMs, maxBurst: config.concurrency });
    const stateOf = (options: { context: Record<string, unknown> }) => options.context.state as RequestState;
    this.ky = ky.create({
      // 429s are the rate controller's (below); our own errors end the request; everything else follows ky's rules.
      ...exchangeOptions(config, "get"),
      hooks: {
        beforeRequest: [
          async (request, options) => {
            const state = stateOf(options);
            state.token = await this.tokens.get();
            state.sentAt = await this.rate.acquire(state.signal);
            request.headers.set("authorization", `Bearer ${state.token}`);
          },
        ],
        afterResponse: [
          async (request, options, response) => {
            const state = stateOf(options);
            const sentAt = state.sentAt!;
            if (response.status === 429) {
              this.stats.http429++;
              const waitS = retryAfterSeconds(response.headers.get("retry-after"));
              const { reason } = await errorBodyOf(response);
              this.rate.rateLimited(sentAt, waitS === undefined ? undefined : waitS * 1000);
              if (reason === "QUOTA_EXCEEDED") throw new QuotaExceededError(request.url, waitS);
              if (waitS !== undefined && waitS > this.config.maxWaitS) throw new RateLimitWaitTooLongError(waitS, this.config.maxWaitS, request.url);
              throw new RateLimited("429");
            }
            countCall(this.stats, state.endpoint);
            this.rate.answered(sentAt);
            if (isRedirect(response.status)) throw new Redirected(response.status, locationOf(response, request.url));
            if (response.status === 401 && !state.renewedToken) {
              state.renewedToken = true;
              this.tokens.invalidate(state.token);
              return ky.retry({ delay: 0, code: "TOKEN_RENEWED" });
            }
          },
        ],
        beforeRetry: [
          ({ options }) => {
            const state = stateOf(options);
            if (state.sentAt !== undefined) this.rate.failed(state.sentAt);
            this.stats.retries++;
          },
        ],
      },
    });
  }

  /** GET a Web API path (relative to apiUrl) or an absolute `next` URL, checked against the schema. */
  async get<S extends z.ZodType>(
    endpoint: string,
    pathOrUrl: string,
    schema: S,
    searchParams?: Record<string, string | number>,
    signal?: AbortSignal,
  ): Promise<z.infer<S>> {
    const url = new URL(/^https?:\/\//.test(pathOrUrl) ? pathOrUrl : `${this.config.apiUrl}/${pathOrUrl.replace(/^\//, "")}`);
    for (const [k, v] of Object.entries(searchParams ?? {})) url.searchParams.set(k, String(v));
    const shown = `${url.pathname}${url.search}`;
    if (url.username || url.password) {
      // fetch refuses such a URL (a TypeError every attempt): say so once, without the credentials.
      throw new InvalidResponseError(`GET ${url.origin}${url.pathname} carries a user name or password in its URL, which is never sent; nothing was written. Check SPOTIFY_API_URL; if it came from Spotify's "next" link, report it.`);
    }
    return this.limit.run(async () => {
      const text = this.redact(await this.exchange(endpoint, url, shown, signal));
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        throw new InvalidResponseError(`Spotify's answer to GET ${shown} is not JSON (${text.length} bytes: ${JSON.stringify(text.slice(0, 80))}); nothing was written. Run again; if it persists, the API has changed.`);
      }
      if (nestsDeeperThan(json, MAX_JSON_DEPTH)) {
        throw new InvalidResponseError(`Spotify's answer to GET ${shown} nests deeper than ${MAX_JSON_DEPTH} levels (no Spotify answer nests more than 9); it was refused as it arrived and nothing was written. Run again; if it persists, report it.`);
      }
      const parsed = schema.safeParse(json);
      if (!parsed.success) {
        throw new InvalidResponseError(`Spotify's answer to GET ${shown} does not have the expected shape at ${describeZodError(parsed.error)}; nothing was written. The API may have changed: please report it with this message.`);
      }
      return parsed.data;
    }, signal);
  }

  /** The body of a successful answer; 429s go round the rate controller, up to MAX_RATE_LIMITED_ATTEMPTS in a row. */
  private async exchange(endpoint: string, first: URL, shown: string, signal?: AbortSignal): Promise<string> {
    const api = new URL(this.config.apiUrl);
    let url = first;
    for (let refused = 0, redirects = 0; ; ) {
      const state: RequestState = { endpoint, renewedToken: false, signal };
      try {
        const response = await this.ky.get(url, { context: { state }, signal });
        return await response.text();
      } catch (err) {
        if (err instanceof Redirected) {
          const to = err.location;
          if (to && to.origin === api.origin && !to.username && !to.password && ++redirects <= MAX_REDIRECTS) {
            url = to;
            continue;
          }
          const where = !to ? "no readable Location" : to.origin === api.origin ? `${to.origin}${to.pathname}` : to.origin;
          const why = !to || to.origin !== api.origin
            ? `outside the configured API (${api.origin}): it was not followed (Spotify's answers come only from there)`
            : to.username || to.password ? "with a user name or password in the URL: it was not followed" : `after ${MAX_REDIRECTS} redirects in a row: they were not followed further`;
          throw new InvalidResponseError(
            `Spotify answered GET ${shown} with ${err.status}, redirecting to ${where}, ${why}, and nothing was written. Check SPOTIFY_API_URL; if it is right, report this answer.`,
          );
        }
        if (state.sentAt !== undefined) this.rate.failed(state.sentAt);
        if (signal?.aborted) throw signal.reason;
        if (!(err instanceof RateLimited)) throw await this.translate(err, endpoint, shown);
        this.stats.retries++;
        if (++refused >= MAX_RATE_LIMITED_ATTEMPTS) {
          throw new SpotifyApiError(
            `Spotify kept answering 429 (rate limit) on GET ${shown}: ${refused} times in a row, each after the whole client paused as told. ` +
              `Another process may be using the same app's quota; run again later.`,
            429, endpoint, shown,
          );
        }
      }
    }
  }

  /** Text from Spotify without our credentials (an answer may echo what it was sent): every one the process holds, access tokens included. */
  private redact(text: string): string {
    return redact(text, this.tokens.credentials(), this.config.clientId);
  }

  private async translate(err: unknown, endpoint: string, shown: string): Promise<Error> {
    if (err instanceof SpotifyError) return err;
    const attempts = attemptsOf(this.config);
    if (err instanceof HTTPError) {
      const status = err.response.status;
      const { message, reason } = await errorBodyOf(err.response);
      const said = message ? ` ("${this.redact(message)}"${reason ? `, reason ${reason}` : ""})` : reason ? ` (reason ${reason})` : "";
      let text: string;
      if (status === 401) text = `Spotify refused the access token twice (401${said}) on GET ${shown}: check SPOTIFY_CLIENT_ID / SPOTIFY_CLIENT_SECRET, or run "npm run auth" again for a new refresh token.`;
      else if (status === 400) text = `Spotify rejected GET ${shown} as a bad request (400${said}). Check the playlist id; if it is right, this is a bug: please report it.`;
      else if (status === 403) text = `Spotify refused GET ${shown} (403${said}): the app or the signed-in user may not read it.`;
      else if (status === 404) text = `Spotify has nothing at GET ${shown} (404${said}).`;
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
