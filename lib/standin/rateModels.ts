/**
 * The stand-in's rate limit, after Spotify's documented rule (Spotify for Developers, "Rate Limits",
 * https://developer.spotify.com/documentation/web-api/concepts/rate-limits: "the number of calls
 * that your app makes to Spotify in a rolling 30 second window"; summarised in
 * /work/shared/docs/spotify-web-api.md, "Errors and rate limits"): requests are counted per app, not
 * per process, so every client using the app shares one window; over the limit the answer is 429
 * with Retry-After in seconds; Spotify publishes no count. The window and count are parameters
 * (tests and the bench scale the window down); Retry-After is the time until enough requests leave
 * the window, rounded up to the millisecond (or to whole seconds, as Spotify sends it).
 *
 * The scenarios (issue 9, "Rate limiting that shares") add what a shared quota does to a client:
 * - alone: nobody else uses the app;
 * - stray: 429s this client did not cause (someone else's burst): one in the first pages, a few at random;
 * - neighbour: another client of the app spends half of every window, evenly;
 * - concurrent4: four extractions against one quota (one stand-in, four clients);
 * - limit_change: the count halves, then doubles back, during the run;
 * - no_retry_after: 429s without Retry-After.
 * A refused request is not counted in the window (it did not reach the API).
 */
export interface RateLimitOptions {
  requests: number;
  windowMs: number;
  /** A fixed Retry-After in seconds instead of the time until the window has room. */
  retryAfterS?: number;
  /** Round Retry-After up to whole seconds, as Spotify does (a scaled-down window needs milliseconds). */
  wholeSeconds?: boolean;
  /** Answer 429 without Retry-After. */
  omitRetryAfter?: boolean;
  /** Another client of the same app: this many requests per window, evenly spaced, always let in. */
  neighbourPerWindow?: number;
  /** The count from `afterMs` after the first Web API request on (the last entry that has started wins). */
  limitSchedule?: { afterMs: number; requests: number }[];
  /** 429s nobody's request caused: at these 1-based Web API request numbers, with this Retry-After. */
  stray?: { at: number[]; retryAfterS: number };
}

export type Admission = { admitted: true } | { admitted: false; retryAfter?: string };

export interface RateModel {
  admit(now: number): Admission;
  /** Requests the neighbour sent so far. */
  neighbourRequests(): number;
  /** The count in force at `now`. */
  limitAt(now: number): number;
}

export function createRateModel(options: RateLimitOptions): RateModel {
  const window: number[] = []; // arrival times of counted requests, oldest first
  let start: number | undefined;
  let arrivals = 0;
  let neighbourSent = 0;
  let nextNeighbourAt = 0;
  const stray = new Set(options.stray?.at ?? []);
  const schedule = [...(options.limitSchedule ?? [])].sort((a, b) => a.afterMs - b.afterMs);

  const limitAt = (now: number): number => {
    let requests = options.requests;
    for (const step of schedule) if (start !== undefined && now - start >= step.afterMs) requests = step.requests;
    return requests;
  };
  const retryAfter = (ms: number): string | undefined => {
    if (options.omitRetryAfter) return undefined;
    if (options.retryAfterS !== undefined) return String(options.retryAfterS);
    const wait = Math.max(1, ms);
    return options.wholeSeconds ? String(Math.ceil(wait / 1000)) : (Math.ceil(wait) / 1000).toFixed(3);
  };

  return {
    admit(now) {
      start ??= now;
      arrivals++;
      if (options.neighbourPerWindow) {
        const every = options.windowMs / options.neighbourPerWindow;
        if (nextNeighbourAt === 0) nextNeighbourAt = start;
        for (; nextNeighbourAt <= now; nextNeighbourAt += every, neighbourSent++) window.push(nextNeighbourAt);
      }
      while (window.length > 0 && window[0] <= now - options.windowMs) window.shift();
      if (stray.has(arrivals)) {
        const ra = options.omitRetryAfter ? undefined : String(options.stray!.retryAfterS);
        return { admitted: false, retryAfter: ra };
      }
      const limit = limitAt(now);
      if (window.length < limit) {
        window.push(now);
        return { admitted: true };
      }
      // Room again when the oldest (count − limit + 1) requests have left the window.
      const leaving = window[window.length - limit];
      return { admitted: false, retryAfter: retryAfter(leaving + options.windowMs - now) };
    },
    neighbourRequests: () => neighbourSent,
    limitAt,
  };
}

export type RateScenario = "alone" | "stray" | "neighbour" | "concurrent4" | "limit_change" | "no_retry_after";
export const RATE_SCENARIOS: readonly RateScenario[] = ["alone", "stray", "neighbour", "concurrent4", "limit_change", "no_retry_after"];

/**
 * The stand-in's rate limit for a scenario, for a run expected to take about `expectedMs` alone
 * (limit_change places its steps at a third and two thirds of it; stray spreads its 429s over
 * `expectedCalls`). Deterministic: the same scenario gives the same faults every time.
 */
export function scenarioRateLimit(scenario: RateScenario, base: { requests: number; windowMs: number }, expected: { calls: number; ms: number }): RateLimitOptions {
  switch (scenario) {
    case "alone":
    case "concurrent4":
      return { ...base };
    case "stray": {
      // One in the first pages (request 3: after the token-free playlist call and the first items page), then three spread over the run.
      const at = [3, Math.round(expected.calls * 0.3), Math.round(expected.calls * 0.55), Math.round(expected.calls * 0.8)];
      return { ...base, stray: { at, retryAfterS: Math.max(0.001, base.windowMs / 30 / 1000) } };
    }
    case "neighbour":
      return { ...base, neighbourPerWindow: Math.floor(base.requests / 2) };
    case "limit_change":
      return {
        ...base,
        limitSchedule: [
          { afterMs: Math.round(expected.ms / 3), requests: Math.floor(base.requests / 2) },
          { afterMs: Math.round((2 * expected.ms) / 3), requests: base.requests },
        ],
      };
    case "no_retry_after":
      return { ...base, omitRetryAfter: true };
  }
}

/**
 * The least time `calls` requests take under a rate limit when nobody else uses the window:
 * calls × window / count, integrating over limitSchedule; with a neighbour, only the count it leaves.
 */
export function idealSeconds(options: RateLimitOptions, calls: number): number {
  const perMs = (requests: number) => (requests - (options.neighbourPerWindow ?? 0)) / options.windowMs;
  const steps = [{ afterMs: 0, requests: options.requests }, ...[...(options.limitSchedule ?? [])].sort((a, b) => a.afterMs - b.afterMs)];
  let left = calls;
  for (let i = 0; i < steps.length; i++) {
    const rate = perMs(steps[i].requests);
    const until = i + 1 < steps.length ? steps[i + 1].afterMs : Number.POSITIVE_INFINITY;
    const span = until - steps[i].afterMs;
    if (left <= rate * span) return (steps[i].afterMs + left / rate) / 1000;
    left -= rate * span;
  }
  throw new Error("unreachable: the last step lasts forever");
}
