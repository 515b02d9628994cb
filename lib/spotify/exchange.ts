/**
 * What the Web API client (http.ts) and the token endpoint (auth.ts) share: one set of ky retry
 * options, and a fetch that reads the whole body inside ky's timeout, so SPOTIFY_TIMEOUT_MS covers
 * the whole exchange (ky's own timeout ends when the response headers arrive: a server that sends
 * headers and then stalls, or trickles the body, would hang the run).
 */
import type { Options, RetryOptions } from "ky";
import type { SpotifyConfig } from "./config";
import { CONFIG_DEFAULTS } from "./config";

/** Retries of one request: 429 after Retry-After; 5xx, network errors and timeouts with exponential backoff and full jitter. */
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
  };
}

/** Attempts of one request at most: the first and its retries. */
export function attemptsOf(config: SpotifyConfig): number {
  return 1 + (config.retryLimit ?? CONFIG_DEFAULTS.retryLimit);
}

/**
 * fetch, resolved only once the whole body is read. ky calls it inside its timeout and aborts the
 * request's signal when the time is up, which also ends a body still arriving.
 */
export const wholeBodyFetch: typeof fetch = async (input, init) => {
  const response = await fetch(input, init);
  const body = await response.arrayBuffer();
  return new Response(response.status === 204 || response.status === 304 ? null : body, {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
  });
};

/** ky options common to every Spotify exchange. */
export function exchangeOptions(config: SpotifyConfig, method: "get" | "post"): Pick<Options, "timeout" | "retry" | "fetch"> {
  return { timeout: config.timeoutMs, retry: retryOptions(config, method), fetch: wholeBodyFetch };
}
