/**
 * Alerts, all to one SNS topic (plus an e-mail subscription when configured): each function's
 * Errors and Throttles, messages in each function's dead-letter queue, rejected raw snapshots,
 * failed crawls, and extraction staleness.
 *
 * An alarm means something is wrong. Staleness: "the schedule ran in the last N hours, yet no raw
 * snapshot was transformed in them". Every landed raw snapshot invokes the transform, and every
 * scheduled run invokes the fan-out, so both are Lambda's own Invocations metrics (free, no
 * PutMetricData grant). Lambda publishes a data point only for a period with invocations, so
 * "none" is missing data: the alarm fills it with 0 in a metric math expression (CloudWatch user
 * guide, "Using math expressions with CloudWatch metrics": FILL(m, value) fills a series' missing
 * values; IF(condition, trueValue, falseValue)) and treats a window with no data at all (before
 * the first scheduled run) as not breaching (PutMetricAlarm, TreatMissingData: "notBreaching" -
 * missing data points are treated as being within the threshold). So a new stack is OK, not in
 * ALARM, until its schedule has run and landed nothing. The threshold "missing = breaching" of
 * before put every new stack in ALARM from the deploy to its first run.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { crawlerStateChangePattern } from "./catalog";

export interface MonitoredFunction {
  /** Short label for alarm names: "extract", "transform", "views". */
  label: string;
  fn: aws.lambda.Function;
  deadLetterQueue: aws.sqs.Queue;
}

export interface MonitoringArgs {
  functions: MonitoredFunction[];
  crawlerNames: pulumi.Input<string[]>;
  /** Its Invocations are the staleness signal (new data); its log group holds the rejection messages. */
  transform: { fn: aws.lambda.Function; logGroup: aws.cloudwatch.LogGroup; rejectedLogMessage: string };
  /** The function the schedule invokes: its Invocations say a scheduled run happened. */
  scheduled: { fn: aws.lambda.Function };
  stalenessHours: number;
  alarmEmail?: string;
}

/** The scheduled runs of a window in which nothing was transformed; 0 otherwise. */
export const STALENESS_EXPRESSION = "IF(FILL(transformed, 0) == 0, FILL(scheduled, 0), 0)";

export function checkMonitoringArgs(args: MonitoringArgs): void {
  if (!Number.isInteger(args.stalenessHours) || args.stalenessHours < 1 || args.stalenessHours > 168) {
    throw new Error(`stalenessAlarmHours is ${args.stalenessHours}: use a whole number of hours from 1 to 168 (CloudWatch evaluates at most 7 days).`);
  }
  const labels = args.functions.map((f) => f.label);
  if (new Set(labels).size !== labels.length) throw new Error(`Two monitored functions share a label: ${labels.join(", ")}.`);
}

/** The settings every alarm here shares: one evaluation per period, above zero, quiet when there is no data. */
const ANY_IN_PERIOD = { evaluationPeriods: 1, threshold: 0, comparisonOperator: "GreaterThanThreshold", treatMissingData: "notBreaching" } as const;

export class Monitoring extends pulumi.ComponentResource {
  readonly topic: aws.sns.Topic;
  /** The customer managed key that encrypts the topic (see alertsKey). */
  readonly topicKey: aws.kms.Key;
  readonly alarms: aws.cloudwatch.MetricAlarm[] = [];
  private readonly actions: { alarmActions: pulumi.Input<string>[]; okActions: pulumi.Input<string>[] };

  constructor(name: string, args: MonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
    super("spotify-pipeline:index:Monitoring", name, {}, opts);
    checkMonitoringArgs(args);
    this.topicKey = this.alertsKey(name);
    this.topic = new aws.sns.Topic(`${name}-alerts`, { kmsMasterKeyId: this.topicKey.arn }, { parent: this });
    if (args.alarmEmail) {
      new aws.sns.TopicSubscription(`${name}-alerts-email`, { topic: this.topic.arn, protocol: "email", endpoint: args.alarmEmail }, { parent: this });
    }
    this.actions = { alarmActions: [this.topic.arn], okActions: [this.topic.arn] };

    for (const fn of args.functions) this.functionAlarms(name, fn);
    this.stalenessAlarm(name, args);
    this.rejectionAlarm(name, args.transform);
    const crawlerFailed = this.crawlerFailureRule(name, args.crawlerNames);
    this.topicPolicy(name, crawlerFailed);
    this.registerOutputs({ topicArn: this.topic.arn });
  }

  /**
   * The topic is encrypted at rest (SNS server-side encryption) with a customer managed key, not
   * the AWS managed alias/aws/sns: SNS developer guide, "Enable compatibility between event sources
   * from AWS services and encrypted topics": services that publish to the topic (here CloudWatch
   * alarms and EventBridge) need kms:GenerateDataKey* and kms:Decrypt on the key, which only a
   * customer managed key's policy can grant. Without conditions on aws:SourceArn: the KMS request
   * EventBridge makes does not carry them. The first statement is the default key policy (the
   * account administers the key through IAM; KMS developer guide, "Default key policy").
   */
  private alertsKey(name: string): aws.kms.Key {
    const account = aws.getCallerIdentityOutput({}, { parent: this }).accountId;
    return new aws.kms.Key(
      `${name}-alerts-key`,
      {
        description: "Encrypts the pipeline's alert topic; CloudWatch alarms and EventBridge may use it to publish.",
        enableKeyRotation: true,
        deletionWindowInDays: 7,
        policy: pulumi.jsonStringify({
          Version: "2012-10-17",
          Statement: [
            { Sid: "EnableIamUserPermissions", Effect: "Allow", Principal: { AWS: pulumi.interpolate`arn:aws:iam::${account}:root` }, Action: "kms:*", Resource: "*" },
            {
              Sid: "AlarmsAndEventsPublishToEncryptedTopic",
              Effect: "Allow",
              Principal: { Service: ["cloudwatch.amazonaws.com", "events.amazonaws.com"] },
              Action: ["kms:GenerateDataKey*", "kms:Decrypt"],
              Resource: "*",
            },
          ],
        }),
      },
      { parent: this },
    );
  }

