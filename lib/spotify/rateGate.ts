/**
 * One rate controller for every Web API request of a client. Spotify counts an app's requests
 * over a rolling 30 s window across every process that uses the app and publishes no count
 * (Spotify for Developers, "Rate Limits", https://developer.spotify.com/documentation/web-api/concepts/rate-limits;
 * /work/shared/docs/spotify-web-api.md, "Errors and rate limits"), so a 429 is a congestion signal,
 * not a measurement of this client's budget: someone else may have filled the window.
 *
 * The controller follows the client-side rate limiter of the AWS SDKs' adaptive retry mode
 * ("Retry behavior", AWS SDKs and Tools Reference Guide,
 * https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html; source:
 * smithy-lang/smithy-typescript, packages/util-retry/src/DefaultRateLimiter.ts): unlimited until
 * the first throttle, then a token bucket whose fill rate is cut multiplicatively on a throttle and
 * grows back along a cubic curve (CUBIC, RFC 9438) that is flat near the last maximum and probes
 * above it without end. What a rolling window changes:
 * - time runs in windows, not seconds: the window shows a rate only after a whole window, so the
 *   curve takes CUBIC_K windows to climb back (AWS's constants take about a second, which against a
 *   30 s window means a 429 every few seconds);
 * - a 429 pauses everyone for Retry-After (without one, a doubling backoff), then one request probes
 *   alone before the others follow; a refused probe doubles the next pause;
 * - the cut starts from what the server counted: our requests in its window at the refusal, when
 *   they explain the 429 (Retry-After ends as our oldest request leaves the window); our recent pace
 *   otherwise. A first 429 someone else caused leaves the rate doubling every DOUBLING_SPAN of a
 *   window from there, so a stray 429 never drops the client to a crawl; a later one, while the rate
 *   climbs back to a maximum the server confirmed, cuts from the rate in force (see resolve);
 * - our own requests in the last window also stay below what the server counted at the last 429,
 *   or the rate's share of a window when higher: a burst drains out of the window as unevenly as it
 *   went in, and pacing alone would run into it again. Nothing learned from one 429 is kept as a
 *   ceiling: the curve raises both without end.
 * BETA is 0.85 rather than AWS's 0.7: a cut shows only as the window drains, so a deeper one idles the
 * client longer for no fewer 429s (measured in bench/quota.ts and test/rateController.test.ts).
 */
const BETA = 0.85;
/** The multiplicative cut, for tests and reports. */
export const RATE_CUT = BETA;
/** Windows from the end of a pause until the rate is back at the last maximum. */
const CUBIC_K = 1.5;
const CUBIC_C = (1 - BETA) / CUBIC_K ** 3;
/** The recent pace is measured over this share of the window (and at least MIN_SPAN of it). */
const PACE_SPAN = 1 / 10;
const MIN_SPAN = 1 / 300;
/** A 429 is "ours" when Retry-After reaches to within this share of the window of our oldest request leaving it. */
const OURS_TOLERANCE = 1 / 20;
/** After a 429 someone else caused, the rate doubles every this share of the window. */
const DOUBLING_SPAN = 1 / 30;
/** Without Retry-After: first pause (Spotify's whole-second granularity at a 30 s window), doubled per refused probe, at most one window. */
const FIRST_BACKOFF = 1 / 30;

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(done, Math.max(0, ms));
    function done() {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }
    function onAbort() {
      clearTimeout(timer);
      reject(signal!.reason);
    }
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

export interface RateControllerState {
  /** Requests per second the controller lets through now; undefined until the first 429 (unlimited). */
  ratePerS?: number;
  /** The rate the last cut started from, per second. */
  lastMaxPerS?: number;
  /** Congestion events that cut the rate. */
  cuts: number;
  /** 429s seen, including those of an event already counted. */
  refusals: number;
  pausedUntil: number;
}

interface CongestionEvent {
  /** When the first 429 of the event arrived. */
  at: number;
  /** When the refused request was sent: the server's window at the refusal is about the window before it, one trip later. */
  sentAt: number;
  /** The controller's rate at the 429 (undefined: unlimited). */
  rateThen?: number;
  /** Windows the rate had been growing since its last pause, at the 429. */
  grownFor: number;
  /** How long the window stayed full from `at` (Retry-After), or undefined until the probe after a backoff gets in. */
  waitMs?: number;
}

