/**
 * The extractor: Secrets Manager secrets with the Spotify credentials, a queue of extraction
 * requests, and a Lambda that lands one playlist's raw snapshot per message.
 *
 * Playlists are data, not infrastructure: the stack writes the list to one object in the lake
 * bucket, and one schedule starts a fan-out function that reads it and puts one message per
 * playlist on the queue (handlers/fanout.ts), so the resources are the same for 1 or 1,000
 * playlists. (A target per playlist would meet EventBridge's quotas: 5 targets per rule, 300
 * rules per event bus by default; EventBridge user guide, "Amazon EventBridge quotas".)
 *
 * How many extractions call Spotify at once (Spotify's rate limit is per app): the queue's and the queue's event source mapping has
 * scalingConfig.maximumConcurrency (default 2, SQS's minimum) so at most that many run at once,
 * on any account. Reserved concurrency would do it too but fails on accounts with a concurrency
 * quota of 10 (Lambda keeps 100 unreserved; PutFunctionConcurrency). Lambda developer guide,
 * "Configuring scaling behavior for SQS event source mappings" / "Configuring maximum
 * concurrency for Amazon SQS event sources"; ScalingConfig: "Valid Range: Minimum value of 2.
 * Maximum value of 1000". A failed extraction's message comes back after the visibility timeout
 * and, after maxReceiveCount tries, moves to the dead-letter queue; a direct invocation
 * (contract C3) still works and bypasses the queue.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { RAW_SNAPSHOT_PREFIX, SPOTIFY_CACHE_PREFIX } from "../lib/lake/layout";
import { EXTRACT_ENV, type AuthMode } from "../contracts/extract";
import { FANOUT_ENV, parsePlaylists, PLAYLISTS_OBJECT_KEY, playlistsDocument } from "../contracts/fanout";
import { bucketBinding, secretBinding, settingsBinding } from "./bindings";
import { HANDLERS } from "./handlerRegistry";
import { pipelineFunction, type PipelineFunction } from "./lambdaCode";

/** Deliveries of one request before it moves to the dead-letter queue (an extraction that runs out of time resumes on the next, contract C4). */
export const EXTRACT_MAX_RECEIVES = 5;
/** What an SQS event source mapping needs on the function's role (Lambda developer guide, "Using Lambda with Amazon SQS", execution role permissions). */
export const QUEUE_CONSUMER_ACTIONS = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ChangeMessageVisibility"];

/** How to set the list, for error messages. */
export const PLAYLISTS_FIX = "`pulumi config set --path 'playlists[0]' <playlist id>`";

/**
 * The extraction's schedule as other components see it (e.g. a step that runs after the
 * extraction window): the EventBridge expression and rule, the queue the fan-out fills, and what
 * bounds how long the window lasts (each extraction's timeout, how many run at once).
 */
export interface ExtractionSchedule {
  expression: string;
  rule: aws.cloudwatch.EventRule;
  queue: aws.sqs.Queue;
  extractTimeoutSeconds: number;
  maxConcurrency: number;
}

export interface ExtractorArgs {
  lakeBucket: aws.s3.Bucket;
  playlists: string[];
  /** An EventBridge schedule expression, e.g. "cron(0 6 * * ? *)". */
  schedule: string;
  authMode: AuthMode;
  clientId: pulumi.Input<string>;
  /** Secret config values: they go only into the Secrets Manager secrets. */
  clientSecret?: pulumi.Input<string | undefined>;
  refreshToken?: pulumi.Input<string | undefined>;
  memoryMb: number;
  timeoutSeconds: number;
  /** Extractions running at once (the queue's event source maximum concurrency, 2 to 1000). */
  maxConcurrency: number;
  spotifyConcurrency: number;
  /** Contract C2: the Spotify object cache's settings. */
  cacheMaxAgeDays: number;
  cacheDailyRefresh: number;
  logRetentionDays: number;
  /** X-Ray active tracing on the functions (config "tracing"). */
  tracing?: boolean;
}

export function checkExtractorArgs(args: ExtractorArgs): void {
  parsePlaylists(args.playlists, 'Config "playlists"', PLAYLISTS_FIX);
  if (!Number.isInteger(args.maxConcurrency) || args.maxConcurrency < 2 || args.maxConcurrency > 1000) {
    throw new Error(`extractMaxConcurrency is ${args.maxConcurrency}: an SQS event source's maximum concurrency is 2 to 1000 (Lambda API reference, ScalingConfig).`);
  }
}

export class Extractor extends pulumi.ComponentResource {
  /** The app's credentials (the stack's). */
  readonly secret: aws.secretsmanager.Secret;
  /** The refresh token (the extractor's after the first deploy); none in client_credentials mode. */
  readonly refreshTokenSecret?: aws.secretsmanager.Secret;
  readonly function: PipelineFunction;
  readonly queue: aws.sqs.Queue;
  readonly eventSource: aws.lambda.EventSourceMapping;
  /** The one schedule and what it starts: the seam for work that runs in step with the extraction (see ExtractionSchedule). */
  readonly schedule: ExtractionSchedule;
  readonly fanout: PipelineFunction;
  /** The object in the lake bucket that holds the playlist list the fan-out reads. */
  readonly playlistsObject: aws.s3.BucketObjectv2;
  /** The playlist ids the schedule extracts (normalized). */
  readonly playlists: string[];

