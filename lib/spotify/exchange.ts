/**
 * What the Web API client (http.ts), the token endpoint (auth.ts) and the PKCE code exchange
 * (pkce.ts) share: one set of ky retry options, and a fetch that
 * - follows no redirect (RFC 9110 §15.4: a client "MAY" follow a 3xx automatically; we do not,
 *   because the token request's body holds credentials and a Web API answer from another origin
 *   is not Spotify's: each caller decides what a 3xx means),
 * - reads the whole body inside ky's timeout, so SPOTIFY_TIMEOUT_MS covers the whole exchange
 *   (ky's own timeout ends when the response headers arrive: a server that sends headers and
 *   then stalls, or trickles the body, would hang the run), and
 * - caps the body: a Content-Length above MAX_ANSWER_BYTES is refused before anything is read,
 *   and the bytes after decoding (gzip, deflate, br) are counted as they arrive, so a small
 *   compressed answer that inflates to gigabytes is cut off at the cap. A compressed body sent
 *   without a length is bounded by the same count: those encodings never grow data by more than a
 *   few bytes per block, so the decoded count always exceeds the compressed one for JSON.
 */
import type { Options, RetryOptions } from "ky";
import type { SpotifyConfig } from "./config";
import { CONFIG_DEFAULTS } from "./config";
import { SpotifyError } from "./errors";

/**
 * The most bytes one answer may have, compressed or inflated: 16 MiB. The largest real answers are a
 * page of 50 entries with full track objects (the recorded 74-entry "The Core" playlist is 485 KiB, so
 * about 330 KiB per 50 entries) and a batch of 20 full albums (the recorded album of 11 tracks is
 * 46 KiB; 20 albums of 50 tracks each come to about 4 MiB): the cap leaves four times that.
 */
export const MAX_ANSWER_BYTES = 16 * 1024 * 1024;

/** An answer larger than MAX_ANSWER_BYTES: not retried (the same request would get the same answer). */
export class AnswerTooLargeError extends SpotifyError {}

/** Retries of one request: 429 after Retry-After; 5xx, network errors and timeouts with exponential backoff and full jitter. Our own errors are never retried. */
export function retryOptions(config: SpotifyConfig, method: "get" | "post"): RetryOptions {
  return {
    limit: config.retryLimit ?? CONFIG_DEFAULTS.retryLimit,
    methods: [method],
    statusCodes: [429, 500, 502, 503, 504],
    afterStatusCodes: [429],
    maxRetryAfter: config.maxWaitS * 1000,
    backoffLimit: config.backoffLimitMs ?? CONFIG_DEFAULTS.backoffLimitMs,
    delay: (attempt) => (config.backoffBaseMs ?? CONFIG_DEFAULTS.backoffBaseMs) * 2 ** (attempt - 1),
    jitter: true,
    retryOnTimeout: true,
    // A SpotifyError is a decision (an answer too large, a redirect refused, a token that cannot be sent): asking again would not change it.
    shouldRetry: ({ error }) => (error instanceof SpotifyError ? false : undefined),
  };
}

/** Attempts of one request at most: the first and its retries. */
export function attemptsOf(config: SpotifyConfig): number {
  return 1 + (config.retryLimit ?? CONFIG_DEFAULTS.retryLimit);
}

/** "POST http://host/api/token": method, origin and path, never the query (it may name ids or carry a code). */
function describeRequest(input: Parameters<typeof fetch>[0], init?: RequestInit): string {
  const request = input instanceof Request ? input : undefined;
  const url = new URL(request ? request.url : String(input));
  return `${(init?.method ?? request?.method ?? "GET").toUpperCase()} ${url.origin}${url.pathname}`;
}

function tooLarge(what: string, size: string): AnswerTooLargeError {
  return new AnswerTooLargeError(
    `The answer to ${what} is ${size}, more than the ${MAX_ANSWER_BYTES / 1024 / 1024} MiB one Spotify answer may have (far above any real one); ` +
      `it was not read further, nothing was written, and it was not retried. Check SPOTIFY_API_URL / SPOTIFY_ACCOUNTS_URL; if they are Spotify's, report it.`,
  );
}

/**
 * fetch without redirects, resolved only once the whole body is read, with the body capped at
 * MAX_ANSWER_BYTES. ky calls it inside its timeout and aborts the request's signal when the time
 * is up, which also ends a body still arriving.
 */
export const cappedFetch: typeof fetch = async (input, init) => {
  const response = await fetch(input, { ...init, redirect: "manual" });
  const declared = Number(response.headers.get("content-length") ?? "");
  if (Number.isFinite(declared) && declared > MAX_ANSWER_BYTES) {
    void response.body?.cancel().catch(() => undefined);
    throw tooLarge(describeRequest(input, init), `announced as ${declared} bytes (Content-Length)`);
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (response.body) {
    const reader = response.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > MAX_ANSWER_BYTES) {
        void reader.cancel().catch(() => undefined);
        throw tooLarge(describeRequest(input, init), `more than ${MAX_ANSWER_BYTES} bytes once decoded`);
      }
      chunks.push(value);
    }
  }
  const body = Buffer.concat(chunks, size);
  return new Response(response.status === 204 || response.status === 304 || (response.status >= 100 && response.status < 200) ? null : body, {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
  });
};

/** ky options common to every Spotify exchange. */
export function exchangeOptions(config: SpotifyConfig, method: "get" | "post"): Pick<Options, "timeout" | "retry" | "fetch"> {
  return { timeout: config.timeoutMs, retry: retryOptions(config, method), fetch: cappedFetch };
}

/** Status 300-399: an answer that points elsewhere. */
export const isRedirect = (status: number) => status >= 300 && status < 400;

/** The Location of a 3xx as an absolute URL (relative to `base`), or undefined when absent or unreadable. */
export function locationOf(response: Response, base: string): URL | undefined {
  const location = response.headers.get("location");
  if (!location) return undefined;
  try {
    return new URL(location, base);
  } catch {
    return undefined;
  }
}
