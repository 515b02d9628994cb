/**
 * Time for the smoke check's waits, injected so that tests run every bound without real time.
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise<void>((resolve) => setTimeout(resolve, ms)),
};

/** How long one wait may last and how often it looks again. */
export interface WaitBound {
  timeoutMs: number;
  pollMs: number;
}

/**
 * Calls `probe` until it returns a value, or until `bound.timeoutMs` has passed (one last look
 * at the deadline); undefined means the bound ran out. `probe` may throw to stop the wait.
 */
export async function pollUntil<T>(clock: Clock, bound: WaitBound, probe: () => Promise<T | undefined>): Promise<T | undefined> {
  const deadline = clock.now() + bound.timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    const left = deadline - clock.now();
    if (left <= 0) return undefined;
    await clock.sleep(Math.min(bound.pollMs, left));
  }
}

export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}
