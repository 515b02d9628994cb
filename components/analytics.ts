/**
 * Athena: the workgroup analysts use (engine 3, settings enforced, encrypted results, a
 * bytes-scanned cutoff, CloudWatch metrics), the sql/queries as saved named queries, and the
 * views function that publishes sql/views after each successful crawl.
 *
 * Views through Athena rather than Glue VIRTUAL_VIEW tables: Athena parses the SQL and writes
 * the view definition itself, so a wrong view fails loudly at publish time, and the same SQL
 * files run unchanged in DuckDB locally; a hand-made Presto view blob is undocumented and its
 * column list would have to be kept in step with the SQL by hand.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { crawlerStateChangePattern } from "./catalog";
import type { ViewSql } from "../handlers/views";
import { pipelineFunction, type PipelineFunction } from "./lambdaCode";

export const ATHENA_ENGINE_VERSION = "Athena engine version 3";
export const MIN_BYTES_SCANNED_CUTOFF = 10 * 1024 * 1024;
export const QUERY_RESULTS_PREFIX = "results/";

export interface NamedQuerySql {
  name: string;
  description: string;
  sql: string;
}

export interface AnalyticsArgs {
  resultsBucket: aws.s3.Bucket;
  database: aws.glue.CatalogDatabase;
  /** The crawlers whose success republishes the views. */
  viewTriggerCrawlerNames: pulumi.Input<string[]>;
  views: ViewSql[];
  queries: NamedQuerySql[];
  bytesScannedCutoffMb: number;
  logRetentionDays: number;
}

export class Analytics extends pulumi.ComponentResource {
  readonly workgroup: aws.athena.Workgroup;
  readonly namedQueries: aws.athena.NamedQuery[];
  readonly viewsFunction: PipelineFunction;
  readonly viewsRule: aws.cloudwatch.EventRule;

  constructor(name: string, args: AnalyticsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("spotify-pipeline:index:Analytics", name, {}, opts);
    const cutoffBytes = Math.round(args.bytesScannedCutoffMb * 1024 * 1024);
    if (!(cutoffBytes >= MIN_BYTES_SCANNED_CUTOFF)) {
      throw new Error(`athenaBytesScannedCutoffMb is ${args.bytesScannedCutoffMb}: Athena's minimum is 10 (MB).`);
    }

    this.workgroup = new aws.athena.Workgroup(
      `${name}-workgroup`,
      {
        description: "Spotify playlist analytics: results encrypted in the pipeline's results bucket, scans capped.",
        state: "ENABLED",
        // Deleting the workgroup also deletes its saved queries and history; the data lives in S3 and is untouched.
        forceDestroy: true,
        configuration: {
          enforceWorkgroupConfiguration: true,
          publishCloudwatchMetricsEnabled: true,
          bytesScannedCutoffPerQuery: cutoffBytes,
          engineVersion: { selectedEngineVersion: ATHENA_ENGINE_VERSION },
          resultConfiguration: {
            outputLocation: pulumi.interpolate`s3://${args.resultsBucket.bucket}/${QUERY_RESULTS_PREFIX}`,
            encryptionConfiguration: { encryptionOption: "SSE_S3" },
          },
        },
      },
      { parent: this },
    );

    this.namedQueries = args.queries.map(
      (q) =>
        new aws.athena.NamedQuery(
          `${name}-query-${q.name}`,
          { name: q.name, description: q.description.slice(0, 1024), database: args.database.name, workgroup: this.workgroup.name, query: q.sql },
          { parent: this },
        ),
    );

    const region = aws.getRegionOutput({}, { parent: this }).region;
    const account = aws.getCallerIdentityOutput({}, { parent: this }).accountId;
    const glueArn = (what: string) => pulumi.interpolate`arn:aws:glue:${region}:${account}:${what}`;

    this.viewsFunction = pipelineFunction(
      `${name}-views`,
      {
        description: "Publishes sql/views to Athena (CREATE OR REPLACE VIEW) after a successful crawl.",
        handler: { entry: "views", exportName: "viewsHandlerFromEnv", args: [args.views.map((v) => ({ name: v.name, sql: v.sql }))] },
        environment: { ATHENA_WORKGROUP: this.workgroup.name, GLUE_DATABASE: args.database.name },
        timeoutSeconds: 300,
        memoryMb: 256,
        logRetentionDays: args.logRetentionDays,
        statements: [
          { Effect: "Allow", Action: ["athena:StartQueryExecution", "athena:GetQueryExecution"], Resource: this.workgroup.arn },
          {
            Effect: "Allow",
            Action: ["glue:GetDatabase", "glue:GetTable", "glue:GetTables", "glue:CreateTable", "glue:UpdateTable", "glue:GetPartitions"],
            Resource: [glueArn("catalog"), pulumi.interpolate`${glueArn("database/")}${args.database.name}`, pulumi.interpolate`${glueArn("table/")}${args.database.name}/*`],
          },
          {
            Effect: "Allow",
            Action: ["s3:GetBucketLocation", "s3:ListBucket"],
            Resource: args.resultsBucket.arn,
          },
          {
            Effect: "Allow",
            Action: ["s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"],
            Resource: pulumi.interpolate`${args.resultsBucket.arn}/${QUERY_RESULTS_PREFIX}*`,
          },
        ],
      },
      this,
    );

    this.viewsRule = new aws.cloudwatch.EventRule(
      `${name}-crawl-succeeded`,
      {
        description: "A crawl of the lake's tables succeeded: republish the views.",
        eventPattern: crawlerStateChangePattern(args.viewTriggerCrawlerNames, "Succeeded"),
      },
      { parent: this },
    );
    const invokeViews = new aws.lambda.Permission(
      `${name}-views-from-events`,
      { action: "lambda:InvokeFunction", function: this.viewsFunction.fn.name, principal: "events.amazonaws.com", sourceArn: this.viewsRule.arn },
      { parent: this },
    );
    new aws.cloudwatch.EventTarget(
      `${name}-views-target`,
      { rule: this.viewsRule.name, arn: this.viewsFunction.fn.arn },
      { parent: this, dependsOn: [invokeViews] },
    );

    this.registerOutputs({ workgroup: this.workgroup.name, viewsFunction: this.viewsFunction.fn.name });
  }
}
