/**
 * The views Lambda's contract: entry, environment, the SQL it publishes, and the events it takes
 * (a successful crawl, or the deploy-time publication through aws.lambda.Invocation).
 */
import { optionalWholeNumber, requireEnv, type Env } from "./env";

export const VIEWS_HANDLER = { entry: "views", exportName: "viewsHandlerFromEnv" } as const;

export const VIEWS_ENV = {
  workgroup: "ATHENA_WORKGROUP",
  database: "GLUE_DATABASE",
  pollIntervalMs: "VIEWS_POLL_INTERVAL_MS",
} as const;

export interface ViewsEnv {
  workgroup: string;
  database: string;
  pollIntervalMs?: number;
}

export function parseViewsEnv(env: Env): ViewsEnv {
  return {
    workgroup: requireEnv(env, VIEWS_ENV.workgroup, "views"),
    database: requireEnv(env, VIEWS_ENV.database, "views"),
    pollIntervalMs: optionalWholeNumber(env, VIEWS_ENV.pollIntervalMs, { min: 0, max: 60_000 }),
  };
}

/** One sql/views file: its name and its CREATE OR REPLACE VIEW statement (the one definition of the type). */
export interface ViewSql {
  name: string;
  sql: string;
}

/** The payload `pulumi up` sends when the views' SQL changed (aws.lambda.Invocation); the hash makes a change visible. */
export interface PublishOnDeployEvent {
  reason: "deploy";
  sqlSha256: string;
}

export const VIEWS_LOG = { published: "view published", failed: "view not published" } as const;
