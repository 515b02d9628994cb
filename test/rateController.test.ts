/**
 * The rate controller on a simulated rolling window, in virtual time (sinon's clock drives Date.now
 * and the timers), so these test what it does, not how fast the machine is.
 */
import { expect } from "chai";
import * as sinon from "sinon";
import { RATE_CUT, RateController } from "../lib/spotify/rateGate";
import { createRateModel } from "../lib/standin/rateModels";

const W = 30_000; // Spotify's documented window

/** A rolling window of `requests` per W shared with others: undefined when let in, else Retry-After in ms. */
function rollingWindow(limit: () => number) {
  const arrivals: number[] = [];
  return {
    arrivals,
    /** Someone else's request (always let in: the neighbour is not ours to refuse). */
    other(now: number) {
      arrivals.push(now);
    },
    admit(now: number): number | undefined {
      while (arrivals.length > 0 && arrivals[0] <= now - W) arrivals.shift();
      if (arrivals.length < limit()) {
        arrivals.push(now);
        return undefined;
      }
      return Math.max(1, arrivals[arrivals.length - limit()] + W - now);
    },
  };
}

describe("RateController (virtual time)", () => {
  let clock: sinon.SinonFakeTimers;
  beforeEach(() => {
    clock = sinon.useFakeTimers({ now: 1_000_000, toFake: ["Date", "setTimeout", "clearTimeout", "setInterval", "clearInterval"] });
  });
  afterEach(() => clock.restore());

  /** Advances virtual time in small steps until `p` settles. */
  async function settle<T>(p: Promise<T>): Promise<T> {
    let done = false;
    void p.then(
      () => (done = true),
      () => (done = true),
    );
    for (let i = 0; !done && i < 100_000; i++) await clock.tickAsync(5);
    return p;
  }

  /** `workers` loops that acquire, get an answer after `latencyMs`, and report it; runs for `ms` of virtual time. */
  async function drive(rate: RateController, server: { admit(now: number): number | undefined }, ms: number, opts: { workers?: number; latencyMs?: number; omitRetryAfter?: boolean } = {}) {
    const end = Date.now() + ms;
    let answered = 0;
    let refused = 0;
    let stop = false;
    const worker = async () => {
      while (!stop) {
        const sentAt = await rate.acquire();
        if (Date.now() >= end) break;
        await new Promise((r) => setTimeout(r, opts.latencyMs ?? 50));
        const retryAfter = server.admit(sentAt + 1);
        if (retryAfter === undefined) {
          answered++;
          rate.answered(sentAt);
        } else {
          refused++;
          rate.rateLimited(sentAt, opts.omitRetryAfter ? undefined : retryAfter);
        }
      }
    };
    const workers = Array.from({ length: opts.workers ?? 8 }, worker);
    await clock.tickAsync(ms);
    stop = true;
    await clock.tickAsync(5 * W); // let the workers notice
    await Promise.all(workers);
    return { answered, refused };
  }

  it("cuts the rate multiplicatively on a 429 its own requests caused, and pauses everyone for Retry-After", async () => {
    const rate = new RateController({ windowMs: W });
    const sends: number[] = [];
    for (let i = 0; i < 100; i++) sends.push(await rate.acquire()); // unlimited before the first 429
    clock.tick(1000);
    // The window is full of our 100 requests: room again when the first leaves it, 29 s from now.
    rate.rateLimited(sends[99], W - 1000);
    const pending = rate.acquire();
    let sentAt: number | undefined;
    void pending.then((t) => (sentAt = t));
    await clock.tickAsync(W - 1000 - 10);
    expect(sentAt, "nothing is sent before Retry-After").to.equal(undefined);
    await clock.tickAsync(11);
    const state = rate.state(); // the pause just ended: the cut is made, the rate has not grown yet
    await settle(pending);
    expect(sentAt).to.be.a("number");
    // From what the server counted (99 of ours in the window) to RATE_CUT (0.8) of it.
    expect(state.lastMaxPerS).to.be.closeTo((99 / W) * 1000, 0.01);
    expect(RATE_CUT).to.be.lessThan(1);
    expect(state.ratePerS! / state.lastMaxPerS!).to.be.closeTo(RATE_CUT, 0.01);
    expect(state.cuts).to.equal(1);
  });

  it("recovers after a cut: back at the last maximum within two windows, then probes above it (no ceiling kept)", async () => {
    const rate = new RateController({ windowMs: W });
    const sends: number[] = [];
    for (let i = 0; i < 60; i++) sends.push(await rate.acquire());
    rate.rateLimited(sends[59], W);
    const t = await settle(rate.acquire()); // the probe, after the pause
    rate.answered(t);
    const max = rate.state().lastMaxPerS!;
    expect(rate.state().ratePerS).to.be.lessThan(max);
    await clock.tickAsync(2 * W);
    expect(rate.state().ratePerS).to.be.at.least(max * 0.999);
    await clock.tickAsync(2 * W);
    expect(rate.state().ratePerS).to.be.greaterThan(max * 1.25);
    await clock.tickAsync(2 * W);
    expect(rate.state().ratePerS).to.be.greaterThan(max * 2);
  });

  it("a 429 caused by someone else early does not leave the client crawling", async () => {
    const rate = new RateController({ windowMs: W });
    // Three quick requests (token, playlist, first page) and the third is refused with Retry-After 1 s.
    const a = await rate.acquire();
    clock.tick(20);
    const b = await rate.acquire();
    clock.tick(20);
    const c = await rate.acquire();
    clock.tick(20);
    rate.answered(a);
    rate.answered(b);
    rate.rateLimited(c, 1000);
    // The cut starts from the client's recent pace, not from "3 requests per 30 s".
    const first = await settle(rate.acquire());
    rate.answered(first);
    expect(rate.state().ratePerS).to.be.greaterThan(10);
    // 80 more requests go within a few seconds, not minutes.
    const start = Date.now();
    let n = 0;
    const go = (async () => {
      for (; n < 80; n++) rate.answered(await rate.acquire());
    })();
    await clock.tickAsync(10_000);
    await go;
    expect(n).to.equal(80);
    expect(Date.now() - start).to.be.at.most(10_000);
  });

  it("a stray 429 soon after a pause cuts from the rate in force, not from the window the pause left short", async () => {
    const limit = 180;
    const server = rollingWindow(() => limit);
    const start = Date.now();
    // Someone else's 429, 0.7 of a window after the client's first pause (its first meeting with the
    // limit, a window in) ended: only 0.7 of a window of the client's requests are in the server's window.
    let strayAt: number | undefined;
    const withStray = {
      admit(now: number): number | undefined {
        if (strayAt === undefined && now >= start + 1.7 * W) {
          strayAt = now;
          return W / 30;
        }
        return server.admit(now);
      },
    };
    const rate = new RateController({ windowMs: W });
    const { answered } = await drive(rate, withStray, 4 * W);
    const state = rate.state();
    expect(strayAt, "the stray 429 was sent").to.be.a("number");
    expect(state.cuts).to.be.at.least(2);
    // The cut the stray made: from the rate in force (about the limit), where the window count would say ~0.6 of it.
    const perS = (limit / W) * 1000;
    expect(state.lastMaxPerS).to.be.at.least(0.8 * perS);
    // Over the run, the capacity of the windows after the first (the first is the burst before the first 429).
    expect(answered).to.be.at.least(0.85 * 4 * limit);
  });

  it("alone, settles near the server's pace with few 429s", async () => {
    const server = rollingWindow(() => 180);
    const rate = new RateController({ windowMs: W });
    const { answered, refused } = await drive(rate, server, 20 * W);
    const capacity = 20 * 180;
    expect(answered / capacity).to.be.at.least(0.85);
    expect(refused / answered).to.be.at.most(0.02);
  });

  it("with a neighbour spending half of every window, takes about the half that is left", async () => {
    const server = rollingWindow(() => 180);
    const neighbour = setInterval(() => server.other(Date.now()), W / 90);
    const rate = new RateController({ windowMs: W });
    const { answered, refused } = await drive(rate, server, 20 * W);
    clearInterval(neighbour);
    expect(answered / (20 * 90)).to.be.within(0.8, 1.05);
    expect(refused / answered).to.be.at.most(0.03);
  });

  it("with the stand-in's neighbour model (lib/standin/rateModels): the refused probe after a pause shows congestion, and the cut goes down to the share", async () => {
    // The bench's quota.neighbour case in virtual time: the client meets the limit, pauses while the window
    // drains, fills it again within a window and gets a 429 whose Retry-After says nothing of whose requests
    // filled it; the probe after that pause is refused, as the neighbour took the room.
    const model = createRateModel({ requests: 180, windowMs: W, neighbourPerWindow: 90 });
    const server = {
      admit(now: number): number | undefined {
        const a = model.admit(now);
        return a.admitted ? undefined : Number(a.retryAfter) * 1000;
      },
    };
    const rate = new RateController({ windowMs: W });
    const { answered, refused } = await drive(rate, server, 20 * W, { latencyMs: 2 });
    expect(answered / (20 * 90)).to.be.within(0.8, 1.15);
    expect(refused / answered).to.be.at.most(0.03);
  });

  it("without Retry-After, backs off by itself: a doubling pause, one probe at a time", async () => {
    const rate = new RateController({ windowMs: W });
    const sends: number[] = [];
    for (let i = 0; i < 10; i++) sends.push(await rate.acquire());
    rate.rateLimited(sends[9], undefined);
    // Everyone waits W/30; then one probe goes and the others wait for its answer.
    const waiting = Array.from({ length: 3 }, () => rate.acquire());
    const sent: number[] = [];
    waiting.forEach((p) => void p.then((t) => sent.push(t)));
    await clock.tickAsync(W / 30 - 1);
    expect(sent).to.have.length(0);
    await clock.tickAsync(2);
    expect(sent).to.have.length(1);
    // The probe is refused too: the next pause is twice as long.
    rate.rateLimited(sent[0], undefined);
    await clock.tickAsync((2 * W) / 30 - 5);
    expect(sent).to.have.length(1);
    await clock.tickAsync(10);
    expect(sent).to.have.length(2);
    // This probe gets in: the others follow, and the rate was cut once for the whole event.
    rate.answered(sent[1]);
    await clock.tickAsync(W);
    expect(sent).to.have.length(3);
    expect(rate.state().cuts).to.equal(1);
  });

  it("an aborted request stops waiting for the controller", async () => {
    const rate = new RateController({ windowMs: W });
    const t = await rate.acquire();
    rate.rateLimited(t, 10_000);
    const controller = new AbortController();
    let error: unknown;
    const waiting = rate.acquire(controller.signal).catch((e: unknown) => (error = e));
    controller.abort(new Error("playlist failed"));
    await clock.tickAsync(1);
    await waiting;
    expect((error as Error).message).to.equal("playlist failed");
  });
});