export class RateController {
  private readonly windowMs: number;
  private pausedUntil = 0;
  /** Requests per ms; undefined while unlimited. */
  private rate?: number;
  private lastMax = 0;
  private cubicStart = 0;
  private growth: "cubic" | "doubling" = "cubic";
  private tokens = 0;
  private refilledAt = 0;
  private readonly maxBurst: number;
  /** Our send times over the last window, oldest first. */
  private sends: number[] = [];
  private firstSend?: number;
  private lastCutAt = Number.NEGATIVE_INFINITY;
  private answeredSinceCut = true;
  private pending?: CongestionEvent;
  private backoffMs: number;
  /** After a pause one request probes; the others wait for its answer. */
  private probe: "none" | "due" | "sent" = "none";
  private probeSentAt = 0;
  private probeWaiters: (() => void)[] = [];
  private cuts = 0;
  private refusals = 0;
  /** After a cut from the rate in force (see resolve): the lower cut our window's count asked for, until the probe is answered. */
  private countedMax?: number;

  constructor(options: { windowMs: number; maxBurst?: number }) {
    this.windowMs = options.windowMs;
    this.maxBurst = Math.max(1, options.maxBurst ?? 8);
    this.backoffMs = this.windowMs * FIRST_BACKOFF;
  }

  /** Waits until a request may be sent; returns its send time (pass it back to answered/rateLimited). */
  async acquire(signal?: AbortSignal): Promise<number> {
    for (;;) {
      if (signal?.aborted) throw signal.reason;
      const now = Date.now();
      if (now < this.pausedUntil) {
        await sleep(this.pausedUntil - now, signal);
        continue;
      }
      if (this.probe === "sent") {
        await this.waitForProbe(signal);
        continue;
      }
      // Cut once the pause is over: by then the requests in flight at the 429 have had their answers.
      if (this.pending?.waitMs !== undefined) this.resolve(this.pending);
      const rate = this.currentRate(now);
      if (rate !== undefined) {
        // Our own requests in the last window stay below what the server counted at the last 429, going down
        // to the cut over one window as paced requests replace the old ones (or the rate's share of a window,
        // when higher): a window filled unevenly (a burst) drains unevenly, and pacing alone would run into it
        // again; a budget cut at once would idle the client while the window drains.
        const sinceCut = Math.min(1, Math.max(0, now - this.cubicStart) / this.windowMs);
        const draining = this.lastMax * this.windowMs * (1 - (1 - BETA) * sinceCut) - 1;
        const budget = Math.max(1, Math.floor(Math.max(draining, rate * this.windowMs)));
        const first = this.firstInWindow(now);
        const inWindow = this.sends.length - first;
        if (inWindow >= budget) {
          await sleep(this.sends[first + inWindow - budget] + this.windowMs - now + 1, signal);
          continue;
        }
        // Tokens saved while the client had nothing to send go at once when work comes in a burst (a playlist's object
        // and pages, then nothing while it lands): otherwise such a client loses the pace it was given in every gap.
        // At most half its concurrency: requests sent at once into a window another client just filled are all refused
        // (fleet bench: with the whole concurrency, more 429s for no shorter run). The budget above still holds its
        // count over the window.
        this.tokens = Math.min(Math.max(1, this.maxBurst / 2), this.tokens + Math.max(0, now - this.refilledAt) * rate);
        this.refilledAt = now;
        if (this.tokens < 1) {
          await sleep((1 - this.tokens) / rate, signal);
          continue;
        }
        this.tokens -= 1;
      }
      if (this.probe === "due") {
        this.probe = "sent";
        this.probeSentAt = now;
      }
      this.recordSend(now);
      return now;
    }
  }

  /** A response other than 429 to a request sent at `sentAt`. */
  answered(sentAt: number): void {
    if (sentAt >= this.lastCutAt) this.answeredSinceCut = true;
    if (this.pending && this.pending.waitMs === undefined && sentAt >= this.pending.at) {
      // The probe after a backoff got in: the window had room by now.
      this.pending.waitMs = Date.now() - this.pending.at;
      this.resolve(this.pending);
    }
    if (this.probe === "sent" && sentAt === this.probeSentAt) {
      this.probe = "none";
      this.countedMax = undefined; // the window had room: the 429 was a stray
      this.backoffMs = this.windowMs * FIRST_BACKOFF;
      this.wakeProbeWaiters();
    }
  }

