/**
 * The Glue Data Catalog side: a database, one declared table per (format, table) built from
 * lib/tables (contract C1, lib/tables/glueSchema.ts), and one crawler per format that watches
 * for drift.
 *
 * How a new day becomes queryable, and what the crawlers are for:
 * - The transform registers the partitions it wrote itself (Glue BatchCreatePartition, handlers/
 *   partitions.ts) before it returns, so a partition is queryable as soon as the transform of
 *   its snapshot finished (seconds after the raw snapshot landed), with no crawl to wait for or
 *   race with.
 * - The crawlers run on their own schedule and crawl the declared tables themselves (catalog
 *   targets), not S3 paths. Glue API, SchemaChangePolicy: "The SchemaChangePolicy does not affect
 *   whether or how new tables and partitions are added. New tables and partitions are always
 *   created regardless of the SchemaChangePolicy on a crawler", and a crawler's first run is a
 *   full crawl: a crawler on the S3 paths of tables declared here could make tables of its own
 *   next to them. A crawler whose targets are existing catalog tables (Glue API, CatalogTarget: a
 *   database name and its table names) crawls the data behind those tables and adds partitions to
 *   them; with updateBehavior LOG it only logs a drifted schema (the declared table stays as
 *   Pulumi wrote it). Catalog target crawlers take deleteBehavior LOG (not DEPRECATE_IN_DATABASE:
 *   the AWS provider's CrawlerCatalogTarget note). The recrawl policy is left at Glue's default
 *   (crawl everything): "new folders only" was chosen for S3 targets, and this program does not
 *   rely on it for catalog targets. The role cannot create tables at all.
 * - Glue schedules are cron expressions only (Glue developer guide, "Time-based schedules for jobs
 *   and crawlers": cron(Minutes Hours Day-of-month Month Day-of-week Year)); rate(...) is an
 *   EventBridge form that Glue refuses, so it is refused here first.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { FILE_FORMATS, TRANSFORMED_PREFIX, allTableRoots, catalogTableName, type FileFormat } from "../lib/lake/layout";
import { GLUE_PARTITION_KEYS, glueColumns, glueStorage, glueTableParameters } from "../lib/tables/glueSchema";
import { glueArns } from "./bindings";

/** New partitions take the declared table's schema; one table per root. */
export const CRAWLER_CONFIGURATION = {
  Version: 1.0,
  CrawlerOutput: { Partitions: { AddOrUpdateBehavior: "InheritFromTable" } },
  Grouping: { TableGroupingPolicy: "CombineCompatibleSchemas" },
};

/** Where Glue crawlers write their logs (Glue developer guide, "Logging for crawlers": /aws-glue/crawlers). */
export const CRAWLER_LOG_GROUP = "/aws-glue/crawlers";

/**
 * What a crawler of existing tables needs in the catalog: the catalog part of the managed
 * AWSGlueServiceRole the crawler prerequisites name ("AWSGlueServiceRole policy or equivalent (or
 * a scoped down version of this policy)"), scoped to this database and its tables, without
 * CreateTable (catalog targets update existing tables; a table the crawler could make would not
 * be Pulumi's).
 */
export const CRAWLER_GLUE_ACTIONS = [
  "glue:GetDatabase",
  "glue:GetTable",
  "glue:GetTables",
  "glue:UpdateTable",
  "glue:GetPartition",
  "glue:GetPartitions",
  "glue:BatchGetPartition",
  "glue:CreatePartition",
  "glue:BatchCreatePartition",
  "glue:UpdatePartition",
  "glue:BatchUpdatePartition",
];

/** The EventBridge pattern of Glue's "Crawler State Change" events for these crawlers reaching `state`. */
export function crawlerStateChangePattern(crawlerNames: pulumi.Input<string[]>, state: "Succeeded" | "Failed"): pulumi.Output<string> {
  return pulumi.jsonStringify({
    source: ["aws.glue"],
    "detail-type": ["Glue Crawler State Change"],
    detail: { crawlerName: crawlerNames, state: [state] },
  });
}

