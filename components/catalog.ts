/**
 * The Glue Data Catalog side: a database, a CSV classifier that takes the header row as
 * column names, and one crawler per file format whose S3 targets are exactly the table roots
 * the transform writes (lib/lake/layout.ts). One crawler per format, not per table: the
 * tables of a format are written together by one transform run, so they are crawled
 * together; two crawlers instead of twelve keeps the names, alarms and IAM short, and the
 * CSV crawler's tablePrefix "csv_" gives the names catalogTableName() promises.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { CSV_TABLE_PREFIX, FILE_FORMATS, TRANSFORMED_PREFIX, allTableRoots, type FileFormat } from "../lib/lake/layout";

/** Keeps one table per root (with partitions inheriting the table's schema) and the snapshot_date partition. */
export const CRAWLER_CONFIGURATION = {
  Version: 1.0,
  CrawlerOutput: { Partitions: { AddOrUpdateBehavior: "InheritFromTable" } },
  Grouping: { TableGroupingPolicy: "CombineCompatibleSchemas" },
};

/** The table prefix a crawler of this format uses, so Glue's table names equal catalogTableName(). */
/** The EventBridge pattern of Glue's "Crawler State Change" events for these crawlers reaching `state`. */
export function crawlerStateChangePattern(crawlerNames: pulumi.Input<string[]>, state: "Succeeded" | "Failed"): pulumi.Output<string> {
  return pulumi.jsonStringify({
    source: ["aws.glue"],
    "detail-type": ["Glue Crawler State Change"],
    detail: { crawlerName: crawlerNames, state: [state] },
  });
}

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
}

export class Catalog extends pulumi.ComponentResource {
  readonly database: aws.glue.CatalogDatabase;
  readonly csvClassifier: aws.glue.Classifier;
  readonly crawlers: Record<FileFormat, aws.glue.Crawler>;
  readonly crawlerNames: pulumi.Output<string[]>;
  readonly crawlerArns: pulumi.Output<string[]>;

  constructor(name: string, args: CatalogArgs, opts?: pulumi.ComponentResourceOptions) {
    super("spotify-pipeline:index:Catalog", name, {}, opts);
    if (!/^[a-z0-9_]{1,255}$/.test(args.databaseName)) {
      throw new Error(`Glue database name "${args.databaseName}" must use only lower case letters, digits and underscores.`);
    }

    this.database = new aws.glue.CatalogDatabase(
      `${name}-database`,
      { name: args.databaseName, description: "Spotify playlist snapshots: tables by the crawlers, views by the views function." },
      { parent: this },
    );

    this.csvClassifier = new aws.glue.Classifier(
      `${name}-csv-header`,
      { csvClassifier: { containsHeader: "PRESENT", delimiter: ",", quoteSymbol: '"' } },
      { parent: this },
    );

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
    // The Glue service role policy covers the catalog and crawler logs; S3 reads are granted below, for the lake's table roots only.
    const serviceRole = new aws.iam.RolePolicyAttachment(
      `${name}-crawler-service`,
      { role: role.name, policyArn: "arn:aws:iam::aws:policy/service-role/AWSGlueServiceRole" },
      { parent: this },
    );
    const readTables = new aws.iam.RolePolicy(
      `${name}-crawler-read-tables`,
      {
        role: role.id,
        policy: pulumi.jsonStringify({
          Version: "2012-10-17",
          Statement: [
            { Effect: "Allow", Action: ["s3:GetObject"], Resource: pulumi.interpolate`${args.lakeBucket.arn}/${TRANSFORMED_PREFIX}*` },
            {
              Effect: "Allow",
              Action: ["s3:ListBucket"],
              Resource: args.lakeBucket.arn,
              Condition: { StringLike: { "s3:prefix": [`${TRANSFORMED_PREFIX}*`] } },
            },
          ],
        }),
      },
      { parent: this },
    );

    const crawlers = {} as Record<FileFormat, aws.glue.Crawler>;
    for (const format of FILE_FORMATS) {
      crawlers[format] = new aws.glue.Crawler(
        `${name}-${format}-crawler`,
        {
          databaseName: this.database.name,
          role: role.arn,
          description: `Catalogs the ${format} tables under ${TRANSFORMED_PREFIX}${format}/ (started by the transform after it writes).`,
          s3Targets: args.lakeBucket.bucket.apply((bucket) => crawlerTargetPaths(bucket, format).map((path) => ({ path }))),
          classifiers: format === "csv" ? [this.csvClassifier.name] : [],
          tablePrefix: crawlerTablePrefix(format),
          configuration: JSON.stringify(CRAWLER_CONFIGURATION),
          recrawlPolicy: { recrawlBehavior: "CRAWL_EVERYTHING" },
          schemaChangePolicy: { updateBehavior: "UPDATE_IN_DATABASE", deleteBehavior: "LOG" },
        },
        { parent: this, dependsOn: [serviceRole, readTables] },
      );
    }
    this.crawlers = crawlers;
    this.crawlerNames = pulumi.all(FILE_FORMATS.map((f) => crawlers[f].name));
    this.crawlerArns = pulumi.all(FILE_FORMATS.map((f) => crawlers[f].arn));

    this.registerOutputs({ database: this.database.name, crawlerNames: this.crawlerNames });
  }
}