  /** Errors, Throttles, and failed invocations waiting in the function's dead-letter queue. */
  private functionAlarms(name: string, { label, fn, deadLetterQueue }: MonitoredFunction): void {
    const dimensions = { FunctionName: fn.name };
    this.alarm(`${name}-${label}-errors`, {
      alarmDescription: `The ${label} function failed (see its log group).`,
      namespace: "AWS/Lambda", metricName: "Errors", dimensions, statistic: "Sum", period: 300, ...ANY_IN_PERIOD,
    });
    this.alarm(`${name}-${label}-throttles`, {
      alarmDescription: `The ${label} function was throttled (the account's concurrency is exhausted).`,
      namespace: "AWS/Lambda", metricName: "Throttles", dimensions, statistic: "Sum", period: 300, ...ANY_IN_PERIOD,
    });
    this.alarm(`${name}-${label}-dlq`, {
      alarmDescription: `Failed ${label} invocations are waiting in the dead-letter queue (each message holds the event and the error).`,
      namespace: "AWS/SQS", metricName: "ApproximateNumberOfMessagesVisible", dimensions: { QueueName: deadLetterQueue.name }, statistic: "Maximum", period: 300, ...ANY_IN_PERIOD,
    });
  }

  /** One window of `stalenessHours` (PutMetricAlarm: period x evaluation periods at most 7 days, so 168 hours at most). */
  private stalenessAlarm(name: string, args: MonitoringArgs): void {
    const period = args.stalenessHours * 3600;
    const invocations = (id: string, fn: aws.lambda.Function): aws.types.input.cloudwatch.MetricAlarmMetricQuery => ({
      id,
      returnData: false,
      metric: { namespace: "AWS/Lambda", metricName: "Invocations", dimensions: { FunctionName: fn.name }, period, stat: "Sum" },
    });
    this.alarm(`${name}-extraction-stale`, {
      alarmDescription:
        `The schedule ran in the last ${args.stalenessHours} hours but no raw snapshot was transformed: ` +
        `the extractions landed nothing (see the fan-out's and the extractor's alarms and logs).`,
      metricQueries: [
        invocations("scheduled", args.scheduled.fn),
        invocations("transformed", args.transform.fn),
        { id: "stale", label: "Scheduled runs in a window with no transform", returnData: true, expression: STALENESS_EXPRESSION },
      ],
      evaluationPeriods: 1,
      threshold: 0,
      comparisonOperator: "GreaterThanThreshold",
      treatMissingData: "notBreaching",
    });
  }

  /** Counts the transform's rejection log lines (Powertools JSON logs: `message` field) and alarms on any. */
  private rejectionAlarm(name: string, transform: MonitoringArgs["transform"]): void {
    const namespace = "SpotifyPipeline";
    const metricName = pulumi.interpolate`RejectedRawSnapshots-${transform.fn.name}`;
    new aws.cloudwatch.LogMetricFilter(
      `${name}-rejections`,
      {
        logGroupName: transform.logGroup.name,
        pattern: `{ $.message = "${transform.rejectedLogMessage}" }`,
        metricTransformation: { namespace, name: metricName, value: "1", defaultValue: "0" },
      },
      { parent: this },
    );
    this.alarm(`${name}-rejected-snapshots`, {
      alarmDescription: "A raw snapshot was rejected by the transform: see raw_data/rejected/ for the copy and its reason file.",
      namespace, metricName, statistic: "Sum", period: 300, ...ANY_IN_PERIOD,
    });
  }

  private crawlerFailureRule(name: string, crawlerNames: pulumi.Input<string[]>): aws.cloudwatch.EventRule {
    return new aws.cloudwatch.EventRule(
      `${name}-crawler-failed`,
      { description: "A crawler of the lake failed.", eventPattern: crawlerStateChangePattern(crawlerNames, "Failed") },
      { parent: this },
    );
  }

  /** Lets EventBridge (crawler failures) and CloudWatch alarms of this account publish, then routes the crawler failures. */
  private topicPolicy(name: string, crawlerFailed: aws.cloudwatch.EventRule): void {
    const policy = new aws.sns.TopicPolicy(
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
    new aws.cloudwatch.EventTarget(`${name}-crawler-failed-target`, { rule: crawlerFailed.name, arn: this.topic.arn }, { parent: this, dependsOn: [policy] });
  }

  private alarm(name: string, args: aws.cloudwatch.MetricAlarmArgs): void {
    this.alarms.push(new aws.cloudwatch.MetricAlarm(name, { ...args, ...this.actions }, { parent: this }));
  }
}
