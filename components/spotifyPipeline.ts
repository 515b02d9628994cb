/**
 * The whole pipeline: lake → extractor (schedule → fan-out of the playlist list → queue → Lambda) → raw snapshot → transformer
 * (S3 trigger) → tables + partitions in the declared catalog → views (published on deploy and
 * after crawls) → Athena workgroup, watched by monitoring; daily crawlers catch drift. Each
 * component gets its slice of the configuration (components/pipelineConfig.ts) plus the
 * resources it shares with the others. Every child is parented here and name-prefixed, so two
 * stacks or two instances never collide.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { TRANSFORM_LOG } from "../contracts/transform";
import type { ViewSql } from "../contracts/views";
import { Analytics, type NamedQuerySql } from "./analytics";
import { Catalog } from "./catalog";
import { DataLake } from "./dataLake";
import { Compactor } from "./compactor";
import { Extractor } from "./extractor";
import { Monitoring } from "./monitoring";
import type { PipelineConfig } from "./pipelineConfig";
import { Transformer } from "./transformer";

export interface SpotifyPipelineArgs extends PipelineConfig {
  views: ViewSql[];
  queries: NamedQuerySql[];
}

export class SpotifyPipeline extends pulumi.ComponentResource {
  readonly lake: DataLake;
  readonly catalog: Catalog;
  readonly extractor: Extractor;
  readonly compactor: Compactor;
  readonly transformer: Transformer;
  readonly analytics: Analytics;
  readonly monitoring: Monitoring;
  readonly athenaConsoleUrl: pulumi.Output<string>;

  constructor(name: string, args: SpotifyPipelineArgs, opts?: pulumi.ComponentResourceOptions) {
    super("spotify-pipeline:index:SpotifyPipeline", name, {}, opts);
    const parent = { parent: this };
    const { logRetentionDays, tracing } = args;

    this.lake = new DataLake(`${name}-lake`, args.lake, parent);
    const lakeBucket = this.lake.lakeBucket;
    this.catalog = new Catalog(`${name}-catalog`, { ...args.catalog, lakeBucket }, parent);
    this.extractor = new Extractor(`${name}-extractor`, { ...args.extractor, lakeBucket, logRetentionDays, tracing }, parent);
    // Compaction: on the extraction's daily rule, the previous day becomes one file per table (issue 20);
    // the transform asks it to compact a compacted day again after a late re-transform.
    this.compactor = new Compactor(
      `${name}-compactor`,
      { lakeBucket, database: this.catalog.database, tableNames: this.catalog.tableNames, schedule: this.extractor.schedule, logRetentionDays, tracing },
      parent,
    );
    this.transformer = new Transformer(
      `${name}-transformer`,
      { ...args.transformer, lakeBucket, database: this.catalog.database, tableNames: this.catalog.tableNames, logRetentionDays, tracing, compactFunction: this.compactor.function.fn },
      parent,
    );
    this.analytics = new Analytics(
      `${name}-analytics`,
      {
        ...args.analytics,
        resultsBucket: this.lake.resultsBucket,
        database: this.catalog.database,
        tables: Object.values(this.catalog.tables),
        // The views read the Parquet tables (the CSV copies are for spreadsheets), so the Parquet crawl republishes them.
        viewTriggerCrawlerNames: this.catalog.crawlers.parquet.name.apply((n) => [n]),
        views: args.views,
        queries: args.queries,
        logRetentionDays,
        tracing,
      },
      parent,
    );
    this.monitoring = new Monitoring(
      `${name}-monitoring`,
      {
        ...args.monitoring,
        functions: [
          { label: "fanout", fn: this.extractor.fanout.fn, deadLetterQueue: this.extractor.fanout.deadLetterQueue },
          { label: "extract", fn: this.extractor.function.fn, deadLetterQueue: this.extractor.function.deadLetterQueue },
          { label: "transform", fn: this.transformer.function.fn, deadLetterQueue: this.transformer.function.deadLetterQueue },
          { label: "views", fn: this.analytics.viewsFunction.fn, deadLetterQueue: this.analytics.viewsFunction.deadLetterQueue },
          { label: "compact", fn: this.compactor.function.fn, deadLetterQueue: this.compactor.function.deadLetterQueue },
        ],
        crawlerNames: this.catalog.crawlerNames,
        transform: { fn: this.transformer.function.fn, logGroup: this.transformer.function.logGroup, rejectedLogMessage: TRANSFORM_LOG.rejected },
        scheduled: { fn: this.extractor.fanout.fn },
      },
      parent,
    );

    const region = aws.getRegionOutput({}, parent).region;
    this.athenaConsoleUrl = pulumi.interpolate`https://${region}.console.aws.amazon.com/athena/home?region=${region}#/query-editor`;

    this.registerOutputs({
      lakeBucket: lakeBucket.bucket,
      resultsBucket: this.lake.resultsBucket.bucket,
      database: this.catalog.database.name,
      workgroup: this.analytics.workgroup.name,
      athenaConsoleUrl: this.athenaConsoleUrl,
    });
  }
}
