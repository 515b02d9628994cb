/** What a client did: calls answered per endpoint (429s not included), retries and 429s. */
export interface ClientStats {
  calls: Record<string, number>;
  retries: number;
  http429: number;
}

export function newStats(): ClientStats {
  return { calls: {}, retries: 0, http429: 0 };
}

export function countCall(stats: ClientStats, endpoint: string): void {
  stats.calls[endpoint] = (stats.calls[endpoint] ?? 0) + 1;
}

export function copyStats(stats: ClientStats): ClientStats {
  return { calls: { ...stats.calls }, retries: stats.retries, http429: stats.http429 };
}

/** What happened between two copies of the stats (one playlist of a longer run). */
export function statsSince(before: ClientStats, now: ClientStats): ClientStats {
  const calls: Record<string, number> = {};
  for (const [k, v] of Object.entries(now.calls)) {
    const d = v - (before.calls[k] ?? 0);
    if (d > 0) calls[k] = d;
  }
  return { calls, retries: now.retries - before.retries, http429: now.http429 - before.http429 };
}
