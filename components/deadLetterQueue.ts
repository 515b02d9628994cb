/** An encrypted SQS queue that keeps failed invocations for 14 days (SQS's maximum retention), for inspection and replay. */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

export function deadLetterQueue(name: string, parent: pulumi.Resource): aws.sqs.Queue {
  return new aws.sqs.Queue(name, { messageRetentionSeconds: 14 * 24 * 3600, sqsManagedSseEnabled: true }, { parent });
}

/**
 * Asynchronous invocations retry `retries` times (Lambda's default and maximum: 2), then go to the queue with the event and the error
 * (Lambda developer guide, "Capturing records of Lambda asynchronous invocations": on-failure
 * destinations).
 */
export function sendFailuresTo(name: string, fn: aws.lambda.Function, queue: aws.sqs.Queue, parent: pulumi.Resource, retries = 2): aws.lambda.FunctionEventInvokeConfig {
  return new aws.lambda.FunctionEventInvokeConfig(
    name,
    {
      functionName: fn.name,
      maximumRetryAttempts: retries,
      maximumEventAgeInSeconds: 6 * 3600,
      destinationConfig: { onFailure: { destination: queue.arn } },
    },
    { parent },
  );
}
