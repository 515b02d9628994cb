/**
 * Step 5: `SELECT count(*) FROM latest_snapshot` in the stack's workgroup returns more than 0.
 *
 * Athena's query states (Athena API Reference, "QueryExecutionStatus"): QUEUED and RUNNING are
 * not final (a transient error may move RUNNING back to QUEUED); SUCCEEDED, FAILED and CANCELLED
 * are, and StateChangeReason gives "further detail". FAILED is terminal with no automatic retry.
 * The views are published by the views function after a crawl succeeds, so just after the
 * partition appears Athena may still answer TABLE_NOT_FOUND for the view: that answer (and only
 * that one) is asked again, as a new query, within the same bound.
 */
import { GetQueryExecutionCommand, GetQueryResultsCommand, StartQueryExecutionCommand } from "@aws-sdk/client-athena";
import { seconds } from "./clock";
import type { StepContext } from "./settings";
import { describeError, StepFailure } from "./stepFailure";
import { functionLogsHint } from "./whereToLook";

export const SMOKE_QUERY = "SELECT count(*) FROM latest_snapshot";

interface QueryOutcome {
  id: string;
  state: string;
  reason?: string;
}

export async function countLatestSnapshot(ctx: StepContext): Promise<{ count: number; queryExecutionId: string }> {
  const { workgroup, database, waits } = ctx.settings;
  const deadline = ctx.clock.now() + waits.queryMs;
  const where = `workgroup ${workgroup}, database ${database}`;
  for (;;) {
    let outcome: QueryOutcome;
    try {
      outcome = await runQuery(ctx, deadline);
    } catch (err) {
      throw new StepFailure(`Athena refused the query: ${describeError(err)}.`, [`${SMOKE_QUERY} (${where})`], lookAt(ctx));
    }
    const waited = [`${SMOKE_QUERY} (${where}): query ${outcome.id}, state ${outcome.state}${outcome.reason ? `, reason: ${outcome.reason}` : ""}`];
    if (outcome.state === "SUCCEEDED") return { count: await readCount(ctx, outcome.id, waited), queryExecutionId: outcome.id };
    const viewMissing = outcome.state === "FAILED" && /TABLE_NOT_FOUND/.test(outcome.reason ?? "");
    if (viewMissing && deadline - ctx.clock.now() > waits.pollMs) {
      await ctx.clock.sleep(waits.pollMs);
      continue;
    }
    if (outcome.state === "FAILED" || outcome.state === "CANCELLED") {
      const hint = viewMissing ? " The view latest_snapshot is not published: the views function publishes it after a successful Parquet crawl." : "";
      throw new StepFailure(`the query ${outcome.state}: ${outcome.reason ?? "Athena gave no reason"}.${hint}`, waited, lookAt(ctx, outcome.id));
    }
    throw new StepFailure(`the query was still ${outcome.state} after ${seconds(waits.queryMs)} (--wait-query).`, waited, lookAt(ctx, outcome.id));
  }
}

/** Starts the query and polls it until a final state or the deadline (then the last state). */
async function runQuery(ctx: StepContext, deadline: number): Promise<QueryOutcome> {
  const { athena } = ctx.clients;
  const started = await athena.send(
    new StartQueryExecutionCommand({
      QueryString: SMOKE_QUERY,
      WorkGroup: ctx.settings.workgroup,
      QueryExecutionContext: { Database: ctx.settings.database },
    }),
  );
  const id = started.QueryExecutionId;
  if (!id) throw new Error("StartQueryExecution returned no QueryExecutionId");
  return pollQuery(ctx, id, deadline);
}

async function pollQuery(ctx: StepContext, id: string, deadline: number): Promise<QueryOutcome> {
  for (;;) {
    const { QueryExecution } = await ctx.clients.athena.send(new GetQueryExecutionCommand({ QueryExecutionId: id }));
    const status = QueryExecution?.Status;
    const state = status?.State ?? "UNKNOWN";
    const reason = status?.StateChangeReason ?? status?.AthenaError?.ErrorMessage;
    if (state === "SUCCEEDED" || state === "FAILED" || state === "CANCELLED") return { id, state, reason };
    const left = deadline - ctx.clock.now();
    if (left <= 0) return { id, state, reason };
    await ctx.clock.sleep(Math.min(ctx.settings.waits.pollMs, left));
  }
}

/**
 * The count is the last row: for a SELECT, GetQueryResults' first row holds the column labels
 * (Athena API Reference, "GetQueryResults"; the header row is described in uber/athenadriver's
 * "UndocumentedAthena.md", "When the Row resultset contains Header").
 */
async function readCount(ctx: StepContext, id: string, waited: string[]): Promise<number> {
  let out;
  try {
    out = await ctx.clients.athena.send(new GetQueryResultsCommand({ QueryExecutionId: id }));
  } catch (err) {
    throw new StepFailure(`the query succeeded but Athena refused its results: ${describeError(err)}.`, waited, lookAt(ctx, id));
  }
  const rows = out.ResultSet?.Rows ?? [];
  const value = rows[rows.length - 1]?.Data?.[0]?.VarCharValue;
  const count = value !== undefined && /^\d+$/.test(value) ? Number(value) : NaN;
  if (Number.isNaN(count)) {
    throw new StepFailure(`the query succeeded but its result has no count (last row: ${JSON.stringify(value)}).`, waited, lookAt(ctx, id));
  }
  if (count === 0) {
    throw new StepFailure(
      "latest_snapshot has 0 rows: the tables hold no rows Athena can read for the newest snapshot (check the columns the transform writes against the catalog's).",
      waited,
      lookAt(ctx, id),
    );
  }
  return count;
}

function lookAt(ctx: StepContext, queryId?: string): string[] {
  const { region, athenaConsoleUrl } = ctx.settings;
  const console = athenaConsoleUrl ?? `https://${region}.console.aws.amazon.com/athena/home?region=${region}#/query-editor`;
  return [
    ...(queryId ? [`Athena query ${queryId}: Recent queries in the console`, `  ${console}`] : [`Athena console: ${console}`]),
    ...functionLogsHint(ctx, "views", "which publishes latest_snapshot")
  ];
}
