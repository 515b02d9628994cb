/**
 * The transform: an S3 notification on new raw snapshots runs a Lambda that writes the
 * tables under transformed_data/ (or a rejected copy under raw_data/rejected/) and starts the
 * crawlers. Its role can read raw and write only those two output prefixes, so it cannot
 * overwrite raw data, and its outputs are outside the trigger prefix, so it cannot trigger
 * itself (FunctionRecursionConfig is the second guard). Failed async invocations go to a DLQ.
 *
 * The notification is declared explicitly (aws.s3.BucketNotification + aws.lambda.Permission)
 * rather than with bucket.onObjectCreated: onObjectCreated adds the notification only at
 * process exit, so it is invisible to tests and to readers; here the filter and the ordering
 * (permission before notification) are plain resources. S3 keeps one notification
 * configuration per bucket: this is the only one for the lake bucket.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { RAW_PREFIX, REJECTED_PREFIX, TRANSFORMED_PREFIX } from "../lib/lake/layout";
import { TRANSFORM_TRIGGER } from "../handlers/s3Event";
import { deadLetterQueue, sendFailuresTo } from "./deadLetterQueue";
import { pipelineFunction, type PipelineFunction } from "./lambdaCode";

/** Where the transform may write: tables and rejected copies, never raw snapshots. */
export const TRANSFORM_OUTPUT_PREFIXES = [TRANSFORMED_PREFIX, REJECTED_PREFIX] as const;

export interface TransformerArgs {
  lakeBucket: aws.s3.Bucket;
  crawlerNames: pulumi.Input<string[]>;
  crawlerArns: pulumi.Input<string[]>;
  memoryMb: number;
  timeoutSeconds: number;
  logRetentionDays: number;
}

export class Transformer extends pulumi.ComponentResource {
  readonly function: PipelineFunction;
  readonly deadLetterQueue: aws.sqs.Queue;
  readonly notification: aws.s3.BucketNotification;

  constructor(name: string, args: TransformerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("spotify-pipeline:index:Transformer", name, {}, opts);
    const bucketArn = args.lakeBucket.arn;

    this.deadLetterQueue = deadLetterQueue(`${name}-dlq`, this);

    this.function = pipelineFunction(
      `${name}-fn`,
      {
        description: "Turns each new raw snapshot into CSV and Parquet tables, then starts the crawlers.",
        handler: { entry: "transform", exportName: "transformHandlerFromEnv" },
        environment: { LAKE_BUCKET: args.lakeBucket.bucket, CRAWLER_NAMES: pulumi.output(args.crawlerNames).apply((n) => n.join(",")) },
        memoryMb: args.memoryMb,
        timeoutSeconds: args.timeoutSeconds,
        logRetentionDays: args.logRetentionDays,
        statements: [
          { Effect: "Allow", Action: ["s3:GetObject"], Resource: [pulumi.interpolate`${bucketArn}/${RAW_PREFIX}*`, pulumi.interpolate`${bucketArn}/${TRANSFORMED_PREFIX}*`] },
          { Effect: "Allow", Action: ["s3:PutObject"], Resource: TRANSFORM_OUTPUT_PREFIXES.map((p) => pulumi.interpolate`${bucketArn}/${p}*`) },
          // Listing lets a HeadObject on a missing key answer 404 instead of 403.
          { Effect: "Allow", Action: ["s3:ListBucket"], Resource: bucketArn, Condition: { StringLike: { "s3:prefix": [`${RAW_PREFIX}*`, `${TRANSFORMED_PREFIX}*`] } } },
          { Effect: "Allow", Action: ["glue:StartCrawler"], Resource: args.crawlerArns },
          { Effect: "Allow", Action: ["sqs:SendMessage"], Resource: this.deadLetterQueue.arn },
        ],
      },
      this,
    );
    const fn = this.function.fn;

    new aws.lambda.FunctionRecursionConfig(`${name}-recursion`, { functionName: fn.name, recursiveLoop: "Terminate" }, { parent: this });
    sendFailuresTo(`${name}-on-failure`, fn, this.deadLetterQueue, this);

    const allowS3 = new aws.lambda.Permission(
      `${name}-from-s3`,
      {
        action: "lambda:InvokeFunction",
        function: fn.name,
        principal: "s3.amazonaws.com",
        sourceArn: bucketArn,
        sourceAccount: aws.getCallerIdentityOutput({}, { parent: this }).accountId,
      },
      { parent: this },
    );
    this.notification = new aws.s3.BucketNotification(
      `${name}-trigger`,
      {
        bucket: args.lakeBucket.id,
        lambdaFunctions: [
          {
            lambdaFunctionArn: fn.arn,
            events: ["s3:ObjectCreated:*"],
            filterPrefix: TRANSFORM_TRIGGER.filterPrefix,
            filterSuffix: TRANSFORM_TRIGGER.filterSuffix,
          },
        ],
      },
      { parent: this, dependsOn: [allowS3] },
    );

    this.registerOutputs({ functionName: fn.name, deadLetterQueue: this.deadLetterQueue.url });
  }
}
