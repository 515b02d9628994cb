/**
 * The extract Lambda: one playlist per request ({"playlist_id": "..."}), taken either from a
 * direct invocation (contract C3) or from the extract queue the schedule fills (one SQS message
 * per playlist, one message per invocation), so one playlist's failure or rate limit never stops
 * the others, and the queue's event source bounds how many run at once. Credentials come
 * from Secrets Manager (only the secrets' ARNs are in the environment), read through Powertools
 * with a cache. The app's credentials (client id and secret) are the stack's; the refresh token
 * has a secret of its own, which the stack only seeds: when Spotify rotates the token it is
 * written back there with PutSecretValue, so the next run signs in with the new one and no
 * change of the stack's config can roll it back.
 *
 * From the queue, the answer is a partial batch response (Lambda developer guide, "Handling
 * errors for an SQS event source in Lambda", "Implementing partial batch responses": with
 * ReportBatchItemFailures, the function returns {"batchItemFailures": [{"itemIdentifier":
 * <messageId>}]} and only those messages become visible again). An extraction that stopped
 * before the deadline on purpose (C4) and a message that is not a request are reported that way:
 * the first resumes on the next delivery, the second ends in the dead-letter queue after
 * maxReceiveCount deliveries (its alarm), and neither counts in the function's Errors. A real
 * failure (Spotify, the secret, storage) still fails the invocation, which Errors counts.
 */
