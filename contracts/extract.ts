/**
 * The extract Lambda's contract: its entry, its environment, the requests it takes and the
 * messages alarms match. Read by components/extractor.ts (which sets the environment and
 * sends the requests) and handlers/extract.ts (which parses them).
 */
import type { AuthMode } from "../lib/spotify/auth";
import { choiceEnv, optionalWholeNumber, requireEnv, type Env } from "./env";

export const EXTRACT_HANDLER = { entry: "extract", exportName: "extractHandlerFromEnv" } as const;

/** How the extractor signs in to Spotify: the type is lib/spotify/auth.ts's; this is its list of values, checked complete below. */
export type { AuthMode };
export const AUTH_MODES = ["refresh_token", "client_credentials"] as const satisfies readonly AuthMode[];
/** Fails to compile if lib/spotify/auth.ts gains a mode this list lacks. */
const ALL_AUTH_MODES_LISTED: Exclude<AuthMode, (typeof AUTH_MODES)[number]> extends never ? true : never = true;
void ALL_AUTH_MODES_LISTED;

export const EXTRACT_ENV = {
  bucket: "LAKE_BUCKET",
  secretArn: "SPOTIFY_SECRET_ARN",
  /** The refresh token's own secret (authMode refresh_token): seeded by the stack, then the extractor's. */
  refreshTokenSecretArn: "SPOTIFY_REFRESH_TOKEN_SECRET_ARN",
  authMode: "SPOTIFY_AUTH_MODE",
  concurrency: "SPOTIFY_CONCURRENCY",
  maxWaitS: "SPOTIFY_MAX_WAIT_S",
  timeoutMs: "SPOTIFY_TIMEOUT_MS",
  apiUrl: "SPOTIFY_API_URL",
  accountsUrl: "SPOTIFY_ACCOUNTS_URL",
  /** Contract C2: the Spotify object cache's settings, parsed by lib/ (the cache's owner). */
  cacheMaxAgeDays: "SPOTIFY_CACHE_MAX_AGE_DAYS",
  cacheDailyRefresh: "SPOTIFY_CACHE_DAILY_REFRESH",
} as const;

export interface ExtractEnv {
  bucket: string;
  secretArn: string;
  refreshTokenSecretArn?: string;
  authMode: AuthMode;
  concurrency?: number;
  maxWaitS?: number;
  timeoutMs?: number;
  apiUrl?: string;
  accountsUrl?: string;
}

export function parseExtractEnv(env: Env): ExtractEnv {
  const e = EXTRACT_ENV;
  return {
    bucket: requireEnv(env, e.bucket, "extract"),
    secretArn: requireEnv(env, e.secretArn, "extract"),
    refreshTokenSecretArn: env[e.refreshTokenSecretArn] || undefined,
    authMode: choiceEnv(env, e.authMode, AUTH_MODES, "refresh_token"),
    concurrency: optionalWholeNumber(env, e.concurrency, { min: 1, max: 64 }),
    maxWaitS: optionalWholeNumber(env, e.maxWaitS, { min: 1, max: 900 }),
    timeoutMs: optionalWholeNumber(env, e.timeoutMs, { min: 1, max: 900_000 }),
    apiUrl: env[e.apiUrl] || undefined,
    accountsUrl: env[e.accountsUrl] || undefined,
  };
}

/**
 * One extraction (contract C3): a direct invocation's payload, and the body of each message the
 * schedule puts on the extract queue. snapshot_date defaults to today in UTC.
 */
export interface ExtractRequest {
  playlist_id: string;
  snapshot_date?: string;
}

/** Log messages (Powertools JSON "message") that metric filters and readers rely on. */
export const EXTRACT_LOG = {
  landed: "raw snapshot landed",
  failed: "extraction failed",
  /** Contract C4: stopped before the deadline on purpose; the retry or redelivery resumes. */
  incomplete: "extraction stopped before the deadline; the next attempt resumes",
  /** A queue message that is not a request: reported, delivered again, then kept in the dead-letter queue. */
  badMessage: "queue message is not an extraction request",
} as const;
