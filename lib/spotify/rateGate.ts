/**
 * One rate controller for every Web API request of a client. Spotify counts an app's requests
 * over a rolling 30 s window across every process that uses the app and publishes no count
 * (Spotify for Developers, "Rate Limits"; /work/shared/docs/spotify-web-api.md, "Errors and rate
 * limits"), so a 429 is a congestion signal, not a measurement of this client's budget: someone
 * else may have filled the window.
 *
 * The controller follows the client-side rate limiter of the AWS SDKs' adaptive retry mode
 * ("Retry behavior", AWS SDKs and Tools Reference Guide,
 * https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html; source:
 * smithy-lang/smithy-typescript packages/util-retry/src/DefaultRateLimiter.ts): unlimited until
 * the first throttle, then a token bucket whose fill rate is cut multiplicatively (beta 0.7) on a
 * throttle and grows back along a cubic curve (CUBIC) that is flat near the last maximum and
 * probes above it without end. Two changes for a rolling window:
 * - time runs in windows, not seconds: the window only shows a rate after a whole window, so the
 *   curve takes one window to climb back to the last maximum (AWS's constants reach it in about
 *   a second, which against a 30 s window means a 429 every few seconds);
 * - a 429 pauses everyone for Retry-After (or, without one, a doubling backoff), after which one
 *   request probes alone before the others follow.
 * The rate the cut starts from is what this client put into the server's window when its own
 * requests explain the 429 (Retry-After ends when its oldest request leaves the window), and its
 * recent sending pace otherwise (someone else filled the window): a stray 429 never drops the
 * client to a crawl, and nothing learned from one 429 is kept as a ceiling.
 */
const BETA = 0.7;
/** Windows from the end of a pause until the rate is back at the last maximum. */
const CUBIC_K = 2;
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

export class AbortedError extends Error {}

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
        // Our own requests in the last window stay within the rate's share of it: a window filled
        // unevenly (a burst) drains unevenly, and pacing alone would run into it again.
        const budget = Math.max(1, Math.floor(rate * this.windowMs));
        const first = this.firstInWindow(now);
        const inWindow = this.sends.length - first;
        if (inWindow >= budget) {
          await sleep(this.sends[first + inWindow - budget] + this.windowMs - now + 1, signal);
          continue;
        }
        const burst = Math.max(1, Math.min(this.maxBurst, rate * this.windowMs * MIN_SPAN * 3));
        this.tokens = Math.min(burst, this.tokens + Math.max(0, now - this.refilledAt) * rate);
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
    const waitMs = retryAfterMs ?? this.backoffMs;
    if (retryAfterMs === undefined) this.backoffMs = Math.min(this.windowMs, this.backoffMs * 2);
    this.pausedUntil = Math.max(this.pausedUntil, now + waitMs);
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
    this.pending = { at: now, sentAt, waitMs: retryAfterMs };
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
    const measured = ours ? ourCount / this.windowMs : Math.max(pace, ourCount / this.windowMs);
    const current = this.currentRate(event.at);
    this.lastMax = Math.max(current === undefined ? measured : Math.min(current, measured), 1 / this.windowMs);
    this.rate = this.lastMax * BETA;
    // Someone else filled the window: our share of it says nothing about the limit, so probe up fast
    // (doubling, like TCP's slow start) until the next 429 tells more; ours: CUBIC from what the server counted.
    this.growth = ours ? "cubic" : "doubling";
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
    return this.lastMax * (1 + CUBIC_C * (t - CUBIC_K) ** 3);
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
    for (const t of this.sends) if (t > at - over && t <= at) n++;
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
