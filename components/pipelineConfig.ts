/**
 * The stack configuration (declared with types, descriptions and defaults in Pulumi.yaml),
 * read and checked in one place. Secret values stay Outputs marked secret: they only reach
 * the Secrets Manager secret.
 */
import * as pulumi from "@pulumi/pulumi";
import { normalizePlaylistId } from "../lib/lake/layout";
import type { SpotifyPipelineArgs } from "./spotifyPipeline";

export type PipelineConfig = Omit<SpotifyPipelineArgs, "views" | "queries">;

export const CONFIG_DEFAULTS = {
  schedule: "cron(0 6 * * ? *)",
  authMode: "refresh_token",
  rawInfrequentAccessAfterDays: 30,
  rawGlacierAfterDays: 180,
  noncurrentVersionExpireDays: 90,
  queryResultsExpireDays: 30,
  extractMemoryMb: 512,
  extractTimeoutSeconds: 300,
  extractReservedConcurrency: 1,
  spotifyConcurrency: 4,
  transformMemoryMb: 1024,
  transformTimeoutSeconds: 120,
  athenaBytesScannedCutoffMb: 1024,
  logRetentionDays: 30,
  stalenessAlarmHours: 26,
} as const;

/** A Glue/Athena-safe database name from project and stack: "spotify_pipeline_dev". */
export function defaultDatabaseName(project: string, stack: string): string {
  return `${project}_${stack}`.toLowerCase().replace(/[^a-z0-9_]+/g, "_").replace(/^_+|_+$/g, "").slice(0, 200);
}

function wholeNumber(config: pulumi.Config, key: string, fallback: number, min: number, max: number): number {
  const value = config.getNumber(key) ?? fallback;
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`Config "${key}" is ${value}: use a whole number from ${min} to ${max} (\`pulumi config set ${key} <n>\`).`);
  }
  return value;
}

export function readPipelineConfig(config: pulumi.Config = new pulumi.Config(), project = pulumi.getProject(), stack = pulumi.getStack()): PipelineConfig {
  const rawPlaylists = config.requireObject<unknown>("playlists");
  if (!Array.isArray(rawPlaylists) || rawPlaylists.length === 0 || rawPlaylists.some((p) => typeof p !== "string")) {
    throw new Error(`Config "playlists" must be a non-empty list of playlist ids, e.g. \`pulumi config set --path 'playlists[0]' 1Cp6VQCKf2VL4sP09jN9oX\`.`);
  }
  const playlists = (rawPlaylists as string[]).map(normalizePlaylistId);

  const authMode = config.get("authMode") ?? CONFIG_DEFAULTS.authMode;
  if (authMode !== "refresh_token" && authMode !== "client_credentials") {
    throw new Error(`Config "authMode" is "${authMode}": use refresh_token (development-mode apps) or client_credentials (extended quota).`);
  }
  const schedule = config.get("schedule") ?? CONFIG_DEFAULTS.schedule;
  if (!/^(cron|rate)\(.+\)$/.test(schedule)) {
    throw new Error(`Config "schedule" is "${schedule}": use an EventBridge expression such as cron(0 6 * * ? *) or rate(1 day).`);
  }
  const reserved = config.getNumber("extractReservedConcurrency") ?? CONFIG_DEFAULTS.extractReservedConcurrency;
  if (reserved !== -1 && (!Number.isInteger(reserved) || reserved < 1 || reserved > 10)) {
    throw new Error(`Config "extractReservedConcurrency" is ${reserved}: use 1 to 10, or -1 for no reservation (accounts with a concurrency limit of 10 cannot reserve any).`);
  }
  const cutoffMb = config.getNumber("athenaBytesScannedCutoffMb") ?? CONFIG_DEFAULTS.athenaBytesScannedCutoffMb;
  if (!(cutoffMb >= 10)) throw new Error(`Config "athenaBytesScannedCutoffMb" is ${cutoffMb}: Athena's minimum is 10.`);

  return {
    playlists,
    schedule,
    authMode,
    spotifyClientId: config.require("spotifyClientId"),
    spotifyClientSecret: authMode === "client_credentials" ? config.requireSecret("spotifyClientSecret") : config.getSecret("spotifyClientSecret"),
    spotifyRefreshToken: authMode === "refresh_token" ? config.requireSecret("spotifyRefreshToken") : undefined,
    databaseName: config.get("databaseName") || defaultDatabaseName(project, stack),
    rawInfrequentAccessAfterDays: wholeNumber(config, "rawInfrequentAccessAfterDays", CONFIG_DEFAULTS.rawInfrequentAccessAfterDays, 30, 3650),
    rawGlacierAfterDays: wholeNumber(config, "rawGlacierAfterDays", CONFIG_DEFAULTS.rawGlacierAfterDays, 60, 36500),
    noncurrentVersionExpireDays: wholeNumber(config, "noncurrentVersionExpireDays", CONFIG_DEFAULTS.noncurrentVersionExpireDays, 1, 36500),
    queryResultsExpireDays: wholeNumber(config, "queryResultsExpireDays", CONFIG_DEFAULTS.queryResultsExpireDays, 1, 3650),
    forceDestroyBuckets: config.getBoolean("forceDestroyBuckets") ?? false,
    extractMemoryMb: wholeNumber(config, "extractMemoryMb", CONFIG_DEFAULTS.extractMemoryMb, 128, 10240),
    extractTimeoutSeconds: wholeNumber(config, "extractTimeoutSeconds", CONFIG_DEFAULTS.extractTimeoutSeconds, 30, 900),
    extractReservedConcurrency: reserved === -1 ? undefined : reserved,
    spotifyConcurrency: wholeNumber(config, "spotifyConcurrency", CONFIG_DEFAULTS.spotifyConcurrency, 1, 16),
    transformMemoryMb: wholeNumber(config, "transformMemoryMb", CONFIG_DEFAULTS.transformMemoryMb, 256, 10240),
    transformTimeoutSeconds: wholeNumber(config, "transformTimeoutSeconds", CONFIG_DEFAULTS.transformTimeoutSeconds, 10, 900),
    athenaBytesScannedCutoffMb: cutoffMb,
    logRetentionDays: wholeNumber(config, "logRetentionDays", CONFIG_DEFAULTS.logRetentionDays, 1, 3653),
    stalenessAlarmHours: wholeNumber(config, "stalenessAlarmHours", CONFIG_DEFAULTS.stalenessAlarmHours, 1, 168),
    alarmEmail: config.get("alarmEmail") || undefined,
  };
}
