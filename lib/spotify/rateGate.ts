/**
 * One gate for every Web API request of a client, so that a 429 pauses all of them, not
 * only the request that got it (concurrent requests would otherwise keep hitting the limit).
 *
 * Spotify limits requests over a rolling window and publishes no numbers. After a 429 that
 * ends a run of at least `minSamples` answered requests, the gate learns the limit: the
 * requests answered since the last pause, over the time from the first of them until the
 * server lets us in again (now + Retry-After). From then on it keeps within that rolling
 * window itself, so the run proceeds at the server's pace instead of bursting into 429s.
 * A further 429 (requests reach the server a little later than we send them) lowers the
 * learned budget by one. The estimate of the window is only as good as the first burst: a
 * slow start (the first calls are sequential) makes it longer than the server's.
 *
 * When the window's length is known (`windowMs`: Spotify documents a rolling 30 s window but
 * no request count), the first 429 tells the count exactly: the oldest request still in the
 * server's window leaves it at now + Retry-After, so the window began at that time minus its
 * length, and the count is our requests sent since then. Measured (bench/extract.ts): the
 * estimate from the first burst alone paced a 200-per-second limit at about 110 per second.
 */
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class RateGate {
  private pausedUntil = 0;
  private budget?: { requests: number; windowMs: number; learnedAt: number };
  /** Send times of requests not (yet) known to be 429s, oldest first. */
  private sends: number[] = [];
  private cycleStart = 0;
  private cycleFirstSend?: number;
  private cycleAnswered = 0;

  constructor(
    private readonly minSamples: number,
    private readonly windowMs?: number,
  ) {}

  /** Waits until a request may be sent; returns its send time (pass it back to answered/rateLimited). */
  async acquire(): Promise<number> {
    for (;;) {
      const now = Date.now();
      if (now < this.pausedUntil) {
        await sleep(this.pausedUntil - now);
        continue;
      }
      if (this.budget) {
        const from = now - this.budget.windowMs;
        while (this.sends.length > 0 && this.sends[0] <= from) this.sends.shift();
        if (this.sends.length >= this.budget.requests) {
          await sleep(this.sends[0] - from + 1);
          continue;
        }
      } else if (this.sends.length > 100_000) {
        this.sends.splice(0, this.sends.length - 100_000);
      }
      this.sends.push(now);
      this.cycleFirstSend ??= now;
      return now;
    }
  }

  /** A response other than 429. */
  answered(sentAt: number): void {
    if (sentAt >= this.cycleStart) this.cycleAnswered++;
  }

  /** A 429: pause everyone until the server lets us in again, and learn its limit. */
  rateLimited(sentAt: number, retryAfterMs: number): void {
    const i = this.sends.lastIndexOf(sentAt);
    if (i >= 0) this.sends.splice(i, 1);
    const sentBefore = i >= 0 ? i : this.sends.length;
    const resumeAt = Date.now() + retryAfterMs;
    this.pausedUntil = Math.max(this.pausedUntil, resumeAt);
    if (sentAt < this.cycleStart) return; // sent before the last pause: already accounted for
    if (!this.budget && this.windowMs !== undefined) {
      const windowStart = resumeAt - this.windowMs;
      // Requests sent before this one and not refused, inside the server's window (sends lag arrivals, so this errs low).
      let inWindow = 0;
      for (let k = 0; k < sentBefore; k++) if (this.sends[k] >= windowStart) inWindow++;
      this.budget = { requests: Math.max(1, inWindow), windowMs: this.windowMs + Math.max(20, this.windowMs * 0.02), learnedAt: Date.now() };
    } else if (!this.budget) {
      if (this.cycleAnswered >= this.minSamples && this.cycleFirstSend !== undefined) {
        const windowMs = resumeAt - this.cycleFirstSend;
        // A little slack: a request reaches the server a few ms after we count it as sent.
        this.budget = { requests: this.cycleAnswered, windowMs: windowMs + Math.max(20, windowMs * 0.02), learnedAt: Date.now() };
      }
    } else if (sentAt >= this.budget.learnedAt) {
      this.budget.requests = Math.max(1, this.budget.requests - 1);
      this.budget.learnedAt = Date.now();
    }
    this.cycleStart = resumeAt;
    this.cycleFirstSend = undefined;
    this.cycleAnswered = 0;
  }

  /** The learned limit, for reports. */
  learnedLimit(): { requests: number; windowMs: number } | undefined {
    return this.budget ? { requests: this.budget.requests, windowMs: this.budget.windowMs } : undefined;
  }
}
