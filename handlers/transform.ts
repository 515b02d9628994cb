/**
 * The transform Lambda: for each raw snapshot named by an S3 notification, write its tables
 * (or reject it, with a copy and a reason) through the same lib/ code as the local run, then
 * start the crawlers so the catalog sees new partitions. Output keys are deterministic, so a
 * redelivered event rewrites the same files: processing is idempotent.
 * One record never stops the others (contract C5): a bad file is rejected and reported, and a
 * record that fails for another reason (storage) is reported and, once the good records have
 * landed and the crawlers started, fails the invocation so that Lambda retries the event.
 */
import { S3Client } from "@aws-sdk/client-s3";
import { GlueClient, StartCrawlerCommand } from "@aws-sdk/client-glue";
import { Logger } from "@aws-lambda-powertools/logger";
import { S3Store } from "../lib/storage/s3Store";
import type { ObjectStore } from "../lib/storage/objectStore";
import { transformRawObject, type TransformOutcome } from "../lib/transform/transformObject";
import { rawKeysFromEvent, type S3NotificationEvent } from "./s3Event";

export interface TransformSettings {
  /** The lake bucket: only its records are processed. */
  bucket: string;
  /** Started after at least one snapshot was transformed. */
  crawlerNames: string[];
}

export interface TransformDeps {
  s3?: S3Client;
  glue?: GlueClient;
  store?: ObjectStore;
  logger?: Logger;
}

export type CrawlerStart = "started" | "already running";

export interface TransformResult {
  outcomes: TransformOutcome[];
  crawlers: Record<string, CrawlerStart>;
}

/** Logged at error level with this message, so a log metric filter can count rejections. */
export const REJECTED_LOG_MESSAGE = "raw snapshot rejected";
export const FAILED_LOG_MESSAGE = "raw snapshot not transformed";

/** Thrown after the rest of the event was processed, naming the records that failed; a retry processes the event again. */
export class RecordsFailedError extends Error {
  constructor(
    readonly failed: { rawKey: string; error: string }[],
    readonly result: TransformResult,
  ) {
    super(
      `${failed.length} of ${failed.length + result.outcomes.length} record(s) failed and will be retried (the others were written): ` +
        failed.map((f) => `${f.rawKey}: ${f.error}`).join("; "),
    );
    this.name = "RecordsFailedError";
  }
}

export function createTransformHandler(settings: TransformSettings, deps: TransformDeps = {}): (event: S3NotificationEvent) => Promise<TransformResult> {
  if (!settings.bucket) throw new Error("The transform function needs LAKE_BUCKET in its environment.");
  const store = deps.store ?? new S3Store({ bucket: settings.bucket, client: deps.s3 ?? new S3Client({}) });
  const glue = deps.glue ?? new GlueClient({});
  const logger = deps.logger ?? new Logger({ serviceName: "spotify-transform" });

  async function startCrawler(name: string): Promise<CrawlerStart> {
    try {
      await glue.send(new StartCrawlerCommand({ Name: name }));
      return "started";
    } catch (err) {
      // A crawl already under way will list the new folders, or the next one will: both count as started.
      if ((err as Error).name === "CrawlerRunningException") return "already running";
      throw new Error(`Tables were written but crawler "${name}" did not start: ${(err as Error).message}. Start it from the Glue console, or let the next snapshot start it.`, { cause: err });
    }
  }

  return async (event) => {
    const { keys, ignored } = rawKeysFromEvent(event, settings.bucket);
    for (const skip of ignored) logger.warn("record ignored", skip);
    const outcomes: TransformOutcome[] = [];
    const failed: { rawKey: string; error: string }[] = [];
    for (const key of keys) {
      let outcome: TransformOutcome;
      try {
        outcome = await transformRawObject(store, key);
      } catch (err) {
        logger.error(FAILED_LOG_MESSAGE, { rawKey: key, error: (err as Error).message });
        failed.push({ rawKey: key, error: (err as Error).message });
        continue;
      }
      if (outcome.status === "transformed") logger.info("raw snapshot transformed", { rawKey: key, rows: outcome.rows, files: outcome.keys.length });
      else logger.error(REJECTED_LOG_MESSAGE, { rawKey: key, reason: outcome.reason, rejectedKey: outcome.rejectedKey });
      outcomes.push(outcome);
    }
    const crawlers: Record<string, CrawlerStart> = {};
    if (outcomes.some((o) => o.status === "transformed")) {
      for (const name of settings.crawlerNames) crawlers[name] = await startCrawler(name);
      logger.info("crawlers", { crawlers });
    }
    const result = { outcomes, crawlers };
    if (failed.length > 0) throw new RecordsFailedError(failed, result);
    return result;
  };
}

/** What the deployed function runs once per cold start (see components/handlerBundle.ts): names from the environment. */
export function transformHandlerFromEnv(env: NodeJS.ProcessEnv = process.env): (event: S3NotificationEvent) => Promise<TransformResult> {
  return createTransformHandler({
    bucket: env.LAKE_BUCKET ?? "",
    crawlerNames: (env.CRAWLER_NAMES ?? "").split(",").filter((n) => n.length > 0),
  });
}