  constructor(name: string, args: ExtractorArgs, opts?: pulumi.ComponentResourceOptions) {
    super("spotify-pipeline:index:Extractor", name, {}, opts);
    checkExtractorArgs(args);
    this.playlists = [...args.playlists];
    this.secret = this.credentialsSecret(name, args);
    this.refreshTokenSecret = this.refreshTokenSeed(name, args);
    this.function = this.extractFunction(name, args);
    this.queue = this.requestQueue(name, args);
    this.eventSource = this.queueToFunction(name, args);
    this.playlistsObject = this.playlistList(name, args);
    this.fanout = this.fanoutFunction(name, args);
    this.schedule = this.scheduleFanout(name, args);
    this.registerOutputs({ functionName: this.function.fn.name, secretArn: this.secret.arn, queueUrl: this.queue.url, fanoutFunctionName: this.fanout.fn.name });
  }

  /** The app's credentials: the stack's own, rewritten from config whenever the client id or secret changes. */
  private credentialsSecret(name: string, args: ExtractorArgs): aws.secretsmanager.Secret {
    const secret = new aws.secretsmanager.Secret(
      `${name}-spotify-credentials`,
      { description: "Spotify app credentials for the extractor: {client_id, client_secret}. Written by the stack from its config.", recoveryWindowInDays: 7 },
      { parent: this },
    );
    const secretString = pulumi.secret(
      pulumi.all([args.clientId, args.clientSecret]).apply(([client_id, client_secret]) => JSON.stringify({ client_id, ...(client_secret ? { client_secret } : {}) })),
    );
    new aws.secretsmanager.SecretVersion(`${name}-spotify-credentials-value`, { secretId: secret.id, secretString }, { parent: this });
    return secret;
  }

  /**
   * The refresh token (authMode refresh_token): the extractor's, not the stack's. Spotify may
   * return a new refresh token with an access token, and the extractor stores it here; a secret
   * version written from config on a later `pulumi up` would put the old token back
   * (aws.secretsmanager.SecretVersion makes a new current version whenever its secretString
   * changes). So the stack writes the config's token once, when the secret is created, and
   * ignores its value from then on (Pulumi resource option ignoreChanges: "the current value of
   * the property is used instead of the input"). To sign in with another token on purpose, see
   * docs/deploy.md ("A new refresh token").
   */
  private refreshTokenSeed(name: string, args: ExtractorArgs): aws.secretsmanager.Secret | undefined {
    if (args.authMode !== "refresh_token") return undefined;
    const secret = new aws.secretsmanager.Secret(
      `${name}-spotify-refresh-token`,
      { description: "The Spotify refresh token the extractor signs in with: {refresh_token}. Seeded once by the stack; the extractor writes rotated tokens here.", recoveryWindowInDays: 7 },
      { parent: this },
    );
    const seed = pulumi.secret(pulumi.output(args.refreshToken).apply((refresh_token) => JSON.stringify({ refresh_token: refresh_token ?? "" })));
    new aws.secretsmanager.SecretVersion(
      `${name}-spotify-refresh-token-seed`,
      { secretId: secret.id, secretString: seed },
      { parent: this, ignoreChanges: ["secretString", "versionStages"] },
    );
    return secret;
  }

  private extractFunction(name: string, args: ExtractorArgs): PipelineFunction {
    const e = EXTRACT_ENV;
    // Leave time to write what was fetched: the client gives up on a Retry-After it cannot afford.
    const maxWaitS = Math.max(1, Math.min(120, Math.floor(args.timeoutSeconds / 3)));
    return pipelineFunction(
      `${name}-fn`,
      {
        description: "Extracts one Spotify playlist ({\"playlist_id\": ...}, directly or from its queue) and lands its raw snapshot under raw_data/.",
        handler: HANDLERS.extract,
        bindings: [
          // Raw snapshots: write only. The object cache (contract C2): only this role reads and writes under its prefix.
          bucketBinding(e.bucket, args.lakeBucket, { read: [SPOTIFY_CACHE_PREFIX], write: [RAW_SNAPSHOT_PREFIX, SPOTIFY_CACHE_PREFIX], list: [SPOTIFY_CACHE_PREFIX] }),
          secretBinding(e.secretArn, this.secret, { writeBack: false }),
          ...(this.refreshTokenSecret ? [secretBinding(e.refreshTokenSecretArn, this.refreshTokenSecret, { writeBack: true })] : []),
          settingsBinding({
            [e.authMode]: args.authMode,
            [e.concurrency]: String(args.spotifyConcurrency),
            [e.maxWaitS]: String(maxWaitS),
            [e.cacheMaxAgeDays]: String(args.cacheMaxAgeDays),
            [e.cacheDailyRefresh]: String(args.cacheDailyRefresh),
          }),
        ],
        memoryMb: args.memoryMb,
        timeoutSeconds: args.timeoutSeconds,
        logRetentionDays: args.logRetentionDays,
        tracing: args.tracing,
      },
      this,
    );
  }

