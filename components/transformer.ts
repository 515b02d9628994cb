/**
 * The transform: an S3 notification on new raw snapshots runs a Lambda that writes the tables
 * under transformed_data/ (or a rejected copy under raw_data/rejected/) and registers the new
 * partitions in the declared Glue tables. Its role can read raw and write only those two output
 * prefixes, so it cannot overwrite raw data, and its outputs are outside the trigger filter, so it
 * cannot trigger itself (FunctionRecursionConfig is the second guard). Failed async invocations
 * go to its dead-letter queue.
 *
 * The notification is declared explicitly (aws.s3.BucketNotification + aws.lambda.Permission)
 * rather than with bucket.onObjectCreated: onObjectCreated adds the notification only at
 * process exit, so it is invisible to tests and to readers. S3 keeps one notification
 * configuration per bucket: this is the only one for the lake bucket. The filter is written
 * URL-encoded, as S3 compares it (contracts/transform.ts, TRANSFORM_TRIGGER).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { RAW_PREFIX, REJECTED_PREFIX, TRANSFORMED_PREFIX } from "../lib/lake/layout";
import { TRANSFORM_ENV, TRANSFORM_TRIGGER } from "../contracts/transform";
import { bucketBinding, functionBinding, glueArns, glueDatabaseBinding } from "./bindings";
import { HANDLERS } from "./handlerRegistry";
import { pipelineFunction, type PipelineFunction } from "./lambdaCode";

/** Where the transform may write: tables and rejected copies, never raw snapshots. */
export const TRANSFORM_OUTPUT_PREFIXES = [TRANSFORMED_PREFIX, REJECTED_PREFIX] as const;
/** Glue API, BatchCreatePartition: the partitions of the tables it wrote (idempotent, see handlers/partitions.ts). */
export const TRANSFORM_GLUE_ACTIONS = ["glue:BatchCreatePartition"];

export interface TransformerArgs {
  lakeBucket: aws.s3.Bucket;
  database: aws.glue.CatalogDatabase;
  /** The declared tables it registers partitions in (catalogTableName of each). */
  tableNames: string[];
  memoryMb: number;
  timeoutSeconds: number;
  logRetentionDays: number;
  /** X-Ray active tracing on the functions (config "tracing"). */
  tracing?: boolean;
  /** The compaction function, invoked (asynchronously) to compact a compacted day again after a late re-transform (issue 20). */
  compactFunction?: aws.lambda.Function;
}

export class Transformer extends pulumi.ComponentResource {
  readonly function: PipelineFunction;
  readonly notification: aws.s3.BucketNotification;

  constructor(name: string, args: TransformerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("spotify-pipeline:index:Transformer", name, {}, opts);
    if (args.tableNames.length === 0) throw new Error("The transformer needs the catalog's table names to register partitions in.");

    this.function = pipelineFunction(
      `${name}-fn`,
      {
        description: "Turns each new raw snapshot into CSV and Parquet tables and registers their partitions in the Glue catalog.",
        handler: HANDLERS.transform,
        bindings: [
          bucketBinding(TRANSFORM_ENV.bucket, args.lakeBucket, { read: [RAW_PREFIX], write: TRANSFORM_OUTPUT_PREFIXES, list: [RAW_PREFIX, TRANSFORMED_PREFIX] }),
          glueDatabaseBinding(TRANSFORM_ENV.database, args.database, glueArns(this), TRANSFORM_GLUE_ACTIONS, args.tableNames),
          ...(args.compactFunction ? [functionBinding(TRANSFORM_ENV.compactFunction, args.compactFunction)] : []),
        ],
        memoryMb: args.memoryMb,
        timeoutSeconds: args.timeoutSeconds,
        logRetentionDays: args.logRetentionDays,
        tracing: args.tracing,
      },
      this,
    );
    const fn = this.function.fn;
    new aws.lambda.FunctionRecursionConfig(`${name}-recursion`, { functionName: fn.name, recursiveLoop: "Terminate" }, { parent: this });
    this.notification = this.trigger(name, args, fn);
    this.registerOutputs({ functionName: fn.name, deadLetterQueue: this.function.deadLetterQueue.url });
  }

  private trigger(name: string, args: TransformerArgs, fn: aws.lambda.Function): aws.s3.BucketNotification {
    const allowS3 = new aws.lambda.Permission(
      `${name}-from-s3`,
      {
        action: "lambda:InvokeFunction",
        function: fn.name,
        principal: "s3.amazonaws.com",
        sourceArn: args.lakeBucket.arn,
        sourceAccount: aws.getCallerIdentityOutput({}, { parent: this }).accountId,
      },
      { parent: this },
    );
    return new aws.s3.BucketNotification(
      `${name}-trigger`,
      {
        bucket: args.lakeBucket.id,
        lambdaFunctions: [
          {
            lambdaFunctionArn: fn.arn,
            events: [...TRANSFORM_TRIGGER.events],
            filterPrefix: TRANSFORM_TRIGGER.filterPrefix,
            filterSuffix: TRANSFORM_TRIGGER.filterSuffix,
          },
        ],
      },
      { parent: this, dependsOn: [allowS3] },
    );
  }
}
