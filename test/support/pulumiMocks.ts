/**
 * Pulumi mocks that record every resource the program registers (type, name, inputs), with
 * plausible outputs (ids, ARNs, bucket and queue names) so dependent resources resolve.
 * Call installPulumiMocks() before importing the program.
 */
import * as pulumi from "@pulumi/pulumi";

export interface RecordedResource {
  type: string;
  name: string;
  inputs: Record<string, any>;
}

export const MOCK_ACCOUNT = "123456789012";
export const MOCK_REGION = "eu-west-1";

export const recorded: RecordedResource[] = [];

export function arnFor(type: string, name: string): string {
  const service = type.split(":")[1]?.split("/")[0] ?? "unknown";
  if (service === "s3") return `arn:aws:s3:::${name}`;
  if (type === "aws:glue/crawler:Crawler") return `arn:aws:glue:${MOCK_REGION}:${MOCK_ACCOUNT}:crawler/${name}`;
  return `arn:aws:${service}:${MOCK_REGION}:${MOCK_ACCOUNT}:${name}`;
}

export function installPulumiMocks(project = "spotify-pipeline", stack = "dev"): Promise<void> {
  return pulumi.runtime.setMocks(
    {
      newResource(args) {
        recorded.push({ type: args.type, name: args.name, inputs: args.inputs });
        const name = args.inputs.name ?? `${args.name}-physical`;
        const state: Record<string, unknown> = { ...args.inputs, name, arn: arnFor(args.type, name) };
        if (args.type === "aws:s3/bucket:Bucket") state.bucket = args.inputs.bucket ?? `${args.name}-physical`;
        if (args.type === "aws:sqs/queue:Queue") state.url = `https://sqs.${MOCK_REGION}.amazonaws.com/${MOCK_ACCOUNT}/${name}`;
        return { id: `${args.name}-id`, state };
      },
      call(args) {
        if (args.token === "aws:index/getRegion:getRegion") return { name: MOCK_REGION, region: MOCK_REGION, id: MOCK_REGION };
        if (args.token === "aws:index/getCallerIdentity:getCallerIdentity") {
          return { accountId: MOCK_ACCOUNT, arn: `arn:aws:iam::${MOCK_ACCOUNT}:user/test`, userId: "TEST", id: MOCK_ACCOUNT };
        }
        return args.inputs;
      },
    },
    project,
    stack,
    false,
  );
}

export function outputValue<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => output.apply(resolve));
}

export function ofType(type: string): RecordedResource[] {
  return recorded.filter((r) => r.type === type);
}

/** Parses a policy input (a JSON string, or an object) into its statements. */
export function statementsOf(policy: unknown): any[] {
  const doc = typeof policy === "string" ? JSON.parse(policy) : policy;
  const statements = doc?.Statement ?? [];
  return Array.isArray(statements) ? statements : [statements];
}

export function asArray<T>(value: T | T[] | undefined): T[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

/** Waits until every resource registration (and the RPCs they started) has finished. */
export async function allRegistered(): Promise<void> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const settings = require("@pulumi/pulumi/runtime/settings") as { waitForRPCs(): Promise<void> };
  await settings.waitForRPCs();
}

/** The physical name the mocks give a resource: its `name` input, else "<logical name>-physical". */
export function physicalName(r: RecordedResource): string {
  return r.inputs.name ?? `${r.name}-physical`;
}

export function mockArn(r: RecordedResource): string {
  return arnFor(r.type, physicalName(r));
}

/** A secret input arrives in the mocks wrapped as {<signature>: ..., value}; this unwraps it. */
export function unsecret(value: unknown): unknown {
  if (typeof value === "object" && value !== null && "value" in value && Object.keys(value).some((k) => /^[0-9a-f]{32}$/.test(k))) {
    return (value as { value: unknown }).value;
  }
  return value;
}

/**
 * Loads the Pulumi program (index.ts) under mocks with a minimal stack config (a client id, a
 * refresh token, these playlists) and waits for every resource. For scripts run in a fresh
 * process: Pulumi's config and mocks are process-wide.
 */
export async function loadProgramUnderMocks(playlists: string[], extraConfig: Record<string, string> = {}): Promise<void> {
  pulumi.runtime.setAllConfig(
    {
      "spotify-pipeline:playlists": JSON.stringify(playlists),
      "spotify-pipeline:spotifyClientId": "client-id",
      "spotify-pipeline:spotifyRefreshToken": "refresh-token",
      ...Object.fromEntries(Object.entries(extraConfig).map(([k, v]) => [`spotify-pipeline:${k}`, v])),
    },
    ["spotify-pipeline:spotifyRefreshToken"],
  );
  await installPulumiMocks();
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require("../../index");
  await allRegistered();
}
