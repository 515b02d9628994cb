/**
 * The extractor: a Secrets Manager secret with the Spotify credentials, a Lambda that lands
 * one playlist's raw snapshot per invocation, and a schedule with one target per playlist
 * (input {"playlist_id": ...}), so each playlist runs, fails and retries on its own. EventBridge
 * allows five targets per rule, so playlists are spread over as many rules as needed.
 *
 * Reserved concurrency bounds how many playlists call Spotify at once (Spotify's rate limit
 * is per app); invocations above it wait in Lambda's async queue and retry, they are not lost.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { RAW_SNAPSHOT_PREFIX } from "../lib/lake/layout";
import { deadLetterQueue, sendFailuresTo } from "./deadLetterQueue";
import { pipelineFunction, type PipelineFunction } from "./lambdaCode";

export const TARGETS_PER_RULE = 5;

export type AuthMode = "refresh_token" | "client_credentials";

export interface ExtractorArgs {
  lakeBucket: aws.s3.Bucket;
  playlists: string[];
  /** An EventBridge schedule expression, e.g. "cron(0 6 * * ? *)". */
  schedule: string;
  authMode: AuthMode;
  clientId: pulumi.Input<string>;
  /** Secret config values: they go only into the Secrets Manager secret. */
  clientSecret?: pulumi.Input<string | undefined>;
  refreshToken?: pulumi.Input<string | undefined>;
  memoryMb: number;
  timeoutSeconds: number;
  /** Undefined: the account's unreserved pool (new accounts cannot reserve any). */
  reservedConcurrency?: number;
  spotifyConcurrency: number;
  logRetentionDays: number;
}

/** Splits the playlists into groups of at most five, one group per schedule rule. */
export function scheduleGroups(playlists: string[]): string[][] {
  const groups: string[][] = [];
  for (let i = 0; i < playlists.length; i += TARGETS_PER_RULE) groups.push(playlists.slice(i, i + TARGETS_PER_RULE));
  return groups;
}

export class Extractor extends pulumi.ComponentResource {
  readonly secret: aws.secretsmanager.Secret;
  readonly function: PipelineFunction;
  readonly deadLetterQueue: aws.sqs.Queue;
  readonly scheduleRules: aws.cloudwatch.EventRule[] = [];
  readonly targets: aws.cloudwatch.EventTarget[] = [];

  constructor(name: string, args: ExtractorArgs, opts?: pulumi.ComponentResourceOptions) {
    super("spotify-pipeline:index:Extractor", name, {}, opts);
    if (args.playlists.length === 0) throw new Error("No playlists configured: `pulumi config set --path 'playlists[0]' <playlist id>`.");
    if (new Set(args.playlists).size !== args.playlists.length) throw new Error(`A playlist is listed twice in config "playlists": ${args.playlists.join(", ")}.`);

    this.secret = new aws.secretsmanager.Secret(
      `${name}-spotify-credentials`,
      { description: "Spotify app credentials for the extractor: {client_id, client_secret, refresh_token}. The extractor writes rotated refresh tokens back here.", recoveryWindowInDays: 7 },
      { parent: this },
    );
    const secretString = pulumi.secret(
      pulumi.all([args.clientId, args.clientSecret, args.refreshToken]).apply(([client_id, client_secret, refresh_token]) =>
        JSON.stringify({ client_id, ...(client_secret ? { client_secret } : {}), ...(refresh_token && args.authMode === "refresh_token" ? { refresh_token } : {}) }),
      ),
    );
    new aws.secretsmanager.SecretVersion(
      `${name}-spotify-credentials-value`,
      { secretId: this.secret.id, secretString },
      // A rotation by the extractor moves AWSCURRENT to its own version: never move it back. A changed config value still makes a new current version.
      { parent: this, ignoreChanges: ["versionStages"] },
    );

    this.deadLetterQueue = deadLetterQueue(`${name}-dlq`, this);

    // Leave time to write what was fetched: the client gives up on a Retry-After it cannot afford.
    const maxWaitS = Math.max(1, Math.min(120, Math.floor(args.timeoutSeconds / 3)));
    this.function = pipelineFunction(
      `${name}-fn`,
      {
        description: "Extracts one Spotify playlist ({\"playlist_id\": ...}) and lands its raw snapshot under raw_data/.",
        handler: { entry: "extract", exportName: "extractHandlerFromEnv" },
        environment: {
          LAKE_BUCKET: args.lakeBucket.bucket,
          SPOTIFY_SECRET_ARN: this.secret.arn,
          SPOTIFY_AUTH_MODE: args.authMode,
          SPOTIFY_CONCURRENCY: String(args.spotifyConcurrency),
          SPOTIFY_MAX_WAIT_S: String(maxWaitS),
        },
        memoryMb: args.memoryMb,
        timeoutSeconds: args.timeoutSeconds,
        logRetentionDays: args.logRetentionDays,
        reservedConcurrency: args.reservedConcurrency,
        statements: [
          { Effect: "Allow", Action: ["s3:PutObject"], Resource: pulumi.interpolate`${args.lakeBucket.arn}/${RAW_SNAPSHOT_PREFIX}*` },
          { Effect: "Allow", Action: ["secretsmanager:GetSecretValue", "secretsmanager:PutSecretValue"], Resource: this.secret.arn },
          { Effect: "Allow", Action: ["sqs:SendMessage"], Resource: this.deadLetterQueue.arn },
        ],
      },
      this,
    );
    const fn = this.function.fn;
    sendFailuresTo(`${name}-on-failure`, fn, this.deadLetterQueue, this);

    scheduleGroups(args.playlists).forEach((group, i) => {
      const rule = new aws.cloudwatch.EventRule(
        `${name}-schedule-${i}`,
        { description: `Extracts playlists ${group.join(", ")} on ${args.schedule}.`, scheduleExpression: args.schedule },
        { parent: this },
      );
      const allow = new aws.lambda.Permission(
        `${name}-schedule-${i}-invoke`,
        { action: "lambda:InvokeFunction", function: fn.name, principal: "events.amazonaws.com", sourceArn: rule.arn },
        { parent: this },
      );
      this.scheduleRules.push(rule);
      for (const playlistId of group) {
        this.targets.push(
          new aws.cloudwatch.EventTarget(
            `${name}-playlist-${playlistId}`,
            { rule: rule.name, targetId: `playlist-${playlistId}`, arn: fn.arn, input: JSON.stringify({ playlist_id: playlistId }) },
            { parent: this, dependsOn: [allow] },
          ),
        );
      }
    });

    this.registerOutputs({ functionName: fn.name, secretArn: this.secret.arn });
  }
}
