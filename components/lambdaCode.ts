/**
 * What every Lambda of the pipeline shares: runtime and architecture, what goes into the code
 * archive, the trust policy, its log group, its bindings (env var + grant), and a dead-letter
 * queue for failed asynchronous invocations.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { bundleHandler, bundledHandlerFactory, PROJECT_ROOT, type HandlerBundle } from "./handlerBundle";
import { combineBindings, grantsOnly, type Binding } from "./bindings";
import { deadLetterQueue, sendFailuresTo } from "./deadLetterQueue";
import type { HandlerRef } from "./handlerRegistry";

export const LAMBDA_RUNTIME = "nodejs22.x";
/**
 * Graviton: Lambda bills arm64 about 20% less per GB-second than x86_64 (AWS Lambda pricing),
 * nothing here is native (parquet-wasm is WebAssembly), and bench/lambda.ts measures the cold
 * start of each archive on both where it can (see README, "Performance").
 */
export const LAMBDA_ARCHITECTURE = "arm64";

/** The project's runtime dependencies (package.json "dependencies"). */
export function projectDependencies(packageJsonPath = path.resolve(__dirname, "../package.json")): string[] {
  const pkg = JSON.parse(readFileSync(packageJsonPath, "utf8")) as { dependencies?: Record<string, string> };
  return Object.keys(pkg.dependencies ?? {});
}

/** Packages the nodejs22.x runtime provides: never shipped. */
export function isRuntimeProvided(packageName: string): boolean {
  return packageName.startsWith("@aws-sdk/");
}

/**
 * For each external package that is shipped (EXTERNAL_PACKAGES minus the runtime's), the files
 * its Node entry needs, relative to the project root. parquet-wasm publishes three builds with a
 * 4.9 MB wasm each (bundler/, esm/, node/); `require("parquet-wasm")` resolves through its
 * package.json "exports" (".": "node" → ./node/parquet_wasm.js), a CommonJS file (node/package.json
 * says so, the root says "module") that reads ./parquet_wasm_bg.wasm beside itself.
 */
export const SHIPPED_EXTERNAL_FILES: Record<string, readonly string[]> = {
  "parquet-wasm": ["package.json", "node/package.json", "node/parquet_wasm.js", "node/parquet_wasm_bg.wasm"].map((f) => `node_modules/parquet-wasm/${f}`),
};

/**
 * What goes into a function's archive besides its bundle. Pulumi would zip every package in
 * "dependencies" with all of its own; the bundle already holds the pure-JS code it uses, so all
 * of them are excluded and only the files of the shipped external packages the bundle requires
 * are added. A package the bundle requires that is neither runtime-provided nor listed in
 * SHIPPED_EXTERNAL_FILES is an error here, at deploy time, rather than a failed cold start.
 */
export function lambdaCodePathOptions(
  bundle: HandlerBundle,
  dependencies: string[] = projectDependencies(),
  projectRoot: string = PROJECT_ROOT,
): pulumi.runtime.CodePathOptions {
  // Pulumi packs codePathOptions paths relative to the working directory (CallbackFunction →
  // pulumi.runtime.computeCodePaths), which the Pulumi CLI sets to the project folder; anywhere
  // else the archive would silently miss files, so say so instead.
  if (path.resolve(process.cwd()) !== path.resolve(projectRoot)) {
    throw new Error(`Lambda archives are packed relative to the working directory: run from ${projectRoot} (the Pulumi CLI does), not ${process.cwd()}.`);
  }
  const shipped: string[] = [];
  for (const name of bundle.packages.filter((p) => !isRuntimeProvided(p))) {
    const files = SHIPPED_EXTERNAL_FILES[name];
    if (!files) throw new Error(`${bundle.relativePath} requires "${name}", which is neither bundled, provided by the Lambda runtime, nor in SHIPPED_EXTERNAL_FILES (components/lambdaCode.ts): bundle it or list the files it needs.`);
    for (const file of files) {
      if (!existsSync(path.join(projectRoot, file))) throw new Error(`${file} is missing: run \`npm ci\` before deploying (${name} must ship it).`);
    }
    shipped.push(...files);
  }
  return {
    extraIncludePaths: [bundle.relativePath, ...shipped],
    extraExcludePackages: [...dependencies],
  };
}

