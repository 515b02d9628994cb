/**
 * The lake bucket (raw_data/, transformed_data/, cache/) and the Athena results bucket. Both are
 * encrypted, private and TLS-only; the lake keeps versions, so an overwrite by a re-run can be
 * undone, moves raw snapshots to cheaper storage and is kept by `pulumi destroy` unless told
 * otherwise; query results expire and their bucket is removed with the stack (results are not
 * data: any query can be run again).
 *
 * Both buckets log their requests (S3 server access logging) to a third bucket, which keeps the
 * logs for accessLogsExpireDays and is itself encrypted, private and TLS-only. S3 User Guide,
 * "Enabling Amazon S3 server access logging": the destination is in the same Region and account,
 * must not log to itself, and with the bucket owner enforced setting "you can't use ACLs to grant
 * permissions to the logging service": a bucket policy lets the logging service principal
 * (logging.s3.amazonaws.com) PutObject under the log prefix, conditioned on aws:SourceArn and
 * aws:SourceAccount; its default encryption is SSE-S3 (S3 User Guide, "Permissions for log
 * delivery": server access logs can be delivered to a bucket with SSE-S3).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { RAW_PREFIX } from "../lib/lake/layout";

export interface DataLakeArgs {
  /** Days before raw snapshots move to S3 Standard-IA (S3's minimum is 30). */
  rawInfrequentAccessAfterDays: number;
  /** Days before raw snapshots move to Glacier Instant Retrieval (still readable for a rebuild). */
  rawGlacierAfterDays: number;
  /** Days before older versions of overwritten lake objects are removed. */
  noncurrentVersionExpireDays: number;
  /** Days before Athena query results are deleted. */
  queryResultsExpireDays: number;
  /** Lets `pulumi destroy` remove the lake bucket while it still holds objects; off by default so data is never lost by accident. */
  forceDestroyLake: boolean;
  /** Days the buckets' server access logs are kept. */
  accessLogsExpireDays: number;
}

/** Where each bucket's access logs go in the log bucket. */
export const ACCESS_LOG_PREFIXES = { lake: "lake/", results: "athena-results/" } as const;

/**
 * S3 User Guide, "Transitioning objects using Amazon S3 Lifecycle": objects must stay at least
 * 30 days in S3 Standard before Standard-IA, and 30 days in Standard-IA before a further transition.
 */
export function checkDataLakeArgs(args: DataLakeArgs): void {
  if (args.rawInfrequentAccessAfterDays < 30) {
    throw new Error(`rawInfrequentAccessAfterDays is ${args.rawInfrequentAccessAfterDays}: S3 moves objects to Standard-IA after 30 days at the earliest.`);
  }
  if (args.rawGlacierAfterDays < args.rawInfrequentAccessAfterDays + 30) {
    throw new Error(
      `rawGlacierAfterDays (${args.rawGlacierAfterDays}) must be at least rawInfrequentAccessAfterDays + 30 (${args.rawInfrequentAccessAfterDays + 30}): ` +
        `S3 needs objects to stay 30 days in Standard-IA before a further transition.`,
    );
  }
}

export class DataLake extends pulumi.ComponentResource {
  readonly lakeBucket: aws.s3.Bucket;
  readonly resultsBucket: aws.s3.Bucket;
  readonly accessLogsBucket: aws.s3.Bucket;

  constructor(name: string, args: DataLakeArgs, opts?: pulumi.ComponentResourceOptions) {
    super("spotify-pipeline:index:DataLake", name, {}, opts);
    checkDataLakeArgs(args);
    this.lakeBucket = this.privateBucket(`${name}-data`, args.forceDestroyLake);
    // forceDestroy: S3 refuses to delete a bucket that holds objects; this lets `pulumi destroy` empty it first.
    this.resultsBucket = this.privateBucket(`${name}-athena-results`, true);
    // Logs are not data either: removed with the stack.
    this.accessLogsBucket = this.privateBucket(`${name}-access-logs`, true, (bucket) => this.logDeliveryStatement(bucket));
    this.lakeStorage(name, args);
    this.resultsExpiry(name, args);
    this.accessLogging(name, args);
    this.registerOutputs({ lakeBucket: this.lakeBucket.bucket, resultsBucket: this.resultsBucket.bucket });
  }

