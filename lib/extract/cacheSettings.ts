/**
 * How long cached artist and album objects are reused and how many are refreshed per day (C2):
 * env SPOTIFY_CACHE_MAX_AGE_DAYS (default 30) and SPOTIFY_CACHE_DAILY_REFRESH (default 250),
 * the same locally and on Lambda (where Pulumi config spotifyCacheMaxAgeDays / spotifyCacheDailyRefresh sets them).
 */
export interface CacheSettings {
  /** An object fetched this many days ago or more is fetched again before use. */
  maxAgeDays: number;
  /** Objects refreshed per day ahead of their age, oldest first (0: only those too old). */
  dailyRefresh: number;
}

export const CACHE_DEFAULTS: CacheSettings = { maxAgeDays: 30, dailyRefresh: 250 };

function wholeNumber(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === "") return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) {
    throw new Error(`${name}="${raw}" is not a whole number of at least ${min}; unset it to use the default (${fallback}).`);
  }
  return n;
}

export function cacheSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): CacheSettings {
  return {
    maxAgeDays: wholeNumber(env, "SPOTIFY_CACHE_MAX_AGE_DAYS", CACHE_DEFAULTS.maxAgeDays, 1),
    dailyRefresh: wholeNumber(env, "SPOTIFY_CACHE_DAILY_REFRESH", CACHE_DEFAULTS.dailyRefresh, 0),
  };
}
