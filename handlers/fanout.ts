/**
 * The fan-out Lambda: the one schedule invokes it; it reads the playlist list the stack keeps in
 * the lake bucket (contracts/fanout.ts) and queues one extraction request per playlist on the
 * extract queue, ten per SendMessageBatch call. The queue's event source then bounds how many
 * extractions call Spotify at once, whatever the length of the list.
 *
 * SQS API reference, SendMessageBatch: "The result of sending each message is reported
 * individually in the response. Because the batch request can result in a combination of
 * successful and unsuccessful actions, you should check for batch errors even when the call
 * returns an HTTP status code of 200." Each failed entry comes back in `Failed` as a
 * BatchResultErrorEntry {Id, Code, SenderFault, Message}; SenderFault "Specifies whether the
 * error happened due to the caller of the batch API action" (a retry cannot help then). So the
 * entries in `Failed` (and only those) are sent again, a bounded number of times; what is still
 * not queued fails the invocation with the playlists named, which the fan-out's Errors alarm and
 * its dead-letter queue show.
 */
import { GetObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { SendMessageBatchCommand, SQSClient, type SendMessageBatchRequestEntry } from "@aws-sdk/client-sqs";
import { Logger } from "@aws-lambda-powertools/logger";
import { todayUtc } from "../lib/lake/layout";
import { chunk } from "../lib/util/collections";
import { FANOUT_LOG, parseFanoutEnv, parsePlaylistsDocument, SQS_MAX_BATCH_ENTRIES, type FanoutEnv } from "../contracts/fanout";
import type { ExtractRequest } from "../contracts/extract";
import type { Env } from "../contracts/env";
import { logWithContext, type InvocationContext } from "./lambdaContext";

/** Sends of one entry before it counts as not queued (the first and two retries). */
export const MAX_SEND_ATTEMPTS = 3;
const RETRY_BASE_DELAY_MS = 200;

export interface FanoutDeps {
  s3?: S3Client;
  sqs?: SQSClient;
  logger?: Logger;
  sleep?: (ms: number) => Promise<void>;
  now?: () => Date;
}

/**
 * What EventBridge sends a scheduled rule's target (EventBridge user guide, "Creating a rule that
 * runs on a schedule"; the event has detail-type "Scheduled Event" and `time`, the scheduled
 * time in UTC). A direct invocation may send {} (today) or {"time": "..."}.
 */
export interface ScheduledEvent {
  "detail-type"?: string;
  time?: string;
}

export interface FanoutResult {
  snapshotDate: string;
  queued: number;
  batches: number;
  /** Entries sent again after SQS reported them in `Failed`. */
  retried: number;
}

export class FanoutError extends Error {
  constructor(
    readonly notQueued: { playlistId: string; code: string; message: string }[],
    readonly queued: number,
  ) {
    super(
      `${notQueued.length} extraction request(s) were not queued (${queued} were): ` +
        notQueued.map((f) => `${f.playlistId} (${f.code}${f.message ? `: ${f.message}` : ""})`).join("; ") +
        `. Queue them by hand with \`aws lambda invoke --function-name <extractFunctionName> --payload '{"playlist_id":"<id>"}'\` or wait for the next schedule.`,
    );
    this.name = "FanoutError";
  }
}

/** The snapshot date of this run: the scheduled time's day in UTC, so every message of one run names the same day. */
export function snapshotDateOf(event: ScheduledEvent | undefined, now: Date): string {
  const time = typeof event?.time === "string" ? new Date(event.time) : undefined;
  return todayUtc(time && !Number.isNaN(time.getTime()) ? time : now);
}

export function createFanoutHandler(settings: FanoutEnv, deps: FanoutDeps = {}): (event: ScheduledEvent, context?: InvocationContext) => Promise<FanoutResult> {
  const s3 = deps.s3 ?? new S3Client({});
  const sqs = deps.sqs ?? new SQSClient({});
  const logger = deps.logger ?? new Logger({ serviceName: "spotify-fanout" });
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const now = deps.now ?? (() => new Date());
  const location = `s3://${settings.bucket}/${settings.playlistsKey}`;

  async function readPlaylists(): Promise<string[]> {
    const object = await s3.send(new GetObjectCommand({ Bucket: settings.bucket, Key: settings.playlistsKey }));
    if (!object.Body) throw new Error(`${location} has no body: run \`pulumi up\` to write it again.`);
    return parsePlaylistsDocument(await object.Body.transformToString("utf-8"), location);
  }

  /** Sends one batch of at most ten, then the failed entries again; returns what never got queued. */
  async function sendBatch(entries: SendMessageBatchRequestEntry[], playlistOf: Map<string, string>): Promise<{ notQueued: FanoutError["notQueued"]; retried: number }> {
    let pending = entries;
    let retried = 0;
    let lastFailure = new Map<string, { code: string; message: string; senderFault: boolean }>();
    for (let attempt = 1; attempt <= MAX_SEND_ATTEMPTS && pending.length > 0; attempt++) {
      if (attempt > 1) {
        retried += pending.length;
        await sleep(RETRY_BASE_DELAY_MS * 2 ** (attempt - 2));
      }
      lastFailure = new Map();
      try {
        const response = await sqs.send(new SendMessageBatchCommand({ QueueUrl: settings.queueUrl, Entries: pending }));
        for (const f of response.Failed ?? []) {
          lastFailure.set(f.Id ?? "", { code: f.Code ?? "UnknownError", message: f.Message ?? "", senderFault: f.SenderFault === true });
        }
      } catch (err) {
        // The whole call failed (after the SDK's own retries): every entry of it is pending still.
        for (const e of pending) lastFailure.set(e.Id!, { code: (err as Error).name, message: (err as Error).message, senderFault: false });
      }
      // A sender fault (a malformed entry) fails the same way every time: not sent again.
      pending = pending.filter((e) => lastFailure.has(e.Id!) && !lastFailure.get(e.Id!)!.senderFault);
    }
    const notQueued = [...lastFailure].map(([id, f]) => ({ playlistId: playlistOf.get(id) ?? id, code: f.code, message: f.message }));
    return { notQueued, retried };
  }

  return async (event, context) => {
    logWithContext(logger, context);
    const snapshotDate = snapshotDateOf(event, now());
    const playlists = await readPlaylists();
    const batches = chunk(playlists, SQS_MAX_BATCH_ENTRIES);
    const notQueued: FanoutError["notQueued"] = [];
    let retried = 0;
    for (const batch of batches) {
      const playlistOf = new Map<string, string>();
      // Batch entry ids: unique within the request, alphanumerics, hyphens and underscores (SendMessageBatchRequestEntry, Id).
      const entries = batch.map((playlistId, i): SendMessageBatchRequestEntry => {
        const request: ExtractRequest = { playlist_id: playlistId, snapshot_date: snapshotDate };
        playlistOf.set(`p${i}`, playlistId);
        return { Id: `p${i}`, MessageBody: JSON.stringify(request) };
      });
      const sent = await sendBatch(entries, playlistOf);
      notQueued.push(...sent.notQueued);
      retried += sent.retried;
    }
    const queued = playlists.length - notQueued.length;
    if (notQueued.length > 0) {
      logger.error(FANOUT_LOG.notQueued, { snapshotDate, queued, notQueued });
      throw new FanoutError(notQueued, queued);
    }
    logger.info(FANOUT_LOG.queued, { snapshotDate, queued, batches: batches.length, retried });
    return { snapshotDate, queued, batches: batches.length, retried };
  };
}

/** What the deployed function runs once per cold start (see components/handlerBundle.ts): names from the environment (contracts/fanout.ts). */
export function fanoutHandlerFromEnv(env: Env = process.env): (event: ScheduledEvent, context?: InvocationContext) => Promise<FanoutResult> {
  return createFanoutHandler(parseFanoutEnv(env));
}
