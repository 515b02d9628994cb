/**
 * The whole pipeline: lake → extractor (schedule) → raw snapshot → transformer (S3 trigger)
 * → tables → crawlers → catalog → views (on crawl success) → Athena workgroup, watched by
 * monitoring. Every child is parented here and name-prefixed, so two stacks or two instances
 * never collide.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { REJECTED_LOG_MESSAGE } from "../handlers/transform";
import type { ViewSql } from "../handlers/views";
import { Analytics, type NamedQuerySql } from "./analytics";
import { Catalog } from "./catalog";
import { DataLake } from "./dataLake";
import { Extractor, type AuthMode } from "./extractor";
import { Monitoring } from "./monitoring";
import { Transformer } from "./transformer";

export interface SpotifyPipelineArgs {
  playlists: string[];
  schedule: string;
  authMode: AuthMode;
  spotifyClientId: pulumi.Input<string>;
  spotifyClientSecret?: pulumi.Input<string | undefined>;
  spotifyRefreshToken?: pulumi.Input<string | undefined>;
  databaseName: string;
  views: ViewSql[];
  queries: NamedQuerySql[];
  rawInfrequentAccessAfterDays: number;
  rawGlacierAfterDays: number;
  noncurrentVersionExpireDays: number;
  queryResultsExpireDays: number;
  forceDestroyBuckets: boolean;
  extractMemoryMb: number;
  extractTimeoutSeconds: number;
  extractReservedConcurrency?: number;
  spotifyConcurrency: number;
  transformMemoryMb: number;
  transformTimeoutSeconds: number;
  athenaBytesScannedCutoffMb: number;
  logRetentionDays: number;
  stalenessAlarmHours: number;
  alarmEmail?: string;
}

export class SpotifyPipeline extends pulumi.ComponentResource {
  readonly lake: DataLake;
  readonly catalog: Catalog;
  readonly extractor: Extractor;
  readonly transformer: Transformer;
  readonly analytics: Analytics;
  readonly monitoring: Monitoring;
  readonly athenaConsoleUrl: pulumi.Output<string>;

  constructor(name: string, args: SpotifyPipelineArgs, opts?: pulumi.ComponentResourceOptions) {
    super("spotify-pipeline:index:SpotifyPipeline", name, {}, opts);
    const parent = { parent: this };

    this.lake = new DataLake(
      `${name}-lake`,
      {
        rawInfrequentAccessAfterDays: args.rawInfrequentAccessAfterDays,
        rawGlacierAfterDays: args.rawGlacierAfterDays,
        noncurrentVersionExpireDays: args.noncurrentVersionExpireDays,
        queryResultsExpireDays: args.queryResultsExpireDays,
        forceDestroy: args.forceDestroyBuckets,
      },
      parent,
    );
    this.catalog = new Catalog(`${name}-catalog`, { lakeBucket: this.lake.lakeBucket, databaseName: args.databaseName }, parent);
    this.extractor = new Extractor(
      `${name}-extractor`,
      {
        lakeBucket: this.lake.lakeBucket,
        playlists: args.playlists,
        schedule: args.schedule,
        authMode: args.authMode,
        clientId: args.spotifyClientId,
        clientSecret: args.spotifyClientSecret,
        refreshToken: args.spotifyRefreshToken,
        memoryMb: args.extractMemoryMb,
        timeoutSeconds: args.extractTimeoutSeconds,
        reservedConcurrency: args.extractReservedConcurrency,
        spotifyConcurrency: args.spotifyConcurrency,
        logRetentionDays: args.logRetentionDays,
      },
      parent,
    );
    this.transformer = new Transformer(
      `${name}-transformer`,
      {
        lakeBucket: this.lake.lakeBucket,
        crawlerNames: this.catalog.crawlerNames,
        crawlerArns: this.catalog.crawlerArns,
        memoryMb: args.transformMemoryMb,
        timeoutSeconds: args.transformTimeoutSeconds,
        logRetentionDays: args.logRetentionDays,
      },
      parent,
    );
    this.analytics = new Analytics(
      `${name}-analytics`,
      {
        resultsBucket: this.lake.resultsBucket,
        database: this.catalog.database,
        // The views read the Parquet tables (the CSV copies are for spreadsheets), so the Parquet crawl republishes them.
        viewTriggerCrawlerNames: this.catalog.crawlers.parquet.name.apply((n) => [n]),
        views: args.views,
        queries: args.queries,
        bytesScannedCutoffMb: args.athenaBytesScannedCutoffMb,
        logRetentionDays: args.logRetentionDays,
      },
      parent,
    );
    this.monitoring = new Monitoring(
      `${name}-monitoring`,
      {
        functions: [
          { label: "extract", fn: this.extractor.function.fn, throttledPeriods: 6 },
          { label: "transform", fn: this.transformer.function.fn },
          { label: "views", fn: this.analytics.viewsFunction.fn },
        ],
        deadLetterQueues: [
          { label: "extract", queue: this.extractor.deadLetterQueue },
          { label: "transform", queue: this.transformer.deadLetterQueue },
        ],
        crawlerNames: this.catalog.crawlerNames,
        transform: { fn: this.transformer.function.fn, logGroup: this.transformer.function.logGroup, rejectedLogMessage: REJECTED_LOG_MESSAGE },
        stalenessHours: args.stalenessAlarmHours,
        alarmEmail: args.alarmEmail,
      },
      parent,
    );

    const region = aws.getRegionOutput({}, parent).region;
    this.athenaConsoleUrl = pulumi.interpolate`https://${region}.console.aws.amazon.com/athena/home?region=${region}#/query-editor`;

    this.registerOutputs({
      lakeBucket: this.lake.lakeBucket.bucket,
      resultsBucket: this.lake.resultsBucket.bucket,
      database: this.catalog.database.name,
      workgroup: this.analytics.workgroup.name,
      athenaConsoleUrl: this.athenaConsoleUrl,
    });
  }
}
