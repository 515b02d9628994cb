/**
 * The stack configuration (declared with types, descriptions and defaults in Pulumi.yaml, which
 * the Pulumi CLI applies), read and checked once here and handed to each component as its slice.
 * CONFIG_DEFAULTS repeats Pulumi.yaml's defaults for runs without the CLI (tests under mocks);
 * test/pipelineConfig.test.ts holds the two equal. Secret values stay Outputs marked secret: they
 * only reach the Secrets Manager secret.
 */
import * as pulumi from "@pulumi/pulumi";
import { parsePlaylists } from "../contracts/fanout";
import { AUTH_MODES, type AuthMode } from "../contracts/extract";
import { parseWholeNumber } from "../contracts/env";
import type { AnalyticsArgs } from "./analytics";
import type { CatalogArgs } from "./catalog";
import type { DataLakeArgs } from "./dataLake";
import { PLAYLISTS_FIX, type ExtractorArgs } from "./extractor";
import type { MonitoringArgs } from "./monitoring";
import type { TransformerArgs } from "./transformer";

export const CONFIG_DEFAULTS = {
  authMode: "refresh_token",
  schedule: "cron(0 6 * * ? *)",
  crawlSchedule: "cron(0 12 * * ? *)",
  databaseName: "",
  rawInfrequentAccessAfterDays: 30,
  rawGlacierAfterDays: 180,
  noncurrentVersionExpireDays: 90,
  queryResultsExpireDays: 30,
  forceDestroyLake: false,
  accessLogsExpireDays: 90,
  tracing: false,
  extractMemoryMb: 512,
  extractTimeoutSeconds: 300,
  extractMaxConcurrency: 2,
  spotifyConcurrency: 4,
  spotifyCacheMaxAgeDays: 30,
  spotifyCacheDailyRefresh: 250,
  transformMemoryMb: 1024,
  transformTimeoutSeconds: 120,
  athenaBytesScannedCutoffMb: 1024,
  logRetentionDays: 30,
  stalenessAlarmHours: 26,
  alarmEmail: "",
} as const;

/** Whole-number settings and the range each accepts. */
export const WHOLE_NUMBER_RANGES = {
  rawInfrequentAccessAfterDays: { min: 30, max: 3650 },
  rawGlacierAfterDays: { min: 60, max: 36500 },
  noncurrentVersionExpireDays: { min: 1, max: 36500 },
  queryResultsExpireDays: { min: 1, max: 3650 },
  accessLogsExpireDays: { min: 1, max: 3650 },
  extractMemoryMb: { min: 128, max: 10240 },
  extractTimeoutSeconds: { min: 30, max: 900 },
  extractMaxConcurrency: { min: 2, max: 1000 },
  spotifyConcurrency: { min: 1, max: 16 },
  spotifyCacheMaxAgeDays: { min: 1, max: 3650 },
  spotifyCacheDailyRefresh: { min: 0, max: 100_000 },
  transformMemoryMb: { min: 256, max: 10240 },
  transformTimeoutSeconds: { min: 10, max: 900 },
  athenaBytesScannedCutoffMb: { min: 10, max: 1_048_576 },
  logRetentionDays: { min: 1, max: 3653 },
  stalenessAlarmHours: { min: 1, max: 168 },
} as const;

type WholeNumberKey = keyof typeof WHOLE_NUMBER_RANGES;

/** Keys an older version of this program read, with what replaced them: a clear error beats a silently ignored setting. */
export const RETIRED_KEYS: Record<string, string> = {
  extractReservedConcurrency: "extractMaxConcurrency (the extract queue's maximum concurrency, 2 or more; reserved concurrency fails on new accounts)",
  forceDestroyBuckets: "forceDestroyLake (the Athena results bucket is now always removed with the stack)",
};

/** The client id Pulumi.dev.yaml ships with: a deploy with it could never sign in. */
export const CLIENT_ID_PLACEHOLDER = "replace-with-your-app-client-id";

/** Each component's slice of the configuration (SpotifyPipeline adds the resources they share). */
export interface PipelineConfig {
  lake: DataLakeArgs;
  catalog: Omit<CatalogArgs, "lakeBucket">;
  extractor: Omit<ExtractorArgs, "lakeBucket" | "logRetentionDays">;
  transformer: Pick<TransformerArgs, "memoryMb" | "timeoutSeconds">;
  analytics: Pick<AnalyticsArgs, "bytesScannedCutoffMb">;
  monitoring: Pick<MonitoringArgs, "stalenessHours" | "alarmEmail">;
  logRetentionDays: number;
  /** X-Ray active tracing on every function. */
  tracing: boolean;
}