  private requestQueue(name: string, args: ExtractorArgs): aws.sqs.Queue {
    return new aws.sqs.Queue(
      `${name}-requests`,
      {
        sqsManagedSseEnabled: true,
        messageRetentionSeconds: 4 * 24 * 3600,
        // Lambda developer guide, "Using Lambda with Amazon SQS": set the queue's visibility timeout
        // to at least six times the function's timeout, so a message is not redelivered while an
        // invocation (with its retries under throttling) still holds it.
        visibilityTimeoutSeconds: 6 * args.timeoutSeconds,
        redrivePolicy: pulumi.jsonStringify({ deadLetterTargetArn: this.function.deadLetterQueue.arn, maxReceiveCount: EXTRACT_MAX_RECEIVES }),
      },
      { parent: this },
    );
  }

  private queueToFunction(name: string, args: ExtractorArgs): aws.lambda.EventSourceMapping {
    // The event source mapping polls with the function's role (Lambda developer guide, "Execution role permissions" for SQS).
    const consume = new aws.iam.RolePolicy(
      `${name}-fn-consume-requests`,
      {
        role: this.function.role.id,
        policy: pulumi.jsonStringify({
          Version: "2012-10-17",
          Statement: [{ Effect: "Allow", Action: QUEUE_CONSUMER_ACTIONS, Resource: this.queue.arn }],
        }),
      },
      { parent: this },
    );
    return new aws.lambda.EventSourceMapping(
      `${name}-from-queue`,
      {
        eventSourceArn: this.queue.arn,
        functionName: this.function.fn.arn,
        // One playlist per invocation: each gets the whole timeout, and fails and retries on its own.
        batchSize: 1,
        // The handler answers with the messages to deliver again (an extraction stopped at the deadline,
        // a message that is not a request), so those are not invocation errors (handlers/extract.ts).
        functionResponseTypes: ["ReportBatchItemFailures"],
        scalingConfig: { maximumConcurrency: args.maxConcurrency },
      },
      { parent: this, dependsOn: [consume] },
    );
  }

  /** The list as data: one object, rewritten by `pulumi up` when the config changes; the graph stays the same for 1 or 1,000 playlists. */
  private playlistList(name: string, args: ExtractorArgs): aws.s3.BucketObjectv2 {
    return new aws.s3.BucketObjectv2(
      `${name}-playlists`,
      { bucket: args.lakeBucket.id, key: PLAYLISTS_OBJECT_KEY, content: playlistsDocument(args.playlists), contentType: "application/json" },
      { parent: this },
    );
  }

  private fanoutFunction(name: string, args: ExtractorArgs): PipelineFunction {
    return pipelineFunction(
      `${name}-fanout`,
      {
        description: `Reads the playlist list (${PLAYLISTS_OBJECT_KEY}) and queues one extraction request per playlist, ten per SendMessageBatch.`,
        handler: HANDLERS.fanout,
        bindings: [
          bucketBinding(FANOUT_ENV.bucket, args.lakeBucket, { read: [PLAYLISTS_OBJECT_KEY] }),
          settingsBinding({ [FANOUT_ENV.playlistsKey]: PLAYLISTS_OBJECT_KEY }),
          // SQS developer guide, "Amazon SQS API permissions": SendMessageBatch is authorized by sqs:SendMessage.
          { env: { [FANOUT_ENV.queueUrl]: this.queue.url }, statements: [{ Effect: "Allow", Action: ["sqs:SendMessage"], Resource: this.queue.arn }] },
        ],
        memoryMb: 256,
        timeoutSeconds: 120,
        logRetentionDays: args.logRetentionDays,
        tracing: args.tracing,
        // The handler retries the failed entries itself; a retry of the whole invocation would queue
        // every playlist again. A run that still fails goes to the dead-letter queue and alarms.
        asyncRetries: 0,
      },
      this,
    );
  }

  private scheduleFanout(name: string, args: ExtractorArgs): ExtractionSchedule {
    const rule = new aws.cloudwatch.EventRule(
      `${name}-schedule`,
      { description: `Starts the extraction of every configured playlist (${PLAYLISTS_OBJECT_KEY}) on ${args.schedule}.`, scheduleExpression: args.schedule },
      { parent: this },
    );
    // EventBridge invokes a Lambda target under the function's resource policy (EventBridge user guide,
    // "Using resource-based policies for Amazon EventBridge": AWS Lambda permissions).
    const invoke = new aws.lambda.Permission(
      `${name}-fanout-from-schedule`,
      { action: "lambda:InvokeFunction", function: this.fanout.fn.name, principal: "events.amazonaws.com", sourceArn: rule.arn },
      { parent: this },
    );
    new aws.cloudwatch.EventTarget(`${name}-schedule-target`, { rule: rule.name, arn: this.fanout.fn.arn }, { parent: this, dependsOn: [invoke] });
    return { expression: args.schedule, rule, queue: this.queue, extractTimeoutSeconds: args.timeoutSeconds, maxConcurrency: args.maxConcurrency };
  }
}