/** The declared tables a format's crawler crawls (its catalog targets): one per table of that format. */
export function crawlerTableNames(format: FileFormat): string[] {
  return allTableRoots()
    .filter((r) => r.format === format)
    .map((r) => catalogTableName(r.format, r.table));
}

/** Glue takes cron(Minutes Hours Day-of-month Month Day-of-week Year) only: six fields, no rate(). */
export function checkGlueCron(schedule: string): void {
  const m = /^cron\((.+)\)$/.exec(schedule.trim());
  if (!m || m[1].trim().split(/\s+/).length !== 6) {
    throw new Error(
      `crawlSchedule "${schedule}": Glue schedules are cron expressions with six fields, e.g. cron(0 12 * * ? *) (daily at 12:00 UTC); ` +
        `rate(...) is EventBridge's form and Glue refuses it. \`pulumi config set crawlSchedule "cron(0 12 * * ? *)"\`.`,
    );
  }
}

export interface CatalogArgs {
  lakeBucket: aws.s3.Bucket;
  /** Glue database name: lower case letters, digits and underscores (Athena quotes anything else). */
  databaseName: string;
  /** When the drift crawlers run: a Glue cron expression (UTC). */
  crawlSchedule: string;
}

export function checkCatalogArgs(args: CatalogArgs): void {
  if (!/^[a-z0-9_]{1,255}$/.test(args.databaseName)) {
    throw new Error(`Glue database name "${args.databaseName}" must use only lower case letters, digits and underscores.`);
  }
  checkGlueCron(args.crawlSchedule);
}

export class Catalog extends pulumi.ComponentResource {
  readonly database: aws.glue.CatalogDatabase;
  /** Keyed by catalogTableName(format, table). */
  readonly tables: Record<string, aws.glue.CatalogTable> = {};
  readonly tableNames: string[];
  readonly csvClassifier: aws.glue.Classifier;
  readonly crawlerRole: aws.iam.Role;
  readonly crawlers: Record<FileFormat, aws.glue.Crawler>;
  readonly crawlerNames: pulumi.Output<string[]>;

  constructor(name: string, args: CatalogArgs, opts?: pulumi.ComponentResourceOptions) {
    super("spotify-pipeline:index:Catalog", name, {}, opts);
    checkCatalogArgs(args);

    this.database = new aws.glue.CatalogDatabase(
      `${name}-database`,
      { name: args.databaseName, description: "Spotify playlist snapshots: tables declared by Pulumi from lib/tables, partitions registered by the transform, views by the views function." },
      { parent: this },
    );
    this.declareTables(name, args);
    this.tableNames = Object.keys(this.tables);
    this.csvClassifier = new aws.glue.Classifier(
      `${name}-csv-header`,
      { csvClassifier: { containsHeader: "PRESENT", delimiter: ",", quoteSymbol: '"' } },
      { parent: this },
    );
    const { role, policy } = this.crawlerRoleAndPolicy(name, args);
    this.crawlerRole = role;
    this.crawlers = this.driftCrawlers(name, args, policy);
    this.crawlerNames = pulumi.all(FILE_FORMATS.map((f) => this.crawlers[f].name));
    this.registerOutputs({ database: this.database.name, crawlerNames: this.crawlerNames, tables: this.tableNames });
  }

  /** One EXTERNAL_TABLE per (format, table): columns, partition keys, SerDe and location from lib/tables and lib/lake. */
  private declareTables(name: string, args: CatalogArgs): void {
    for (const { format, table, root } of allTableRoots()) {
      const tableName = catalogTableName(format, table);
      const storage = glueStorage(format);
      this.tables[tableName] = new aws.glue.CatalogTable(
        `${name}-table-${tableName}`,
        {
          databaseName: this.database.name,
          name: tableName,
          description: `${table} as ${format} files, one folder per snapshot_date (${root}).`,
          tableType: "EXTERNAL_TABLE",
          parameters: glueTableParameters(format),
          partitionKeys: GLUE_PARTITION_KEYS.map((k) => ({ ...k })),
          storageDescriptor: {
            location: pulumi.interpolate`s3://${args.lakeBucket.bucket}/${root}`,
            inputFormat: storage.inputFormat,
            outputFormat: storage.outputFormat,
            serDeInfo: { serializationLibrary: storage.serializationLibrary, parameters: storage.serdeParameters },
            columns: glueColumns(format, table),
          },
        },
        { parent: this },
      );
    }
  }