  /** A request that ended without an answer (network error, timeout, abort): if it was the probe, another one goes. */
  failed(sentAt: number): void {
    if (this.probe === "sent" && sentAt === this.probeSentAt) {
      this.probe = "due";
      this.wakeProbeWaiters();
    }
  }

  /** A 429 to a request sent at `sentAt`; `retryAfterMs` undefined when the answer had no Retry-After. */
  rateLimited(sentAt: number, retryAfterMs: number | undefined): void {
    this.refusals++;
    const now = Date.now();
    // A refused probe means the window had no room when Retry-After said it would (another client took it):
    // from then on the pause also doubles, as without Retry-After.
    const refusedProbe = this.probe === "sent" && sentAt === this.probeSentAt;
    if (refusedProbe && this.countedMax !== undefined) {
      // The window was still full after a cut from the rate in force: the 429 was congestion after all, and
      // our count in the window was our share of it.
      this.lastMax = Math.min(this.lastMax, this.countedMax);
      this.rate = this.lastMax * BETA;
      this.countedMax = undefined;
    }
    const waitMs = retryAfterMs === undefined ? this.backoffMs : refusedProbe ? Math.max(retryAfterMs, this.backoffMs) : retryAfterMs;
    if (retryAfterMs === undefined || refusedProbe) this.backoffMs = Math.min(this.windowMs, this.backoffMs * 2);
    const rateThen = this.currentRate(now);
    const grownFor = (now - this.cubicStart) / this.windowMs;
    this.pausedUntil = Math.max(this.pausedUntil, now + waitMs);
    // The rate grows only while requests get in: its clock starts again when this pause ends.
    if (this.rate !== undefined) this.cubicStart = Math.max(this.cubicStart, this.pausedUntil);
    this.probe = "due";
    const refused = this.sends.lastIndexOf(sentAt);
    if (refused >= 0) this.sends.splice(refused, 1); // the server did not count it
    this.wakeProbeWaiters(); // they wait for the pause now

    // A new congestion event: refused after the last cut, with an answer in between (a refused probe or
    // requests in flight at the last cut belong to the event already counted).
    if (sentAt < this.lastCutAt || !this.answeredSinceCut || this.pending) {
      if (this.pending && retryAfterMs !== undefined) this.pending.waitMs = Math.max(this.pending.waitMs ?? 0, now + retryAfterMs - this.pending.at);
      return;
    }
    // Without Retry-After, the cut waits for the probe that gets in: it tells how long the window stayed full.
    this.pending = { at: now, sentAt, waitMs: retryAfterMs, rateThen, grownFor };
    this.lastCutAt = now;
    this.answeredSinceCut = false;
  }

  /** For reports and tests. */
  state(): RateControllerState {
    const rate = this.currentRate(Date.now());
    return {
      ratePerS: rate === undefined ? undefined : rate * 1000,
      lastMaxPerS: this.cuts > 0 ? this.lastMax * 1000 : undefined,
      cuts: this.cuts,
      refusals: this.refusals,
      pausedUntil: this.pausedUntil,
    };
  }

