/**
 * Publishes the sql/views files to Athena after a crawl succeeds: each `CREATE OR REPLACE VIEW`
 * runs in the workgroup, in dependency order, and the handler waits for it. A failed or
 * cancelled query throws with the view's name and Athena's reason, so the invocation fails,
 * the Errors alarm fires, and the views that follow (which may depend on it) are not touched.
 */
import { AthenaClient, GetQueryExecutionCommand, StartQueryExecutionCommand } from "@aws-sdk/client-athena";
import { Logger } from "@aws-lambda-powertools/logger";

export interface ViewSql {
  name: string;
  sql: string;
}

export interface ViewsSettings {
  workgroup: string;
  database: string;
  /** In dependency order, as loadViews() returns them (read at deploy time). */
  views: ViewSql[];
  pollIntervalMs?: number;
  /** Give up on one query after this long; keep it below the function's timeout. */
  maxWaitMs?: number;
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

export interface ViewsResult {
  published: { name: string; queryExecutionId: string }[];
}

export class ViewPublishError extends Error {
  constructor(message: string) {
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

export function createViewsHandler(settings: ViewsSettings, deps: ViewsDeps = {}): (event: CrawlerStateChangeEvent) => Promise<ViewsResult> {
  if (!settings.workgroup || !settings.database) {
    throw new Error("The views function needs ATHENA_WORKGROUP and GLUE_DATABASE in its environment.");
  }
  const athena = deps.athena ?? new AthenaClient({});
  const logger = deps.logger ?? new Logger({ serviceName: "spotify-views" });
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const pollIntervalMs = settings.pollIntervalMs ?? 1000;
  const maxWaitMs = settings.maxWaitMs ?? 240_000;

  async function runView(view: ViewSql): Promise<string> {
    const started = await athena.send(
      new StartQueryExecutionCommand({
        QueryString: sqlForAthena(view.sql),
        WorkGroup: settings.workgroup,
        QueryExecutionContext: { Database: settings.database },
      }),
    );
    const id = started.QueryExecutionId;
    if (!id) throw new ViewPublishError(`Athena returned no query execution id for view "${view.name}".`);
    const deadline = Date.now() + maxWaitMs;
    for (;;) {
      const { QueryExecution } = await athena.send(new GetQueryExecutionCommand({ QueryExecutionId: id }));
      const state = QueryExecution?.Status?.State;
      if (state === "SUCCEEDED") return id;
      if (state === "FAILED" || state === "CANCELLED") {
        const reason = QueryExecution?.Status?.StateChangeReason ?? QueryExecution?.Status?.AthenaError?.ErrorMessage ?? "no reason given";
        throw new ViewPublishError(
          `View "${view.name}" was not published: Athena query ${id} ${state}: ${reason}. ` +
            `Fix sql/views/${view.name}.sql (check it with the local run) and run \`pulumi up\`; the views after it were not updated.`,
        );
      }
      if (Date.now() > deadline) {
        throw new ViewPublishError(`View "${view.name}": Athena query ${id} still ${state ?? "unknown"} after ${maxWaitMs} ms; look at it in the Athena console.`);
      }
      await sleep(pollIntervalMs);
    }
  }

  return async (event) => {
    logger.info("publishing views", { crawler: event.detail?.crawlerName, state: event.detail?.state, views: settings.views.map((v) => v.name) });
    const published: ViewsResult["published"] = [];
    for (const view of settings.views) {
      let queryExecutionId: string;
      try {
        queryExecutionId = await runView(view);
      } catch (err) {
        logger.error("view not published", { view: view.name, error: err as Error });
        throw err;
      }
      logger.info("view published", { view: view.name, queryExecutionId });
      published.push({ name: view.name, queryExecutionId });
    }
    return { published };
  };
}

/**
 * What the deployed function runs once per cold start (see components/handlerBundle.ts): the
 * SQL comes from sql/views at deploy time, the names from the environment.
 */
export function viewsHandlerFromEnv(views: ViewSql[], env: NodeJS.ProcessEnv = process.env): (event: CrawlerStateChangeEvent) => Promise<ViewsResult> {
  return createViewsHandler({ workgroup: env.ATHENA_WORKGROUP ?? "", database: env.GLUE_DATABASE ?? "", views });
}