export const LAMBDA_ASSUME_ROLE_POLICY = JSON.stringify({
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" }],
});

export interface PipelineFunctionArgs {
  /** An entry of HANDLERS (components/handlerRegistry.ts). */
  handler: HandlerRef;
  /** Plain data passed to the handler factory (serialized into the archive): never a secret. */
  handlerArgs?: unknown[];
  description: string;
  /** Each resource the function uses: its env var and its grant together. */
  bindings: Binding[];
  timeoutSeconds: number;
  memoryMb: number;
  logRetentionDays: number;
  /** Retries of a failed asynchronous invocation (0 to 2, Lambda's default 2). */
  asyncRetries?: number;
  /** X-Ray active tracing (off by default: traces cost money per recorded segment). */
  tracing?: boolean;
}

/**
 * Lambda developer guide, "Visualize Lambda function invocations using AWS X-Ray": with active
 * tracing, "your function's execution role needs permission to upload trace data to X-Ray"
 * (xray:PutTraceSegments, xray:PutTelemetryRecords, as in the AWSXRayDaemonWriteAccess managed
 * policy). X-Ray has no resource-level permissions for these actions, so their resource is "*".
 */
export const XRAY_WRITE_ACTIONS = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"];

export interface PipelineFunction {
  fn: aws.lambda.CallbackFunction<unknown, unknown>;
  role: aws.iam.Role;
  logGroup: aws.cloudwatch.LogGroup;
  policy: aws.iam.RolePolicy;
  /** Where failed asynchronous invocations go, with the event and the error. */
  deadLetterQueue: aws.sqs.Queue;
  bundle: HandlerBundle;
}

/**
 * A CallbackFunction with its own least-privilege role, a log group with a retention (created
 * first, so Lambda never makes an unbounded one), JSON logs, a lean archive, an on-failure
 * destination, and no reserved concurrency: Lambda requires 100 executions to stay unreserved
 * (Lambda API reference, PutFunctionConcurrency: "you can't allocate more than the unreserved
 * concurrency minus 100"), so on an account with a quota of 10 any reservation fails.
 */
export function pipelineFunction(name: string, args: PipelineFunctionArgs, parent: pulumi.Resource): PipelineFunction {
  const bundle = bundleHandler(args.handler.entry);
  const logGroup = new aws.cloudwatch.LogGroup(`${name}-logs`, { retentionInDays: args.logRetentionDays }, { parent });
  const role = new aws.iam.Role(`${name}-role`, { assumeRolePolicy: LAMBDA_ASSUME_ROLE_POLICY }, { parent });
  const dlq = deadLetterQueue(`${name}-dlq`, parent);
  const { env, statements } = combineBindings([
    ...args.bindings,
    grantsOnly(
      { Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents"], Resource: pulumi.interpolate`${logGroup.arn}:*` },
      // Lambda sends a failed async invocation to the on-failure destination with the function's role.
      { Effect: "Allow", Action: ["sqs:SendMessage"], Resource: dlq.arn },
      ...(args.tracing ? [{ Effect: "Allow" as const, Action: XRAY_WRITE_ACTIONS, Resource: "*" }] : []),
    ),
  ]);
  const policy = new aws.iam.RolePolicy(
    `${name}-policy`,
    { role: role.id, policy: pulumi.jsonStringify({ Version: "2012-10-17", Statement: statements }) },
    { parent },
  );
  const fn = new aws.lambda.CallbackFunction<unknown, unknown>(
    name,
    {
      callbackFactory: bundledHandlerFactory(bundle.requirePath, args.handler.exportName, args.handlerArgs),
      description: args.description,
      role,
      runtime: LAMBDA_RUNTIME,
      architectures: [LAMBDA_ARCHITECTURE],
      timeout: args.timeoutSeconds,
      memorySize: args.memoryMb,
      environment: { variables: env },
      loggingConfig: { logFormat: "JSON", logGroup: logGroup.name },
      tracingConfig: { mode: args.tracing ? "Active" : "PassThrough" },
      codePathOptions: lambdaCodePathOptions(bundle),
    },
    { parent, dependsOn: [policy, logGroup] },
  );
  sendFailuresTo(`${name}-on-failure`, fn, dlq, parent, args.asyncRetries ?? 2);
  return { fn, role, logGroup, policy, deadLetterQueue: dlq, bundle };
}