import { S3Client } from "@aws-sdk/client-s3";
import { PutSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { SecretsProvider } from "@aws-lambda-powertools/parameters/secrets";
import { Logger } from "@aws-lambda-powertools/logger";
import { assertSnapshotDateInRange, normalizePlaylistId, todayUtc } from "../lib/lake/layout";
import { extractAndLand } from "../lib/extract/runExtraction";
import { CatalogCache } from "../lib/extract/catalogCache";
import { CACHE_DEFAULTS, cacheSettingsFromEnv, type CacheSettings } from "../lib/extract/cacheSettings";
import { ExtractionIncompleteError } from "../lib/extract/errors";
import { SpotifyClient } from "../lib/spotify/client";
import { copyStats, statsSince } from "../lib/spotify/stats";
import { CONFIG_DEFAULTS, DEFAULT_ACCOUNTS_URL, DEFAULT_API_URL, type SpotifyConfig } from "../lib/spotify/config";
import { S3Store } from "../lib/storage/s3Store";
import type { ObjectStore } from "../lib/storage/objectStore";
import { EXTRACT_LOG, parseExtractEnv, type AuthMode, type ExtractEnv, type ExtractRequest } from "../contracts/extract";
import type { Env } from "../contracts/env";
import { logWithContext, type InvocationContext } from "./lambdaContext";

/** The JSON document stored in the secret (written by Pulumi from secret config, then by this function on rotation). */
export interface SpotifySecret {
  client_id: string;
  client_secret?: string;
  refresh_token?: string;
}

export interface ExtractSettings extends ExtractEnv {
  /** Seconds a read secret is reused within a container. */
  secretMaxAgeS?: number;
  /** The artist and album cache's reuse period and daily refresh (C2). */
  cache?: CacheSettings;
}

export interface ExtractDeps {
  s3?: S3Client;
  secretsManager?: SecretsManagerClient;
  store?: ObjectStore;
  logger?: Logger;
  now?: () => Date;
}

/** A direct invocation (ExtractRequest, unchecked until parsed) or the extract queue's SQS event. */
export type ExtractEvent = { [K in keyof ExtractRequest]?: unknown } | SqsEvent;

/** The part of an SQS event Lambda's event source mapping delivers that the handler reads (a record may be anything). */
export interface SqsEvent {
  Records: ({ messageId?: string; eventSource?: string; body?: unknown } | null)[];
}

/** Lambda developer guide, "Implementing partial batch responses": the messages to deliver again. */
export interface QueueBatchResponse {
  batchItemFailures: { itemIdentifier: string }[];
}

function isSqsEvent(event: unknown): event is SqsEvent {
  const records = (event as SqsEvent | undefined)?.Records;
  return Array.isArray(records) && records.length > 0 && records.some((r) => (r as { eventSource?: unknown } | null)?.eventSource === "aws:sqs");
}

type RawRequest = { playlist_id?: unknown; snapshot_date?: unknown };

/** A queue message's request, or why it is not one (a record without a body, or not JSON). */
export function requestOfRecord(record: SqsEvent["Records"][number]): { request: RawRequest } | { problem: string } {
  const id = typeof record?.messageId === "string" ? record.messageId : "(no id)";
  if (typeof record?.body !== "string") return { problem: `Message ${id} of the extract queue has no body: expected {"playlist_id": "<id>"}.` };
  try {
    return { request: JSON.parse(record.body) as RawRequest };
  } catch {
    return { problem: `Message ${id} of the extract queue is not JSON: expected {"playlist_id": "<id>"}; got ${JSON.stringify(record.body).slice(0, 200)}.` };
  }
}

/** Thrown by an invocation from the queue when a message failed for another reason than its content or the deadline. */
export class QueuedExtractionsFailedError extends Error {
  constructor(readonly failed: { messageId: string; error: string }[]) {
    super(`${failed.length} queued extraction(s) failed and will be delivered again: ${failed.map((f) => `${f.messageId}: ${f.error}`).join("; ")}`);
    this.name = "QueuedExtractionsFailedError";
  }
}

/** The handler: a direct invocation answers its extraction (C3), the queue a partial batch response. */
export interface ExtractHandler {
  (event: SqsEvent, context?: InvocationContext): Promise<QueueBatchResponse>;
  (event: { [K in keyof ExtractRequest]?: unknown }, context?: InvocationContext): Promise<ExtractResult>;
}

/** The part of Lambda's context the extractor uses: the time left, to stop cleanly before the deadline (C4), and the request id for the logs. */
export type ExtractContext = InvocationContext;

export interface ExtractResult {
  playlistId: string;
  snapshotDate: string;
  key: string;
  entries: number;
  calls: Record<string, number>;
  retries: number;
  http429: number;
  refreshTokenRotated: boolean;
  /** Artist and album objects reused from the cache, fetched new, and refreshed. */
  cache?: { reused: number; fetched_new: number; refreshed: number };
  /** Invocations this snapshot took (more than 1 after a stop at the deadline). */
  attempts: number;
}

/** Checks the secret's shape; the message names the field, never a value. */
export function parseSpotifySecret(value: unknown, authMode: AuthMode, secretArn: string): SpotifySecret {
  const fix = `set it with \`pulumi config set --secret\` and \`pulumi up\` (see "Deploy on AWS" in README.md)`;
  if (typeof value !== "object" || value === null) throw new Error(`Secret ${secretArn} is not a JSON object: ${fix}.`);
  const s = value as Record<string, unknown>;
  if (typeof s.client_id !== "string" || s.client_id === "") throw new Error(`Secret ${secretArn} has no client_id: ${fix}.`);
  if (authMode === "refresh_token" && (typeof s.refresh_token !== "string" || s.refresh_token === "")) {
    throw new Error(`Secret ${secretArn} has no refresh_token but authMode is refresh_token: run \`npm run auth\` locally, then ${fix}.`);
  }
  if (authMode === "client_credentials" && (typeof s.client_secret !== "string" || s.client_secret === "")) {
    throw new Error(`Secret ${secretArn} has no client_secret but authMode is client_credentials: ${fix}.`);
  }
  return {
    client_id: s.client_id,
    client_secret: typeof s.client_secret === "string" && s.client_secret !== "" ? s.client_secret : undefined,
    refresh_token: authMode === "refresh_token" ? (s.refresh_token as string) : undefined,
  };
}

export function createExtractHandler(settings: ExtractSettings, deps: ExtractDeps = {}): ExtractHandler {
  if (!settings.bucket || !settings.secretArn) throw new Error("The extract function needs LAKE_BUCKET and SPOTIFY_SECRET_ARN in its environment (contracts/extract.ts).");
  const store = deps.store ?? new S3Store({ bucket: settings.bucket, client: deps.s3 ?? new S3Client({}) });
  const cache = new CatalogCache(store, settings.cache ?? CACHE_DEFAULTS);
  const secretsManager = deps.secretsManager ?? new SecretsManagerClient({});
  const secrets = new SecretsProvider({ awsSdkV3Client: secretsManager });
  const logger = deps.logger ?? new Logger({ serviceName: "spotify-extract" });
  const now = deps.now ?? (() => new Date());
  /** A token this container wrote back: newer than any cached read of the secret. */
  let rotatedRefreshToken: string | undefined;
  /**
   * The container's Spotify client, reused by its invocations while the credentials read are the ones it was made
   * with: one access token for as long as Spotify's lasts rather than a token exchange per playlist, and one rate
   * controller that keeps what 429s taught it (as each lane of the fleet bench, bench/fleetLane.ts). Lambda Developer
   * Guide, "Best practices for working with AWS Lambda functions": "Take advantage of execution environment reuse ...
   * Initialize SDK clients and database connections outside of the function handler ... Subsequent invocations
   * processed by the same instance of your function can reuse these resources." An environment runs one invocation
   * at a time; a new one (or changed credentials) makes a new client.
   */
  let spotify: { client: SpotifyClient; credentials: string } | undefined;
  /** Set by the client's rotation hook during the current invocation. */
  let rotatedNow = false;
  const credentialsOf = (secret: SpotifySecret) => JSON.stringify([secret.client_id, secret.client_secret ?? null, secret.refresh_token ?? null]);

  function clientFor(secret: SpotifySecret): SpotifyClient {
    if (spotify?.credentials === credentialsOf(secret)) return spotify.client;
    const config: SpotifyConfig = {
      clientId: secret.client_id,
      clientSecret: secret.client_secret,
      refreshToken: secret.refresh_token,
      apiUrl: settings.apiUrl ?? DEFAULT_API_URL,
      accountsUrl: settings.accountsUrl ?? DEFAULT_ACCOUNTS_URL,
      concurrency: settings.concurrency ?? CONFIG_DEFAULTS.concurrency,
      timeoutMs: settings.timeoutMs ?? CONFIG_DEFAULTS.timeoutMs,
      maxWaitS: settings.maxWaitS ?? CONFIG_DEFAULTS.maxWaitS,
      rateWindowMs: CONFIG_DEFAULTS.rateWindowMs,
    };
    const made: { client: SpotifyClient; credentials: string } = {
      credentials: credentialsOf(secret),
      client: new SpotifyClient(config, {
        onRefreshToken: async (token) => {
          rotatedNow = true;
          await storeRotatedToken(secret, token);
          // The client signs in with the new token itself; the next invocation reads it back (rotatedRefreshToken).
          made.credentials = credentialsOf({ ...secret, refresh_token: token });
        },
      }),
    };
    spotify = made;
    return made.client;
  }

  const maxAge = settings.secretMaxAgeS ?? 300;
  const tokenArn = settings.authMode === "refresh_token" ? settings.refreshTokenSecretArn : undefined;

  async function readSecret(): Promise<SpotifySecret> {
    const app = (await secrets.get(settings.secretArn, { transform: "json", maxAge })) as Record<string, unknown> | undefined;
    if (!tokenArn) {
      const secret = parseSpotifySecret(app, settings.authMode, settings.secretArn);
      return rotatedRefreshToken ? { ...secret, refresh_token: rotatedRefreshToken } : secret;
    }
    const token = rotatedRefreshToken ?? ((await secrets.get(tokenArn, { transform: "json", maxAge })) as { refresh_token?: unknown } | undefined)?.refresh_token;
    return parseSpotifySecret(typeof app === "object" && app !== null ? { ...app, refresh_token: token } : app, settings.authMode, `${settings.secretArn} (refresh token: ${tokenArn})`);
  }

  /** The rotated token goes to the token's own secret when there is one (the stack never rewrites it), else back into the one secret. */
  async function storeRotatedToken(secret: SpotifySecret, token: string): Promise<void> {
    const target = tokenArn ?? settings.secretArn;
    const value = tokenArn ? { refresh_token: token } : { ...secret, refresh_token: token };
    await secretsManager.send(new PutSecretValueCommand({ SecretId: target, SecretString: JSON.stringify(value) }));
    rotatedRefreshToken = token;
    logger.info("rotated refresh token stored", { secretArn: target });
  }

  async function extractOne(event: RawRequest, context: InvocationContext | undefined): Promise<ExtractResult> {
    if (typeof event?.playlist_id !== "string") {
      throw new Error(`Expected an event like {"playlist_id": "<22-character id>"}; got ${JSON.stringify(event).slice(0, 200)}.`);
    }
    const playlistId = normalizePlaylistId(event.playlist_id);
    if (event.snapshot_date !== undefined && typeof event.snapshot_date !== "string") {
      throw new Error(`"snapshot_date" must be a string like "2026-11-25"; got ${JSON.stringify(event.snapshot_date)}.`);
    }
    // The CLI's date rule (cli/args.ts): a real date from Spotify's launch to tomorrow in UTC.
    const snapshotDate = event.snapshot_date === undefined ? todayUtc(now()) : assertSnapshotDateInRange(event.snapshot_date, now());
    logger.appendKeys({ playlistId, snapshotDate });
    try {
      const client = clientFor(await readSecret());
      rotatedNow = false;
      const before = copyStats(client.stats);
      const remainingMs = context?.getRemainingTimeInMillis?.bind(context);
      const { key, snapshot } = await extractAndLand(client, store, playlistId, snapshotDate, { cache, remainingMs, now });
      const used = statsSince(before, client.stats);
      const result: ExtractResult = {
        playlistId,
        snapshotDate,
        key,
        entries: snapshot.entries.length,
        calls: used.calls,
        retries: used.retries,
        http429: used.http429,
        refreshTokenRotated: rotatedNow,
        ...(snapshot.extraction.cache ? { cache: snapshot.extraction.cache } : {}),
        attempts: snapshot.extraction.attempts ?? 1,
      };
      logger.info(EXTRACT_LOG.landed, { ...result });
      return result;
    } catch (err) {
      // Stopped at the deadline: thrown on purpose, so that the retry or redelivery resumes (C4).
      if (err instanceof ExtractionIncompleteError) logger.warn(EXTRACT_LOG.incomplete, { ...err.progress });
      else logger.error(EXTRACT_LOG.failed, { error: err as Error });
      throw err;
    } finally {
      logger.removeKeys(["playlistId", "snapshotDate"]);
    }
  }

  /** Every message of the batch (the mapping's batch size is 1, but each record is handled on its own). */
  async function extractFromQueue(event: SqsEvent, context: InvocationContext | undefined): Promise<QueueBatchResponse> {
    const batchItemFailures: QueueBatchResponse["batchItemFailures"] = [];
    const failed: { messageId: string; error: string }[] = [];
    for (const record of event.Records) {
      const messageId = typeof record?.messageId === "string" && record.messageId !== "" ? record.messageId : undefined;
      const parsed = requestOfRecord(record);
      if ("problem" in parsed) {
        logger.error(EXTRACT_LOG.badMessage, { messageId, problem: parsed.problem });
        if (messageId) batchItemFailures.push({ itemIdentifier: messageId });
        continue;
      }
      try {
        await extractOne(parsed.request, context);
      } catch (err) {
        if (err instanceof ExtractionIncompleteError) {
          if (messageId) batchItemFailures.push({ itemIdentifier: messageId });
        } else failed.push({ messageId: messageId ?? "(no id)", error: (err as Error).message });
      }
    }
    if (failed.length > 0) throw new QueuedExtractionsFailedError(failed);
    return { batchItemFailures };
  }

  const handler = async (event: ExtractEvent, context?: InvocationContext): Promise<ExtractResult | QueueBatchResponse> => {
    logWithContext(logger, context);
    if (isSqsEvent(event)) return extractFromQueue(event, context);
    return extractOne(event as RawRequest, context);
  };
  return handler as ExtractHandler;
}

/** What the deployed function runs once per cold start (see components/handlerBundle.ts): names and limits from the environment (contracts/extract.ts). */
export function extractHandlerFromEnv(env: Env = process.env): ExtractHandler {
  return createExtractHandler({ ...parseExtractEnv(env), cache: cacheSettingsFromEnv(env as NodeJS.ProcessEnv) });
}
