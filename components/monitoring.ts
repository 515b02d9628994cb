/**
 * Alerts, all to one SNS topic (plus an e-mail subscription when configured): each function's
 * Errors and Throttles, messages in a dead-letter queue, rejected raw snapshots, failed crawls,
 * and extraction staleness.
 *
 * Staleness: an alarm on the transform function's Invocations, summed per hour, that fires
 * when 26 hours in a row had none, with missing data counted as breaching. Every landed raw
 * snapshot invokes the transform, so this watches what matters (new data in the lake) with a
 * metric Lambda publishes for free; an alarm on the extractor would stay quiet while every
 * extraction failed, and a custom metric would need code and a PutMetricData grant.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { crawlerStateChangePattern } from "./catalog";

export interface MonitoredFunction {
  /** Short label for alarm names: "extract", "transform", "views". */
  label: string;
  fn: aws.lambda.Function;
  /**
   * Five-minute periods of throttling in a row before the Throttles alarm fires. 1 for most;
   * more for the extractor, whose reserved concurrency throttles on purpose and whose events
   * wait in the async queue.
   */
  throttledPeriods?: number;
}

export interface MonitoringArgs {
  functions: MonitoredFunction[];
  deadLetterQueues: { label: string; queue: aws.sqs.Queue }[];
  crawlerNames: pulumi.Input<string[]>;
  /** Its Invocations are the staleness signal; its log group holds the rejection messages. */
  transform: { fn: aws.lambda.Function; logGroup: aws.cloudwatch.LogGroup; rejectedLogMessage: string };
  stalenessHours: number;
  alarmEmail?: string;
}

export class Monitoring extends pulumi.ComponentResource {
  readonly topic: aws.sns.Topic;
  readonly alarms: aws.cloudwatch.MetricAlarm[] = [];

  constructor(name: string, args: MonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
    super("spotify-pipeline:index:Monitoring", name, {}, opts);
    if (!Number.isInteger(args.stalenessHours) || args.stalenessHours < 1 || args.stalenessHours > 168) {
      throw new Error(`stalenessAlarmHours is ${args.stalenessHours}: use a whole number of hours from 1 to 168 (CloudWatch evaluates at most 7 days).`);
    }

    this.topic = new aws.sns.Topic(`${name}-alerts`, {}, { parent: this });
    if (args.alarmEmail) {
      new aws.sns.TopicSubscription(`${name}-alerts-email`, { topic: this.topic.arn, protocol: "email", endpoint: args.alarmEmail }, { parent: this });
    }
    const actions = { alarmActions: [this.topic.arn], okActions: [this.topic.arn] };

    for (const { label, fn, throttledPeriods = 1 } of args.functions) {
      const dimensions = { FunctionName: fn.name };
      this.alarm(`${name}-${label}-errors`, {
        alarmDescription: `The ${label} function failed (see its log group).`,
        namespace: "AWS/Lambda", metricName: "Errors", dimensions, statistic: "Sum",
        period: 300, evaluationPeriods: 1, threshold: 0, comparisonOperator: "GreaterThanThreshold", treatMissingData: "notBreaching", ...actions,
      });
      this.alarm(`${name}-${label}-throttles`, {
        alarmDescription: `The ${label} function was throttled for ${throttledPeriods * 5} minutes in a row.`,
        namespace: "AWS/Lambda", metricName: "Throttles", dimensions, statistic: "Sum",
        period: 300, evaluationPeriods: throttledPeriods, datapointsToAlarm: throttledPeriods, threshold: 0, comparisonOperator: "GreaterThanThreshold", treatMissingData: "notBreaching", ...actions,
      });
    }

    for (const { label, queue } of args.deadLetterQueues) {
      this.alarm(`${name}-${label}-dlq`, {
        alarmDescription: `Failed ${label} invocations are waiting in the dead-letter queue (each message holds the event and the error).`,
        namespace: "AWS/SQS", metricName: "ApproximateNumberOfMessagesVisible", dimensions: { QueueName: queue.name }, statistic: "Maximum",
        period: 300, evaluationPeriods: 1, threshold: 0, comparisonOperator: "GreaterThanThreshold", treatMissingData: "notBreaching", ...actions,
      });
    }

    this.alarm(`${name}-extraction-stale`, {
      alarmDescription: `No new raw snapshot for ${args.stalenessHours} hours: the extractor did not land anything (check its alarms and the schedule).`,
      namespace: "AWS/Lambda", metricName: "Invocations", dimensions: { FunctionName: args.transform.fn.name }, statistic: "Sum",
      period: 3600, evaluationPeriods: args.stalenessHours, datapointsToAlarm: args.stalenessHours, threshold: 1, comparisonOperator: "LessThanThreshold",
      treatMissingData: "breaching", ...actions,
    });

    const rejectionsNamespace = "SpotifyPipeline";
    const rejectionsMetric = pulumi.interpolate`RejectedRawSnapshots-${args.transform.fn.name}`;
    new aws.cloudwatch.LogMetricFilter(
      `${name}-rejections`,
      {
        logGroupName: args.transform.logGroup.name,
        pattern: `{ $.message = "${args.transform.rejectedLogMessage}" }`,
        metricTransformation: { namespace: rejectionsNamespace, name: rejectionsMetric, value: "1", defaultValue: "0" },
      },
      { parent: this },
    );
    this.alarm(`${name}-rejected-snapshots`, {
      alarmDescription: "A raw snapshot was rejected by the transform: see raw_data/rejected/ for the copy and its reason file.",
      namespace: rejectionsNamespace, metricName: rejectionsMetric, statistic: "Sum",
      period: 300, evaluationPeriods: 1, threshold: 0, comparisonOperator: "GreaterThanThreshold", treatMissingData: "notBreaching", ...actions,
    });

    const crawlerFailed = new aws.cloudwatch.EventRule(
      `${name}-crawler-failed`,
      {
        description: "A crawler of the lake failed.",
        eventPattern: crawlerStateChangePattern(args.crawlerNames, "Failed"),
      },
      { parent: this },
    );
    const topicPolicy = new aws.sns.TopicPolicy(
      `${name}-alerts-policy`,
      {
        arn: this.topic.arn,
        policy: pulumi.jsonStringify({
          Version: "2012-10-17",
          Statement: [
            {
              Sid: "CrawlerFailuresFromEventBridge",
              Effect: "Allow",
              Principal: { Service: "events.amazonaws.com" },
              Action: "sns:Publish",
              Resource: this.topic.arn,
              Condition: { ArnEquals: { "aws:SourceArn": crawlerFailed.arn } },
            },
            {
              Sid: "AlarmsFromCloudWatch",
              Effect: "Allow",
              Principal: { Service: "cloudwatch.amazonaws.com" },
              Action: "sns:Publish",
              Resource: this.topic.arn,
              Condition: { StringEquals: { "aws:SourceAccount": aws.getCallerIdentityOutput({}, { parent: this }).accountId } },
            },
          ],
        }),
      },
      { parent: this },
    );
    new aws.cloudwatch.EventTarget(
      `${name}-crawler-failed-target`,
      { rule: crawlerFailed.name, arn: this.topic.arn },
      { parent: this, dependsOn: [topicPolicy] },
    );

    this.registerOutputs({ topicArn: this.topic.arn });
  }

  private alarm(name: string, args: aws.cloudwatch.MetricAlarmArgs): void {
    this.alarms.push(new aws.cloudwatch.MetricAlarm(name, args, { parent: this }));
  }
}