  /** No managed AWSGlueServiceRole (glue:* and s3 on *): the catalog of this database, its tables, the table roots, the crawler log group. */
  private crawlerRoleAndPolicy(name: string, args: CatalogArgs): { role: aws.iam.Role; policy: aws.iam.RolePolicy } {
    const role = new aws.iam.Role(
      `${name}-crawler-role`,
      {
        assumeRolePolicy: JSON.stringify({
          Version: "2012-10-17",
          Statement: [{ Effect: "Allow", Principal: { Service: "glue.amazonaws.com" }, Action: "sts:AssumeRole" }],
        }),
      },
      { parent: this },
    );
    const arns = glueArns(this);
    const region = aws.getRegionOutput({}, { parent: this }).region;
    const account = aws.getCallerIdentityOutput({}, { parent: this }).accountId;
    const logGroupArn = pulumi.interpolate`arn:aws:logs:${region}:${account}:log-group:${CRAWLER_LOG_GROUP}`;
    const policy = new aws.iam.RolePolicy(
      `${name}-crawler-policy`,
      {
        role: role.id,
        policy: pulumi.jsonStringify({
          Version: "2012-10-17",
          Statement: [
            {
              Effect: "Allow",
              Action: CRAWLER_GLUE_ACTIONS,
              Resource: [arns.catalog, arns.database(this.database.name), arns.tables(this.database.name)],
            },
            { Effect: "Allow", Action: ["s3:GetObject"], Resource: pulumi.interpolate`${args.lakeBucket.arn}/${TRANSFORMED_PREFIX}*` },
            { Effect: "Allow", Action: ["s3:ListBucket"], Resource: args.lakeBucket.arn, Condition: { StringLike: { "s3:prefix": [`${TRANSFORMED_PREFIX}*`] } } },
            // AWSGlueServiceRole grants s3:GetBucketLocation (on *): the crawler asks where the bucket is before it reads. Here, on the lake only.
            { Effect: "Allow", Action: ["s3:GetBucketLocation"], Resource: args.lakeBucket.arn },
            { Effect: "Allow", Action: ["logs:CreateLogGroup"], Resource: pulumi.interpolate`${logGroupArn}:*` },
            { Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents"], Resource: pulumi.interpolate`${logGroupArn}:log-stream:*` },
          ],
        }),
      },
      { parent: this },
    );
    return { role, policy };
  }

  private driftCrawlers(name: string, args: CatalogArgs, policy: aws.iam.RolePolicy): Record<FileFormat, aws.glue.Crawler> {
    const crawlers = {} as Record<FileFormat, aws.glue.Crawler>;
    for (const format of FILE_FORMATS) {
      crawlers[format] = new aws.glue.Crawler(
        `${name}-${format}-crawler`,
        {
          databaseName: this.database.name,
          role: this.crawlerRole.arn,
          description: `Adds ${format} partitions the transform did not register to the declared tables and logs schema drift (catalog targets: it makes no table).`,
          schedule: args.crawlSchedule,
          catalogTargets: [{ databaseName: this.database.name, tables: crawlerTableNames(format) }],
          classifiers: format === "csv" ? [this.csvClassifier.name] : [],
          configuration: JSON.stringify(CRAWLER_CONFIGURATION),
          schemaChangePolicy: { updateBehavior: "LOG", deleteBehavior: "LOG" },
        },
        { parent: this, dependsOn: [policy, ...Object.values(this.tables)] },
      );
    }
    return crawlers;
  }
}