  private resolve(event: CongestionEvent): void {
    this.pending = undefined;
    const wait = event.waitMs ?? 0;
    // Our requests the server counted in its window at the refusal (the refused ones are gone from `sends` by now),
    // on our clock: the window that ends when the refused request was sent.
    let ourCount = 0;
    let ourOldest: number | undefined;
    for (const t of this.sends) {
      if (t <= event.sentAt - this.windowMs || t > event.sentAt) continue;
      ourOldest ??= t;
      ourCount++;
    }
    const pace = this.recentPace(event.sentAt);
    // Ours: the window reopens when our oldest request in it leaves, so our requests filled it.
    const ours = ourOldest !== undefined && event.sentAt + (event.at - event.sentAt) / 2 + wait >= ourOldest + this.windowMs * (1 - OURS_TOLERANCE);
    const current = event.rateThen;
    // Our pace stands in for the server's count only before the client has met the limit itself.
    const measured = ours || current !== undefined ? ourCount / this.windowMs : Math.max(pace, ourCount / this.windowMs);
    // A 429 someone else caused while the rate is on its way back to a maximum the server confirmed (the cubic
    // approach and plateau, not a probe above it), after a tenth of a window of requests let in since the last
    // pause: the window was not simply still full, and our count in it says little, as the pause and the climb
    // after it left it short of the rate in force (a stray 429 then cut to 0.6 of the limit, bench quota.stray).
    // The classic multiplicative decrease from the rate in force applies, until the probe after the pause says
    // otherwise: refused, the window was still full, and the cut goes down to the count (rateLimited).
    const withinConfirmed = current !== undefined && !ours && this.growth === "cubic" && event.grownFor >= PACE_SPAN && event.grownFor <= CUBIC_K + 1;
    const from = current === undefined ? measured : withinConfirmed ? current : Math.min(current, measured);
    this.lastMax = Math.max(from, 1 / this.windowMs);
    this.countedMax = withinConfirmed ? Math.max(measured, 1 / this.windowMs) : undefined;
    this.rate = this.lastMax * BETA;
    // A first 429 someone else caused (the client never met the limit itself): our share of the window says
    // nothing about the limit, so probe up fast (doubling, like TCP's slow start) until a 429 tells more.
    // Otherwise CUBIC from what the server counted.
    this.growth = ours || current !== undefined ? "cubic" : "doubling";
    this.cubicStart = Math.max(this.pausedUntil, event.at + wait);
    this.tokens = 0;
    this.refilledAt = this.cubicStart;
    this.cuts++;
  }

  /**
   * BETA × lastMax when the pause ends, then CUBIC: lastMax × (1 + C·(t − K)³), t in windows since
   * the pause ended; or, after a 429 someone else caused, doubling every DOUBLING_SPAN of a window.
   */
  private currentRate(now: number): number | undefined {
    if (this.rate === undefined) return undefined;
    const t = Math.max(0, now - this.cubicStart) / this.windowMs;
    if (this.growth === "doubling") return this.rate * 2 ** Math.min(60, t / DOUBLING_SPAN);
    const cubic = this.lastMax * (1 + CUBIC_C * (t - CUBIC_K) ** 3);
    // A window past the plateau without a 429, the limit has likely gone up (or was never near): double per window.
    const beyond = t - CUBIC_K - 1;
    return beyond > 0 ? Math.max(cubic, this.lastMax * 2 ** Math.min(60, beyond)) : cubic;
  }

  /** Index of our first send inside the window ending at `now`. */
  private firstInWindow(now: number): number {
    const from = now - this.windowMs;
    let lo = 0;
    let hi = this.sends.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.sends[mid] <= from) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Our sends per ms over the recent span up to `at` (shorter at the start of a run). */
  private recentPace(at: number): number {
    const span = this.windowMs * PACE_SPAN;
    const elapsed = this.firstSend === undefined ? 0 : at - this.firstSend;
    const over = Math.max(this.windowMs * MIN_SPAN, Math.min(span, elapsed));
    let n = 0;
    for (let i = this.sends.length - 1; i >= 0 && this.sends[i] > at - over; i--) if (this.sends[i] <= at) n++;
    return n / over;
  }

  private recordSend(now: number): void {
    this.firstSend ??= now;
    this.sends.push(now);
    // Kept for three windows: a congestion event looks one window back from its 429, which may be a pause ago.
    if (this.sends.length > 4096 && this.sends[0] <= now - 3 * this.windowMs) {
      const from = now - 3 * this.windowMs;
      let i = 0;
      while (i < this.sends.length && this.sends[i] <= from) i++;
      this.sends.splice(0, i);
    }
  }

  private waitForProbe(signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const wake = () => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      };
      const onAbort = () => {
        this.probeWaiters = this.probeWaiters.filter((w) => w !== wake);
        reject(signal!.reason);
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.probeWaiters.push(wake);
    });
  }

  private wakeProbeWaiters(): void {
    const waiters = this.probeWaiters;
    this.probeWaiters = [];
    for (const w of waiters) w();
  }
}
