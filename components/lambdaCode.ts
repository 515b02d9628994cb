/**
 * What every Lambda of the pipeline shares: runtime, what goes into the code archive, the
 * trust policy and the log group a role may write to.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { bundleHandler, bundledHandlerFactory, PROJECT_ROOT, type HandlerBundle } from "./handlerBundle";

export const LAMBDA_RUNTIME = "nodejs22.x";

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

/** S3 ARNs for "every object under this prefix" of a bucket. */
export function objectArns(bucketArn: pulumi.Input<string>, ...prefixes: string[]): pulumi.Output<string[]> {
  return pulumi.output(bucketArn).apply((arn) => prefixes.map((p) => `${arn}/${p}*`));
}

export interface FunctionBasics {
  role: aws.iam.Role;
  logGroup: aws.cloudwatch.LogGroup;
  /** The function should depend on it, so it never runs before its grants exist. */
  policy: aws.iam.RolePolicy;
}

/**
 * A role Lambda can assume and a log group with a retention, created before the function so
 * Lambda never creates an unbounded one itself. `statements` are the function's only grants
 * besides writing to its own log group.
 */
export function functionBasics(
  name: string,
  args: { logRetentionDays: number; statements: pulumi.Input<pulumi.Input<aws.iam.PolicyStatement>[]> },
  parent: pulumi.Resource,
): FunctionBasics {
  const logGroup = new aws.cloudwatch.LogGroup(`${name}-logs`, { retentionInDays: args.logRetentionDays }, { parent });
  const role = new aws.iam.Role(`${name}-role`, { assumeRolePolicy: LAMBDA_ASSUME_ROLE_POLICY }, { parent });
  const statements = pulumi.all([pulumi.output(args.statements), logGroup.arn]).apply(([own, logArn]) => [
    { Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents"], Resource: `${logArn}:*` },
    ...own,
  ]);
  const policy = new aws.iam.RolePolicy(
    `${name}-policy`,
    { role: role.id, policy: statements.apply((Statement) => JSON.stringify({ Version: "2012-10-17", Statement })) },
    { parent },
  );
  return { role, logGroup, policy };
}

export interface PipelineFunctionArgs {
  /** The handler: handlers/<entry>.ts, whose export `exportName(...args)` returns the Lambda handler. */
  handler: { entry: string; exportName: string; args?: unknown[] };
  description: string;
  statements: pulumi.Input<pulumi.Input<aws.iam.PolicyStatement>[]>;
  /** Names and ARNs only: never a secret value. */
  environment: Record<string, pulumi.Input<string>>;
  timeoutSeconds: number;
  memoryMb: number;
  logRetentionDays: number;
  /** Omit for the account's unreserved pool. */
  reservedConcurrency?: number;
}

export interface PipelineFunction extends FunctionBasics {
  fn: aws.lambda.CallbackFunction<unknown, unknown>;
  bundle: HandlerBundle;
}

/** A CallbackFunction with its own least-privilege role, a log group, JSON logs and a lean archive. */
export function pipelineFunction(name: string, args: PipelineFunctionArgs, parent: pulumi.Resource): PipelineFunction {
  const bundle = bundleHandler(args.handler.entry);
  const basics = functionBasics(name, { logRetentionDays: args.logRetentionDays, statements: args.statements }, parent);
  const fn = new aws.lambda.CallbackFunction<unknown, unknown>(
    name,
    {
      callbackFactory: bundledHandlerFactory(bundle.requirePath, args.handler.exportName, args.handler.args),
      description: args.description,
      role: basics.role,
      runtime: LAMBDA_RUNTIME,
      timeout: args.timeoutSeconds,
      memorySize: args.memoryMb,
      environment: { variables: args.environment },
      loggingConfig: { logFormat: "JSON", logGroup: basics.logGroup.name },
      reservedConcurrentExecutions: args.reservedConcurrency,
      codePathOptions: lambdaCodePathOptions(bundle),
    },
    { parent, dependsOn: [basics.policy, basics.logGroup] },
  );
  return { ...basics, fn, bundle };
}
