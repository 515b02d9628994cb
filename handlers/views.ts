/**
 * Publishes the sql/views files to Athena after a crawl succeeds: each `CREATE OR REPLACE VIEW`
 * runs in the workgroup, in dependency order, and the handler waits for it. A failed or
 * cancelled query throws with the view's name and Athena's reason, so the invocation fails,
 * the Errors alarm fires, and the views that follow (which may depend on it) are not touched.
 *
 * On the first deploy the publication runs seconds after the function's role policy was created,
 * and IAM is eventually consistent (IAM user guide, "Troubleshoot IAM", "Changes that I make are
 * not always immediately visible": a change "takes time to become visible from all possible
 * endpoints"). So an access denial (from StartQueryExecution, or a query Athena failed for a
 * Glue or S3 permission) is tried again after a pause, a bounded number of times; any other
 * failure is reported at once.
 */
import { AthenaClient, GetQueryExecutionCommand, StartQueryExecutionCommand } from "@aws-sdk/client-athena";
import { Logger } from "@aws-lambda-powertools/logger";
import { parseViewsEnv, VIEWS_LOG, type PublishOnDeployEvent, type ViewSql } from "../contracts/views";
import type { Env } from "../contracts/env";
import { logWithContext, remainingMs, type InvocationContext } from "./lambdaContext";

export type { ViewSql };

export interface ViewsSettings {
  workgroup: string;
  database: string;
  /** In dependency order, as loadViews() returns them (read at deploy time). */
  views: ViewSql[];
  pollIntervalMs?: number;
  /** Stop waiting this long before the invocation's timeout, so a slow query fails with a message instead of a timeout. */
  safetyMarginMs?: number;
}

export interface ViewsDeps {
  athena?: AthenaClient;
  logger?: Logger;
  sleep?: (ms: number) => Promise<void>;
}

/** The part of a Glue Crawler State Change event the handler reads. */
export interface CrawlerStateChangeEvent {
  "detail-type"?: string;
  detail?: { crawlerName?: string; state?: string };
}

/** What the function is invoked with: a crawl's state change, or the publication `pulumi up` sends. */
export type ViewsEvent = CrawlerStateChangeEvent | PublishOnDeployEvent;

export interface ViewsResult {
  published: { name: string; queryExecutionId: string }[];
}

/** Pauses before each new try of a view refused for a permission: about two minutes in all. */
export const ACCESS_DENIED_RETRY_DELAYS_MS = [2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000] as const;

/** An error or a failed query's reason that says a permission was missing (IAM's own wording, as Athena passes it on). */
export function isAccessDenied(nameOrReason: string | undefined): boolean {
  return /AccessDenied|not authorized to perform|Insufficient Lake Formation permission/i.test(nameOrReason ?? "");
}

export class ViewPublishError extends Error {
  constructor(
    message: string,
    /** Athena or IAM refused for a missing permission: worth another try while IAM propagates. */
    readonly accessDenied = false,
  ) {
    super(message);
    this.name = "ViewPublishError";
  }
}

/**
 * The statement as Athena gets it: the file's leading comment lines and a trailing semicolon
 * removed (Athena takes one statement without a terminator); the body is unchanged.
 */
export function sqlForAthena(sql: string): string {
  const lines = sql.split(/\r?\n/);
  while (lines.length > 0 && (lines[0].trim() === "" || lines[0].trim().startsWith("--"))) lines.shift();
  return lines.join("\n").trim().replace(/;\s*$/, "").trimEnd();
}

