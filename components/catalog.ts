/**
 * The Glue Data Catalog side: a database, one declared table per (format, table) built from
 * lib/tables (contract C1, lib/tables/glueSchema.ts), and one crawler per format that watches
 * for drift.
 *
 * How a new day becomes queryable, and what the crawlers cost:
 * - The transform registers the partitions it wrote itself (Glue BatchCreatePartition, handlers/
 *   partitions.ts) before it returns, so a partition is queryable as soon as the transform of
 *   its snapshot finished (seconds after the raw snapshot landed), with no crawl to wait for or
 *   race with.
 * - The crawlers run once a day on their own schedule with recrawlPolicy CRAWL_NEW_FOLDERS_ONLY
 *   (Glue API, RecrawlPolicy: "crawling only folders that were added since the last crawler
 *   run"). Glue developer guide, "Scheduling incremental crawls for adding new partitions": the
 *   first run is a full crawl, later ones add "only the new partitions that have been introduced
 *   since the previous crawl", so a crawl reads one day of folders whatever the lake's age; the
 *   option forces the update and delete behaviour to LOG, and objects with an incompatible schema
 *   are not added but logged to CloudWatch Logs. That is what we want here: the tables are
 *   declared, so a crawler must never rewrite them (Pulumi would put them back); it adds any
 *   partition written outside the transform (a hand-made backfill) and logs drift.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { CSV_TABLE_PREFIX, FILE_FORMATS, TRANSFORMED_PREFIX, allTableRoots, catalogTableName, type FileFormat } from "../lib/lake/layout";
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

/** What a crawler that adds partitions to existing tables and reads their schema needs in the catalog (Glue developer guide, crawler prerequisites). */
export const CRAWLER_GLUE_ACTIONS = [
  "glue:GetDatabase",
  "glue:GetTable",
  "glue:GetTables",
  "glue:CreateTable",
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

/** The table prefix a crawler of this format uses, so a table it creates is named as catalogTableName() says. */
export function crawlerTablePrefix(format: FileFormat): string | undefined {
  return format === "csv" ? CSV_TABLE_PREFIX : undefined;
}

/** The S3 target paths of a format's crawler: one per table root of that format. */
export function crawlerTargetPaths(bucketName: string, format: FileFormat): string[] {
  return allTableRoots()
    .filter((r) => r.format === format)
    .map((r) => `s3://${bucketName}/${r.root}`);
}

export interface CatalogArgs {
  lakeBucket: aws.s3.Bucket;
  /** Glue database name: lower case letters, digits and underscores (Athena quotes anything else). */
  databaseName: string;
  /** When the drift crawlers run (EventBridge cron/rate, UTC). */
  crawlSchedule: string;
}

export function checkCatalogArgs(args: CatalogArgs): void {
  if (!/^[a-z0-9_]{1,255}$/.test(args.databaseName)) {
    throw new Error(`Glue database name "${args.databaseName}" must use only lower case letters, digits and underscores.`);
  }
  if (!/^(cron|rate)\(.+\)$/.test(args.crawlSchedule)) {
    throw new Error(`crawlSchedule "${args.crawlSchedule}": use a schedule expression such as cron(0 12 * * ? *).`);
  }
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
          description: `Daily: adds ${format} partitions the transform did not register and logs schema drift (new folders only).`,
          schedule: args.crawlSchedule,
          s3Targets: args.lakeBucket.bucket.apply((bucket) => crawlerTargetPaths(bucket, format).map((path) => ({ path }))),
          classifiers: format === "csv" ? [this.csvClassifier.name] : [],
          tablePrefix: crawlerTablePrefix(format),
          configuration: JSON.stringify(CRAWLER_CONFIGURATION),
          recrawlPolicy: { recrawlBehavior: "CRAWL_NEW_FOLDERS_ONLY" },
          schemaChangePolicy: { updateBehavior: "LOG", deleteBehavior: "LOG" },
        },
        { parent: this, dependsOn: [policy, ...Object.values(this.tables)] },
      );
    }
    return crawlers;
  }
}
