/**
 * What the smoke check needs: names from the stack's outputs (or flags), the playlist, the
 * region, and the bound of each wait. Built by options.ts, read by the steps.
 */
import type { AthenaClient } from "@aws-sdk/client-athena";
import type { GlueClient } from "@aws-sdk/client-glue";
import type { LambdaClient } from "@aws-sdk/client-lambda";
import type { S3Client } from "@aws-sdk/client-s3";
import type { Clock } from "./clock";

export interface SmokeWaits {
  /** The raw snapshot is written before the extractor returns: S3 shows it at once. */
  rawMs: number;
  /** S3 notification, transform run, and its retries. */
  tablesMs: number;
  /** Until the catalog lists the day's partition (a crawl takes a few minutes). */
  partitionMs: number;
  /** One Athena query, including a wait for the views to be published. */
  queryMs: number;
  pollMs: number;
}

/** Defaults of the bounds, in seconds (the flags take seconds too). */
export const DEFAULT_WAIT_S = { raw: 60, tables: 300, partition: 900, query: 300, poll: 5 } as const;
export const DEFAULT_EXTRACT_ATTEMPTS = 5;

export interface SmokeSettings {
  region: string;
  lakeBucket: string;
  extractFunction: string;
  /** Only for the hints: a failure still names the output to read when these are absent. */
  transformFunction?: string;
  viewsFunction?: string;
  crawlerNames: string[];
  athenaConsoleUrl?: string;
  database: string;
  workgroup: string;
  playlistId: string;
  /** Invocations of the extractor while it reports ExtractionIncompleteError (contract C4). */
  extractAttempts: number;
  waits: SmokeWaits;
}

export interface SmokeClients {
  lambda: LambdaClient;
  s3: S3Client;
  glue: GlueClient;
  athena: AthenaClient;
}

/** What every step receives. */
export interface StepContext {
  settings: SmokeSettings;
  clients: SmokeClients;
  clock: Clock;
  /** Function name to the log group Lambda reports for it (filled by runSmoke; else the default). */
  logGroups?: ReadonlyMap<string, string>;
}
