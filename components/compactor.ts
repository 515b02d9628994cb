/**
 * Compaction on AWS: a function on the extraction's own daily rule (a second target of the same
 * EventBridge rule, so it needs no schedule of its own) compacts the day before, whose extraction
 * window closed a day earlier, and switches that day's Glue partitions to the compacted folders
 * (handlers/compact.ts). A Lambda rather than Athena CTAS or a Glue ETL job: it runs the same
 * lib/compact code as `npm start`, is tested here end to end under mocks, and costs one short
 * invocation a day; Glue's managed compaction serves Iceberg tables only.
 *
 * Its role reads the table files, writes only under transformed_data/compacted/, and may update
 * or create the partitions of the declared tables.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { COMPACTED_PREFIX, TRANSFORMED_PREFIX } from "../lib/lake/layout";
import { COMPACT_ENV } from "../contracts/compact";
import { bucketBinding, glueArns, glueDatabaseBinding } from "./bindings";
import type { ExtractionSchedule } from "./extractor";
import { HANDLERS } from "./handlerRegistry";
import { pipelineFunction, type PipelineFunction } from "./lambdaCode";

/** Glue API: switch a day's partitions (BatchUpdatePartition), create one the transform did not register (BatchCreatePartition). */
export const COMPACT_GLUE_ACTIONS = ["glue:BatchUpdatePartition", "glue:BatchCreatePartition"];
/** One day of 100 playlists is about 1,200 small files to read and 12 to write. */
export const COMPACT_MEMORY_MB = 1024;
export const COMPACT_TIMEOUT_SECONDS = 300;

export interface CompactorArgs {
  lakeBucket: aws.s3.Bucket;
  database: aws.glue.CatalogDatabase;
  /** The declared tables whose partitions it switches (catalogTableName of each). */
  tableNames: string[];
  /** The extraction's daily rule: the compactor is its second target. */
  schedule: ExtractionSchedule;
  logRetentionDays: number;
  /** X-Ray active tracing (config "tracing"), as every function of the pipeline. */
  tracing?: boolean;
}

export class Compactor extends pulumi.ComponentResource {
  readonly function: PipelineFunction;

  constructor(name: string, args: CompactorArgs, opts?: pulumi.ComponentResourceOptions) {
    super("spotify-pipeline:index:Compactor", name, {}, opts);
    this.function = pipelineFunction(
      `${name}-fn`,
      {
        description: "Compacts the previous day's per-playlist table files into one file per table and switches the day's Glue partitions to them.",
        handler: HANDLERS.compact,
        bindings: [
          bucketBinding(COMPACT_ENV.bucket, args.lakeBucket, { read: [TRANSFORMED_PREFIX], write: [COMPACTED_PREFIX], list: [TRANSFORMED_PREFIX] }),
          glueDatabaseBinding(COMPACT_ENV.database, args.database, glueArns(this), COMPACT_GLUE_ACTIONS, args.tableNames),
        ],
        memoryMb: COMPACT_MEMORY_MB,
        timeoutSeconds: COMPACT_TIMEOUT_SECONDS,
        logRetentionDays: args.logRetentionDays,
        tracing: args.tracing,
      },
      this,
    );
    const fn = this.function.fn;
    const invoke = new aws.lambda.Permission(
      `${name}-from-schedule`,
      { action: "lambda:InvokeFunction", function: fn.name, principal: "events.amazonaws.com", sourceArn: args.schedule.rule.arn },
      { parent: this },
    );
    new aws.cloudwatch.EventTarget(`${name}-schedule-target`, { rule: args.schedule.rule.name, arn: fn.arn }, { parent: this, dependsOn: [invoke] });
    this.registerOutputs({ functionName: fn.name });
  }
}
