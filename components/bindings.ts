/**
 * A binding gives a function one resource: the environment variable that names it and the grant
 * that lets the function use it, set together in one call (as Powertools' CDK constructs bind a
 * table: env var + grant), so a function never has a name without its grant or a grant it does
 * not use. Variable names come from the Lambda's contract (contracts/*.ts).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

export type Statement = pulumi.Input<aws.iam.PolicyStatement>;

export interface Binding {
  env: Record<string, pulumi.Input<string>>;
  statements: Statement[];
}

/** Settings that need no grant (limits, modes). */
export function settingsBinding(env: Record<string, pulumi.Input<string>>): Binding {
  return { env, statements: [] };
}

/** Grants that name nothing in the environment (the function's own queues). */
export function grantsOnly(...statements: Statement[]): Binding {
  return { env: {}, statements };
}

/** S3 ARNs for "every object under this prefix". */
export function objectArns(bucket: aws.s3.Bucket, prefixes: readonly string[]): pulumi.Output<string>[] {
  return prefixes.map((p) => pulumi.interpolate`${bucket.arn}/${p}*`);
}

/**
 * A bucket, named by `envName`, with reads, writes and listings limited to prefixes. Listing
 * lets a HeadObject/GetObject on a missing key answer 404 instead of 403 (S3 API reference,
 * HeadObject: "If you don't have the s3:ListBucket permission, Amazon S3 returns ... 403").
 */
export function bucketBinding(envName: string, bucket: aws.s3.Bucket, access: { read?: readonly string[]; write?: readonly string[]; list?: readonly string[] }): Binding {
  const statements: Statement[] = [];
  if (access.read?.length) statements.push({ Effect: "Allow", Action: ["s3:GetObject"], Resource: objectArns(bucket, access.read) });
  if (access.write?.length) statements.push({ Effect: "Allow", Action: ["s3:PutObject"], Resource: objectArns(bucket, access.write) });
  if (access.list?.length) {
    statements.push({ Effect: "Allow", Action: ["s3:ListBucket"], Resource: bucket.arn, Condition: { StringLike: { "s3:prefix": access.list.map((p) => `${p}*`) } } });
  }
  return { env: { [envName]: bucket.bucket }, statements };
}

/** A Secrets Manager secret named by its ARN; `writeBack` for a function that stores a rotated value. */
export function secretBinding(envName: string, secret: aws.secretsmanager.Secret, opts: { writeBack: boolean }): Binding {
  const actions = ["secretsmanager:GetSecretValue", ...(opts.writeBack ? ["secretsmanager:PutSecretValue"] : [])];
  return { env: { [envName]: secret.arn }, statements: [{ Effect: "Allow", Action: actions, Resource: secret.arn }] };
}

/** Glue Data Catalog ARNs of this account and region (Glue developer guide, "Specifying AWS Glue resource ARNs"). */
export interface GlueArns {
  catalog: pulumi.Output<string>;
  database(name: pulumi.Input<string>): pulumi.Output<string>;
  tables(database: pulumi.Input<string>, table?: pulumi.Input<string>): pulumi.Output<string>;
}

export function glueArns(parent: pulumi.Resource): GlueArns {
  const region = aws.getRegionOutput({}, { parent }).region;
  const account = aws.getCallerIdentityOutput({}, { parent }).accountId;
  const base = pulumi.interpolate`arn:aws:glue:${region}:${account}`;
  return {
    catalog: pulumi.interpolate`${base}:catalog`,
    database: (name) => pulumi.interpolate`${base}:database/${name}`,
    tables: (database, table = "*") => pulumi.interpolate`${base}:table/${database}/${table}`,
  };
}

/** A Glue database named by `envName`, with `actions` on the catalog, the database and the given tables of it. */
export function glueDatabaseBinding(envName: string, database: aws.glue.CatalogDatabase, arns: GlueArns, actions: string[], tables: pulumi.Input<string>[]): Binding {
  return {
    env: { [envName]: database.name },
    statements: [{ Effect: "Allow", Action: actions, Resource: [arns.catalog, arns.database(database.name), ...tables.map((t) => arns.tables(database.name, t))] }],
  };
}

/** A Lambda function named by `envName`, which the bound function may invoke (lambda:InvokeFunction on its ARN only). */
export function functionBinding(envName: string, fn: aws.lambda.Function): Binding {
  return { env: { [envName]: fn.name }, statements: [{ Effect: "Allow", Action: ["lambda:InvokeFunction"], Resource: fn.arn }] };
}

/**
 * An Athena workgroup named by `envName`: running and reading queries in it, and writing their
 * results where the workgroup puts them (Athena user guide, "Identity-based policies": a query's
 * caller needs s3:GetBucketLocation, ListBucket, GetObject and PutObject on the results location).
 */
export function athenaWorkgroupBinding(envName: string, workgroup: aws.athena.Workgroup, resultsBucket: aws.s3.Bucket, resultsPrefix: string): Binding {
  return {
    env: { [envName]: workgroup.name },
    statements: [
      { Effect: "Allow", Action: ["athena:StartQueryExecution", "athena:GetQueryExecution"], Resource: workgroup.arn },
      { Effect: "Allow", Action: ["s3:GetBucketLocation", "s3:ListBucket"], Resource: resultsBucket.arn },
      {
        Effect: "Allow",
        Action: ["s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"],
        Resource: pulumi.interpolate`${resultsBucket.arn}/${resultsPrefix}*`,
      },
    ],
  };
}

/** The environment and grants of all bindings; a variable bound twice is a programming error. */
export function combineBindings(bindings: Binding[]): Binding {
  const env: Record<string, pulumi.Input<string>> = {};
  for (const b of bindings) {
    for (const [name, value] of Object.entries(b.env)) {
      if (name in env) throw new Error(`Environment variable ${name} is bound twice: one binding per variable.`);
      env[name] = value;
    }
  }
  return { env, statements: bindings.flatMap((b) => b.statements) };
}