export function createViewsHandler(settings: ViewsSettings, deps: ViewsDeps = {}): (event: ViewsEvent, context?: InvocationContext) => Promise<ViewsResult> {
  if (!settings.workgroup || !settings.database) {
    throw new Error("The views function needs ATHENA_WORKGROUP and GLUE_DATABASE in its environment (contracts/views.ts).");
  }
  const athena = deps.athena ?? new AthenaClient({});
  const logger = deps.logger ?? new Logger({ serviceName: "spotify-views" });
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const pollIntervalMs = settings.pollIntervalMs ?? 1000;
  const safetyMarginMs = settings.safetyMarginMs ?? 5_000;

  /** Runs a view, trying again after a pause while it is refused for a permission (IAM propagation), within the invocation's time. */
  async function publishView(view: ViewSql, context: InvocationContext | undefined): Promise<string> {
    for (let retry = 0; ; retry++) {
      try {
        return await runView(view, context);
      } catch (err) {
        const denied = err instanceof ViewPublishError ? err.accessDenied : isAccessDenied((err as Error).name) || isAccessDenied((err as Error).message);
        const delay = ACCESS_DENIED_RETRY_DELAYS_MS[retry];
        if (!denied || delay === undefined || remainingMs(context) < safetyMarginMs + delay) throw err;
        logger.warn("view refused for a permission; trying again (IAM changes take time to propagate)", { view: view.name, retryInMs: delay, error: (err as Error).message });
        await sleep(delay);
      }
    }
  }

  /** Waits for a query while the invocation has more than the margin left (context.getRemainingTimeInMillis()). */
  async function runView(view: ViewSql, context: InvocationContext | undefined): Promise<string> {
    const started = await athena.send(
      new StartQueryExecutionCommand({
        QueryString: sqlForAthena(view.sql),
        WorkGroup: settings.workgroup,
        QueryExecutionContext: { Database: settings.database },
      }),
    );
    const id = started.QueryExecutionId;
    if (!id) throw new ViewPublishError(`Athena returned no query execution id for view "${view.name}".`);
    for (;;) {
      const { QueryExecution } = await athena.send(new GetQueryExecutionCommand({ QueryExecutionId: id }));
      const state = QueryExecution?.Status?.State;
      if (state === "SUCCEEDED") return id;
      if (state === "FAILED" || state === "CANCELLED") {
        const reason = QueryExecution?.Status?.StateChangeReason ?? QueryExecution?.Status?.AthenaError?.ErrorMessage ?? "no reason given";
        throw new ViewPublishError(
          `View "${view.name}" was not published: Athena query ${id} ${state}: ${reason}. ` +
            `Fix sql/views/${view.name}.sql (check it with the local run) and run \`pulumi up\`; the views after it were not updated.`,
          isAccessDenied(reason),
        );
      }
      if (remainingMs(context) < safetyMarginMs + pollIntervalMs) {
        throw new ViewPublishError(
          `View "${view.name}": Athena query ${id} still ${state ?? "unknown"} with ${remainingMs(context)} ms left in this invocation; ` +
            `look at it in the Athena console, then re-run the function (or raise its timeout). The views after it were not updated.`,
        );
      }
      await sleep(pollIntervalMs);
    }
  }

  return async (event, context) => {
    logWithContext(logger, context);
    const trigger = "reason" in event ? { reason: event.reason, sqlSha256: event.sqlSha256 } : { crawler: event.detail?.crawlerName, state: event.detail?.state };
    logger.info("publishing views", { ...trigger, views: settings.views.map((v) => v.name) });
    const published: ViewsResult["published"] = [];
    for (const view of settings.views) {
      let queryExecutionId: string;
      try {
        queryExecutionId = await publishView(view, context);
      } catch (err) {
        logger.error(VIEWS_LOG.failed, { view: view.name, error: err as Error });
        throw err;
      }
      logger.info(VIEWS_LOG.published, { view: view.name, queryExecutionId });
      published.push({ name: view.name, queryExecutionId });
    }
    return { published };
  };
}

/**
 * What the deployed function runs once per cold start (see components/handlerBundle.ts): the
 * SQL comes from sql/views at deploy time, the names from the environment (contracts/views.ts).
 */
export function viewsHandlerFromEnv(views: ViewSql[], env: Env = process.env): (event: ViewsEvent, context?: InvocationContext) => Promise<ViewsResult> {
  const settings = parseViewsEnv(env);
  return createViewsHandler({ workgroup: settings.workgroup, database: settings.database, views, pollIntervalMs: settings.pollIntervalMs });
}
