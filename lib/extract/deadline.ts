/**
 * The time an extraction may still use (C4): a function returning the milliseconds left, such as
 * Lambda's context.getRemainingTimeInMillis. Below `reserveMs` nothing new starts; requests in
 * flight may finish until `finishMarginMs` is left, then the run saves what it has and stops.
 */
export type RemainingTime = () => number;

/** 30 s of a 300 s Lambda: enough for requests in flight (15 s timeout each) and the checkpoint write. */
export const DEFAULT_RESERVE_MS = 30_000;
const DEFAULT_FINISH_MARGIN_MS = 5_000;

export class Deadline {
  private stopped = false;

  constructor(
    private readonly remaining?: RemainingTime,
    readonly reserveMs: number = DEFAULT_RESERVE_MS,
    private readonly finishMarginMs: number = Math.min(DEFAULT_FINISH_MARGIN_MS, reserveMs / 2),
  ) {}

  /** True once the time left fell below the reserve (and from then on): start nothing new. */
  get passed(): boolean {
    if (!this.stopped && this.remaining && this.remaining() < this.reserveMs) this.stopped = true;
    return this.stopped;
  }

  /**
   * `work`, or undefined if it is still running when only the finish margin is left (the run
   * must save and stop then, whatever is in flight). Without a remaining-time function it waits.
   */
  async settle<T>(work: Promise<T>): Promise<{ value: T } | undefined> {
    if (!this.remaining) return { value: await work };
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), Math.max(0, this.remaining!() - this.finishMarginMs));
    });
    try {
      return await Promise.race([work.then((value) => ({ value })), late]);
    } finally {
      clearTimeout(timer);
    }
  }
}

/**
 * Runs `task` over `items` with at most `concurrency` at once, taking items lazily (a generator
 * may stop producing) and none once the deadline passed. Resolves when every started task ended.
 */
export async function runPool<T>(items: Iterable<T>, concurrency: number, deadline: Deadline, task: (item: T) => Promise<void>): Promise<void> {
  const iterator = items[Symbol.iterator]();
  let failed = false;
  const worker = async () => {
    while (!failed && !deadline.passed) {
      const next = iterator.next();
      if (next.done) return;
      try {
        await task(next.value);
      } catch (err) {
        failed = true; // the other workers take nothing new
        throw err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
}
