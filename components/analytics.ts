/**
 * Athena: the workgroup analysts use (engine 3, settings enforced, encrypted results, a
 * bytes-scanned cutoff, CloudWatch metrics), the sql/queries as saved named queries, and the
 * views function that publishes sql/views: at deploy time (an aws.lambda.Invocation whose
 * trigger is a hash of the views' SQL, so `pulumi up` publishes them on the first deploy and
 * again whenever a view's SQL changes) and after each successful crawl.
 *
 * Views through Athena rather than Glue VIRTUAL_VIEW tables: Athena parses the SQL and writes
 * the view definition itself, so a wrong view fails loudly at publish time, and the same SQL
 * files run unchanged in DuckDB locally; a hand-made Presto view blob is undocumented and its
 * column list would have to be kept in step with the SQL by hand.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "node:crypto";
import { crawlerStateChangePattern } from "./catalog";
import { VIEWS_ENV, type PublishOnDeployEvent, type ViewSql } from "../contracts/views";
import { athenaWorkgroupBinding, glueArns, glueDatabaseBinding, type Binding } from "./bindings";
import { HANDLERS } from "./handlerRegistry";
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
  /** The declared tables the views read: published only once they exist. */
  tables: pulumi.Resource[];
  views: ViewSql[];
  queries: NamedQuerySql[];
  bytesScannedCutoffMb: number;
  logRetentionDays: number;
  /** X-Ray active tracing on the functions (config "tracing"). */
  tracing?: boolean;
}

/** The SHA-256 of the views' names and SQL, in order: changes exactly when a view's SQL (or the list) changes. */
export function viewsSqlHash(views: ViewSql[]): string {
  return createHash("sha256").update(JSON.stringify(views.map((v) => [v.name, v.sql]))).digest("hex");
}

export function checkAnalyticsArgs(args: AnalyticsArgs): void {
  if (!(Math.round(args.bytesScannedCutoffMb * 1024 * 1024) >= MIN_BYTES_SCANNED_CUTOFF)) {
    throw new Error(`athenaBytesScannedCutoffMb is ${args.bytesScannedCutoffMb}: Athena's minimum is 10 (MB).`);
  }
  const names = args.views.map((v) => v.name);
  if (new Set(names).size !== names.length) throw new Error(`Two views share a name: ${names.join(", ")}.`);
}

/**
 * What running Athena DDL (CREATE OR REPLACE VIEW) needs in the Glue catalog. Athena user guide,
 * "Configure access to databases and tables in the AWS Glue Data Catalog", section "Mandatory:
 * access policy to the default database and catalog per AWS Region": glue:GetDatabase and
 * glue:CreateDatabase on the catalog and on the `default` database, whatever database the query
 * uses (Athena creates `default` when it is missing). Both are granted, as the guide lists them.
 */
export const ATHENA_DEFAULT_DATABASE_ACTIONS = ["glue:GetDatabase", "glue:CreateDatabase", "glue:GetDatabases"];

export function viewsGlueBinding(database: aws.glue.CatalogDatabase, parent: pulumi.Resource): Binding {
  const arns = glueArns(parent);
  const own = glueDatabaseBinding(VIEWS_ENV.database, database, arns, ["glue:GetDatabase", "glue:GetTable", "glue:GetTables", "glue:CreateTable", "glue:UpdateTable", "glue:GetPartitions"], ["*"]);
  return {
    env: own.env,
    statements: [...own.statements, { Effect: "Allow", Action: ATHENA_DEFAULT_DATABASE_ACTIONS, Resource: [arns.catalog, arns.database("default")] }],
  };
}

export class Analytics extends pulumi.ComponentResource {
  readonly workgroup: aws.athena.Workgroup;
  readonly namedQueries: aws.athena.NamedQuery[];
  readonly viewsFunction: PipelineFunction;
  readonly viewsRule: aws.cloudwatch.EventRule;
  readonly publishOnDeploy: aws.lambda.Invocation;

  constructor(name: string, args: AnalyticsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("spotify-pipeline:index:Analytics", name, {}, opts);
    checkAnalyticsArgs(args);
    const cutoffBytes = Math.round(args.bytesScannedCutoffMb * 1024 * 1024);

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

    this.viewsFunction = pipelineFunction(
      `${name}-views`,
      {
        description: "Publishes sql/views to Athena (CREATE OR REPLACE VIEW) on deploy and after a successful crawl.",
        handler: HANDLERS.views,
        handlerArgs: [args.views.map((v) => ({ name: v.name, sql: v.sql }))],
        bindings: [
          athenaWorkgroupBinding(VIEWS_ENV.workgroup, this.workgroup, args.resultsBucket, QUERY_RESULTS_PREFIX),
          viewsGlueBinding(args.database, this),
        ],
        timeoutSeconds: 300,
        memoryMb: 256,
        logRetentionDays: args.logRetentionDays,
        tracing: args.tracing,
      },
      this,
    );

    // aws.lambda.Invocation invokes the function (RequestResponse) when it is created or replaced,
    // and again when a value in `triggers` changes (Pulumi AWS provider, lambda.Invocation:
    // "Map of arbitrary keys and values that, when changed, will trigger a re-invocation"). A
    // failed publication fails `pulumi up` with the function's error.
    const sqlSha256 = viewsSqlHash(args.views);
    const event: PublishOnDeployEvent = { reason: "deploy", sqlSha256 };
    this.publishOnDeploy = new aws.lambda.Invocation(
      `${name}-publish-views`,
      { functionName: this.viewsFunction.fn.name, input: JSON.stringify(event), triggers: { sqlSha256 } },
      { parent: this, dependsOn: [this.viewsFunction.fn, this.viewsFunction.policy, ...args.tables] },
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