  /** Versions (an overwrite can be undone) and cheaper storage classes for raw snapshots; current objects never expire. */
  private lakeStorage(name: string, args: DataLakeArgs): void {
    new aws.s3.BucketVersioning(
      `${name}-data-versioning`,
      { bucket: this.lakeBucket.id, versioningConfiguration: { status: "Enabled" } },
      { parent: this },
    );
    new aws.s3.BucketLifecycleConfiguration(
      `${name}-data-lifecycle`,
      {
        bucket: this.lakeBucket.id,
        rules: [
          {
            id: "raw-to-cheaper-storage",
            status: "Enabled",
            filter: { prefix: RAW_PREFIX },
            transitions: [
              { days: args.rawInfrequentAccessAfterDays, storageClass: "STANDARD_IA" },
              { days: args.rawGlacierAfterDays, storageClass: "GLACIER_IR" },
            ],
          },
          {
            id: "old-versions-expire",
            status: "Enabled",
            filter: {},
            noncurrentVersionExpiration: { noncurrentDays: args.noncurrentVersionExpireDays },
            abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
          },
        ],
      },
      { parent: this },
    );
  }

  private resultsExpiry(name: string, args: DataLakeArgs): void {
    new aws.s3.BucketLifecycleConfiguration(
      `${name}-athena-results-lifecycle`,
      {
        bucket: this.resultsBucket.id,
        rules: [
          {
            id: "query-results-expire",
            status: "Enabled",
            filter: {},
            expiration: { days: args.queryResultsExpireDays },
            abortIncompleteMultipartUpload: { daysAfterInitiation: 1 },
          },
        ],
      },
      { parent: this },
    );
  }

  /** S3 server access log delivery into the log bucket, from this stack's two buckets only. */
  private logDeliveryStatement(logBucket: aws.s3.Bucket): pulumi.Input<aws.iam.PolicyStatement> {
    return {
      Sid: "S3ServerAccessLogsPolicy",
      Effect: "Allow",
      Principal: { Service: "logging.s3.amazonaws.com" },
      Action: "s3:PutObject",
      Resource: Object.values(ACCESS_LOG_PREFIXES).map((prefix) => pulumi.interpolate`${logBucket.arn}/${prefix}*`),
      Condition: {
        ArnLike: { "aws:SourceArn": [this.lakeBucket.arn, this.resultsBucket.arn] },
        StringEquals: { "aws:SourceAccount": aws.getCallerIdentityOutput({}, { parent: this }).accountId },
      },
    };
  }

  private accessLogging(name: string, args: DataLakeArgs): void {
    new aws.s3.BucketLifecycleConfiguration(
      `${name}-access-logs-lifecycle`,
      {
        bucket: this.accessLogsBucket.id,
        rules: [{ id: "access-logs-expire", status: "Enabled", filter: {}, expiration: { days: args.accessLogsExpireDays }, abortIncompleteMultipartUpload: { daysAfterInitiation: 1 } }],
      },
      { parent: this },
    );
    const logged = [
      { bucket: this.lakeBucket, label: "data", prefix: ACCESS_LOG_PREFIXES.lake },
      { bucket: this.resultsBucket, label: "athena-results", prefix: ACCESS_LOG_PREFIXES.results },
    ];
    for (const { bucket, label, prefix } of logged) {
      new aws.s3.BucketLogging(`${name}-${label}-access-logging`, { bucket: bucket.id, targetBucket: this.accessLogsBucket.id, targetPrefix: prefix }, { parent: this });
    }
  }

  /** A bucket with SSE-S3 encryption, every public access blocked, and a policy refusing plain HTTP (plus `extra` statements). */
  private privateBucket(name: string, forceDestroy: boolean, extra?: (bucket: aws.s3.Bucket) => pulumi.Input<aws.iam.PolicyStatement>): aws.s3.Bucket {
    const bucket = new aws.s3.Bucket(name, { forceDestroy }, { parent: this });
    new aws.s3.BucketServerSideEncryptionConfiguration(
      `${name}-encryption`,
      { bucket: bucket.id, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" }, bucketKeyEnabled: true }] },
      { parent: this },
    );
    new aws.s3.BucketOwnershipControls(
      `${name}-ownership`,
      { bucket: bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } },
      { parent: this },
    );
    const publicAccessBlock = new aws.s3.BucketPublicAccessBlock(
      `${name}-public-access-block`,
      { bucket: bucket.id, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true },
      { parent: this },
    );
    new aws.s3.BucketPolicy(
      `${name}-tls-only`,
      {
        bucket: bucket.id,
        policy: pulumi.jsonStringify({
          Version: "2012-10-17",
          Statement: [
            {
              Sid: "DenyInsecureTransport",
              Effect: "Deny",
              Principal: "*",
              Action: "s3:*",
              Resource: [bucket.arn, pulumi.interpolate`${bucket.arn}/*`],
              Condition: { Bool: { "aws:SecureTransport": "false" } },
            },
            ...(extra ? [extra(bucket)] : []),
          ],
        }),
      },
      // S3 rejects policy changes while the public access block is being applied.
      { parent: this, dependsOn: [publicAccessBlock] },
    );
    return bucket;
  }
}