/** A Glue/Athena-safe database name from project and stack: "spotify_pipeline_dev". */
export function defaultDatabaseName(project: string, stack: string): string {
  return `${project}_${stack}`.toLowerCase().replace(/[^a-z0-9_]+/g, "_").replace(/^_+|_+$/g, "").slice(0, 200);
}

export function readPipelineConfig(config: pulumi.Config = new pulumi.Config(), project = pulumi.getProject(), stack = pulumi.getStack()): PipelineConfig {
  for (const [key, replacement] of Object.entries(RETIRED_KEYS)) {
    if (config.get(key) !== undefined) throw new Error(`Config "${key}" is no longer read: use ${replacement}, then \`pulumi config rm ${key}\`.`);
  }
  const num = (key: WholeNumberKey): number =>
    parseWholeNumber(config.get(key) ?? CONFIG_DEFAULTS[key], `Config "${key}"`, WHOLE_NUMBER_RANGES[key], `\`pulumi config set ${key} <n>\``);
  const text = (key: "schedule" | "crawlSchedule" | "databaseName" | "alarmEmail" | "authMode"): string => config.get(key) || CONFIG_DEFAULTS[key];

  const playlists = parsePlaylists(config.requireObject<unknown>("playlists"), 'Config "playlists"', PLAYLISTS_FIX);
  const clientId = config.require("spotifyClientId");
  if (clientId.trim() === "" || clientId === CLIENT_ID_PLACEHOLDER) {
    throw new Error(
      `Config "spotifyClientId" is "${clientId}", the example's placeholder: copy the Client ID of your app from https://developer.spotify.com/dashboard, ` +
        `then \`pulumi config set spotifyClientId <client id>\`.`,
    );
  }
  const authMode = text("authMode");
  if (!(AUTH_MODES as readonly string[]).includes(authMode)) {
    throw new Error(`Config "authMode" is "${authMode}": use refresh_token (development-mode apps) or client_credentials (extended quota).`);
  }
  const schedule = text("schedule");
  if (!/^(cron|rate)\(.+\)$/.test(schedule)) {
    throw new Error(`Config "schedule" is "${schedule}": use an EventBridge expression such as cron(0 6 * * ? *) or rate(1 day).`);
  }
  const forceDestroyLake = config.getBoolean("forceDestroyLake") ?? CONFIG_DEFAULTS.forceDestroyLake;
  const tracing = config.getBoolean("tracing") ?? CONFIG_DEFAULTS.tracing;

  return {
    lake: {
      rawInfrequentAccessAfterDays: num("rawInfrequentAccessAfterDays"),
      rawGlacierAfterDays: num("rawGlacierAfterDays"),
      noncurrentVersionExpireDays: num("noncurrentVersionExpireDays"),
      queryResultsExpireDays: num("queryResultsExpireDays"),
      forceDestroyLake,
      accessLogsExpireDays: num("accessLogsExpireDays"),
    },
    catalog: { databaseName: text("databaseName") || defaultDatabaseName(project, stack), crawlSchedule: text("crawlSchedule") },
    extractor: {
      playlists,
      schedule,
      authMode: authMode as AuthMode,
      clientId,
      clientSecret: authMode === "client_credentials" ? config.requireSecret("spotifyClientSecret") : config.getSecret("spotifyClientSecret"),
      refreshToken: authMode === "refresh_token" ? config.requireSecret("spotifyRefreshToken") : undefined,
      memoryMb: num("extractMemoryMb"),
      timeoutSeconds: num("extractTimeoutSeconds"),
      maxConcurrency: num("extractMaxConcurrency"),
      spotifyConcurrency: num("spotifyConcurrency"),
      cacheMaxAgeDays: num("spotifyCacheMaxAgeDays"),
      cacheDailyRefresh: num("spotifyCacheDailyRefresh"),
    },
    transformer: { memoryMb: num("transformMemoryMb"), timeoutSeconds: num("transformTimeoutSeconds") },
    analytics: { bytesScannedCutoffMb: num("athenaBytesScannedCutoffMb") },
    monitoring: { stalenessHours: num("stalenessAlarmHours"), alarmEmail: text("alarmEmail") || undefined },
    logRetentionDays: num("logRetentionDays"),
    tracing,
  };
}
