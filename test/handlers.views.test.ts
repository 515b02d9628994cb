/** The views handler with a mocked Athena: each sql/views file in order, waiting for each, failing loudly. */
import { expect } from "chai";
import { mockClient } from "aws-sdk-client-mock";
import { AthenaClient, GetQueryExecutionCommand, StartQueryExecutionCommand } from "@aws-sdk/client-athena";
import { Logger } from "@aws-lambda-powertools/logger";
import { readdirSync } from "node:fs";
import * as path from "node:path";
import { ACCESS_DENIED_RETRY_DELAYS_MS, createViewsHandler, sqlForAthena, viewsHandlerFromEnv } from "../handlers/views";
import { loadViews } from "../lib/query/sqlFiles";
import { captureJsonLogs, LAMBDA_CONTEXT } from "./support/logCapture";

const EVENT = { "detail-type": "Glue Crawler State Change", detail: { crawlerName: "spotify-parquet", state: "Succeeded" } };
const quietLogger = () => new Logger({ serviceName: "test", logLevel: "SILENT" });

const mockAthenaClient = () => mockClient(AthenaClient);

describe("views handler (mocked Athena)", () => {
  // Created in before(), not at load time: a mock replaces the client's send for every instance until restored.
  let athena: ReturnType<typeof mockAthenaClient>;
  before(() => (athena = mockAthenaClient()));
  afterEach(() => athena.reset());
  after(() => athena.restore());

  it("runs every sql/views file in dependency order in the workgroup and database, waiting for each", async () => {
    const views = loadViews();
    expect(views.length).to.be.greaterThan(1);
    let n = 0;
    athena.on(StartQueryExecutionCommand).callsFake(() => ({ QueryExecutionId: `q${++n}` }));
    // Each query is RUNNING once, then SUCCEEDED.
    const polls = new Map<string, number>();
    athena.on(GetQueryExecutionCommand).callsFake((input: { QueryExecutionId: string }) => {
      const seen = (polls.get(input.QueryExecutionId) ?? 0) + 1;
      polls.set(input.QueryExecutionId, seen);
      return { QueryExecution: { QueryExecutionId: input.QueryExecutionId, Status: { State: seen === 1 ? "RUNNING" : "SUCCEEDED" } } };
    });

    const handler = createViewsHandler({ workgroup: "wg", database: "spotify_dev", views, pollIntervalMs: 0 }, { athena: new AthenaClient({ region: "eu-west-1" }), logger: quietLogger() });
    const result = await handler(EVENT);

    expect(result.published.map((p) => p.name)).to.deep.equal(views.map((v) => v.name));
    const starts = athena.commandCalls(StartQueryExecutionCommand).map((c) => c.args[0].input);
    expect(starts.map((s) => s.QueryString)).to.deep.equal(views.map((v) => sqlForAthena(v.sql)));
    for (const s of starts) {
      expect(s.WorkGroup).to.equal("wg");
      expect(s.QueryExecutionContext).to.deep.equal({ Database: "spotify_dev" });
      expect(s.QueryString).to.match(/^CREATE OR REPLACE VIEW /i);
    }
    expect([...polls.values()]).to.deep.equal(views.map(() => 2));
  });

  it("fails on a FAILED query with the view's name and Athena's reason, and publishes none after it", async () => {
    const views = [
      { name: "first_view", sql: "CREATE OR REPLACE VIEW first_view AS SELECT 1 AS x" },
      { name: "broken_view", sql: "CREATE OR REPLACE VIEW broken_view AS SELECT nope FROM missing" },
      { name: "last_view", sql: "CREATE OR REPLACE VIEW last_view AS SELECT * FROM broken_view" },
    ];
    athena.on(StartQueryExecutionCommand).callsFake((input: { QueryString: string }) => ({ QueryExecutionId: input.QueryString.includes("broken_view AS") ? "bad" : "good" }));
    athena.on(GetQueryExecutionCommand, { QueryExecutionId: "good" }).resolves({ QueryExecution: { Status: { State: "SUCCEEDED" } } });
    athena
      .on(GetQueryExecutionCommand, { QueryExecutionId: "bad" })
      .resolves({ QueryExecution: { Status: { State: "FAILED", StateChangeReason: "COLUMN_NOT_FOUND: line 1:48: Column 'nope' cannot be resolved" } } });

    const handler = createViewsHandler({ workgroup: "wg", database: "db", views, pollIntervalMs: 0 }, { athena: new AthenaClient({ region: "eu-west-1" }), logger: quietLogger() });
    const error = await handler(EVENT).then(
      () => undefined,
      (err: Error) => err,
    );
    expect(error?.message).to.include('View "broken_view"').and.include("FAILED").and.include("Column 'nope' cannot be resolved");
    expect(athena.commandCalls(StartQueryExecutionCommand)).to.have.length(2);
  });

  it("treats a CANCELLED query as a failure too", async () => {
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: "c" });
    athena.on(GetQueryExecutionCommand).resolves({ QueryExecution: { Status: { State: "CANCELLED", StateChangeReason: "Query cancelled by user" } } });
    const handler = createViewsHandler(
      { workgroup: "wg", database: "db", views: [{ name: "v", sql: "CREATE OR REPLACE VIEW v AS SELECT 1" }], pollIntervalMs: 0 },
      { athena: new AthenaClient({ region: "eu-west-1" }), logger: quietLogger() },
    );
    const error = await handler(EVENT).catch((err: Error) => err);
    expect((error as Error).message).to.include('View "v"').and.include("CANCELLED");
  });

  it("strips the files' leading comments and a trailing semicolon, nothing else", () => {
    expect(sqlForAthena("-- what it is\n-- more\n\nCREATE OR REPLACE VIEW v AS\nSELECT 1 -- inline\n;\n")).to.equal("CREATE OR REPLACE VIEW v AS\nSELECT 1 -- inline");
  });

  it("refuses to start without the workgroup and database names", () => {
    expect(() => viewsHandlerFromEnv([], {})).to.throw(/ATHENA_WORKGROUP/);
    expect(() => viewsHandlerFromEnv([], { ATHENA_WORKGROUP: "wg" })).to.throw(/GLUE_DATABASE/);
  });

  it("stops waiting before the invocation's timeout (context.getRemainingTimeInMillis), naming the view and the query", async () => {
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: "q-slow" });
    athena.on(GetQueryExecutionCommand).resolves({ QueryExecution: { QueryExecutionId: "q-slow", Status: { State: "RUNNING" } } });
    // A Lambda clock: each poll's sleep uses up the remaining time.
    let remaining = 20_000;
    const context = { awsRequestId: "req-1", functionName: "views", getRemainingTimeInMillis: () => remaining };
    const handler = createViewsHandler(
      { workgroup: "wg", database: "db", views: [{ name: "v", sql: "CREATE OR REPLACE VIEW v AS SELECT 1" }], pollIntervalMs: 1000, safetyMarginMs: 5000 },
      { athena: new AthenaClient({ region: "eu-west-1" }), logger: quietLogger(), sleep: async (ms) => void (remaining -= ms) },
    );
    const error = await handler(EVENT, context).catch((err: Error) => err);
    expect((error as Error).message).to.include('View "v"').and.include("q-slow").and.include("still RUNNING");
    // It gave up with at least the margin left, never after the deadline.
    expect(remaining).to.be.at.least(5000);
    expect(athena.commandCalls(GetQueryExecutionCommand).length).to.be.within(14, 16);
  });

  it("publishes on the deploy-time event too ({reason: deploy, sqlSha256}), and logs the request id and cold start", async () => {
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: "q1" });
    athena.on(GetQueryExecutionCommand).resolves({ QueryExecution: { QueryExecutionId: "q1", Status: { State: "SUCCEEDED" } } });
    const logger = new Logger({ serviceName: "test", logLevel: "INFO" });
    const handler = createViewsHandler({ workgroup: "wg", database: "db", views: [{ name: "v", sql: "CREATE OR REPLACE VIEW v AS SELECT 1" }], pollIntervalMs: 0 }, { athena: new AthenaClient({ region: "eu-west-1" }), logger });
    const { result, records } = await captureJsonLogs(() => handler({ reason: "deploy", sqlSha256: "abc" }, LAMBDA_CONTEXT));
    expect(result!.published.map((p) => p.name)).to.deep.equal(["v"]);
    expect(records.length).to.be.greaterThan(0);
    for (const r of records) expect(r).to.include({ function_request_id: LAMBDA_CONTEXT.awsRequestId }).and.have.property("cold_start");
  });

  it("on the first deploy, tries a view again while IAM has not propagated the role's policy (AccessDenied), then publishes it", async () => {
    // StartQueryExecution refused twice (the policy was created seconds ago), then a query Athena fails for a Glue permission, then success.
    let starts = 0;
    athena.on(StartQueryExecutionCommand).callsFake(() => {
      starts++;
      if (starts <= 2) throw Object.assign(new Error("User: arn:aws:sts::1:assumed-role/views/fn is not authorized to perform: athena:StartQueryExecution"), { name: "AccessDeniedException" });
      return { QueryExecutionId: `q${starts}` };
    });
    athena.on(GetQueryExecutionCommand).callsFake((input: { QueryExecutionId: string }) =>
      input.QueryExecutionId === "q3"
        ? { QueryExecution: { QueryExecutionId: "q3", Status: { State: "FAILED", StateChangeReason: "AccessDeniedException: not authorized to perform: glue:GetDatabase on resource default" } } }
        : { QueryExecution: { QueryExecutionId: input.QueryExecutionId, Status: { State: "SUCCEEDED" } } },
    );
    const slept: number[] = [];
    const handler = createViewsHandler({ workgroup: "wg", database: "db", views: [{ name: "v", sql: "CREATE OR REPLACE VIEW v AS SELECT 1" }], pollIntervalMs: 0 }, { athena: new AthenaClient({ region: "eu-west-1" }), logger: quietLogger(), sleep: async (ms) => void slept.push(ms) });
    const result = await handler({ reason: "deploy", sqlSha256: "abc" }, { getRemainingTimeInMillis: () => 280_000 });
    expect(result.published).to.deep.equal([{ name: "v", queryExecutionId: "q4" }]);
    expect(slept).to.deep.equal(ACCESS_DENIED_RETRY_DELAYS_MS.slice(0, 3));
  });

  it("does not try again a view that fails for its SQL, and gives up on a denial that outlasts the retries, saying so", async () => {
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: "q-bad" });
    athena.on(GetQueryExecutionCommand).resolves({ QueryExecution: { QueryExecutionId: "q-bad", Status: { State: "FAILED", StateChangeReason: "line 1:8: Column 'x' cannot be resolved" } } });
    const slept: number[] = [];
    const make = () => createViewsHandler({ workgroup: "wg", database: "db", views: [{ name: "v", sql: "CREATE OR REPLACE VIEW v AS SELECT x" }], pollIntervalMs: 0 }, { athena: new AthenaClient({ region: "eu-west-1" }), logger: quietLogger(), sleep: async (ms) => void slept.push(ms) });
    const sqlError = await make()({ reason: "deploy", sqlSha256: "abc" }).catch((e: Error) => e);
    expect((sqlError as Error).message).to.include("cannot be resolved");
    expect(slept).to.deep.equal([]);
    athena.reset();
    athena.on(StartQueryExecutionCommand).rejects(Object.assign(new Error("not authorized to perform: athena:StartQueryExecution"), { name: "AccessDeniedException" }));
    const denied = await make()({ reason: "deploy", sqlSha256: "abc" }).catch((e: Error) => e);
    expect((denied as Error).name).to.equal("AccessDeniedException");
    expect(slept).to.deep.equal([...ACCESS_DENIED_RETRY_DELAYS_MS]);
    expect(athena.commandCalls(StartQueryExecutionCommand)).to.have.length(ACCESS_DENIED_RETRY_DELAYS_MS.length + 1);
  });

  it("publishes every file of sql/views (issue 18's playlist_chart among them), each after the views it reads", () => {
    const files = readdirSync(path.join(__dirname, "..", "sql", "views")).filter((f) => f.endsWith(".sql")).map((f) => f.slice(0, -4));
    const views = loadViews();
    expect(views.map((v) => v.name)).to.have.members(files);
    for (const [i, v] of views.entries()) {
      const readers = views.slice(0, i).map((x) => x.name);
      const reads = files.filter((other) => other !== v.name && new RegExp(`\\b${other}\\b`).test(v.sql.replace(/--[^\n]*/g, "").replace(/^\s*CREATE\s+OR\s+REPLACE\s+VIEW\s+\S+/i, "")));
      for (const dep of reads) expect(readers, `${v.name} reads ${dep}`).to.include(dep);
    }
  });
});
