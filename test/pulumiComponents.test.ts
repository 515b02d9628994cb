/**
 * Each component alone under Pulumi mocks, with only the resources it is handed (the
 * pulumi-awsx style): its argument checks refuse what AWS would refuse, and what it declares
 * does not depend on the rest of the pipeline.
 */
import { expect } from "chai";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { Analytics, checkAnalyticsArgs, viewsSqlHash } from "../components/analytics";
import { Catalog, checkCatalogArgs } from "../components/catalog";
import { checkDataLakeArgs, DataLake } from "../components/dataLake";
import { checkExtractorArgs, Extractor, type ExtractorArgs } from "../components/extractor";
import { checkMonitoringArgs, Monitoring } from "../components/monitoring";
import { Transformer } from "../components/transformer";
import { allRegistered, installPulumiMocks, outputValue, recorded, statementsOf } from "./support/pulumiMocks";

const LAKE_ARGS = { rawInfrequentAccessAfterDays: 30, rawGlacierAfterDays: 180, noncurrentVersionExpireDays: 90, queryResultsExpireDays: 30, forceDestroyLake: false, accessLogsExpireDays: 90 };
const EXTRACTOR_ARGS = (bucket: aws.s3.Bucket): ExtractorArgs => ({
  lakeBucket: bucket,
  playlists: ["aaaaaaaaaaaaaaaaaaaaa1"],
  schedule: "rate(1 day)",
  authMode: "client_credentials",
  clientId: "id",
  clientSecret: pulumi.secret("s"),
  memoryMb: 512,
  timeoutSeconds: 300,
  maxConcurrency: 2,
  spotifyConcurrency: 4,
  cacheMaxAgeDays: 30,
  cacheDailyRefresh: 250,
  logRetentionDays: 7,
});

const under = (prefix: string) => recorded.filter((r) => r.name.startsWith(prefix));

describe("components alone (mocks)", function () {
  this.timeout(60_000);
  before(async () => {
    await installPulumiMocks("spotify-pipeline", "solo");
  });

  it("DataLake: refuses storage-class transitions S3 does not allow; declares the lake, results and access-log buckets, only the lake kept by destroy", async () => {
    expect(() => checkDataLakeArgs({ ...LAKE_ARGS, rawInfrequentAccessAfterDays: 10 })).to.throw(/30 days at the earliest/);
    expect(() => checkDataLakeArgs({ ...LAKE_ARGS, rawGlacierAfterDays: 40 })).to.throw(/at least rawInfrequentAccessAfterDays \+ 30/);
    const lake = new DataLake("solo-lake", LAKE_ARGS);
    await outputValue(lake.resultsBucket.bucket);
    await allRegistered();
    const buckets = under("solo-lake").filter((r) => r.type === "aws:s3/bucket:Bucket");
    expect(buckets.map((b) => [b.name, b.inputs.forceDestroy])).to.have.deep.members([
      ["solo-lake-data", false],
      ["solo-lake-athena-results", true],
      ["solo-lake-access-logs", true],
    ]);
  });

  it("Catalog: refuses a database name Athena would have to quote, and a bad crawl schedule; declares 12 tables and 2 crawlers", async () => {
    const bucket = new aws.s3.Bucket("solo-catalog-bucket");
    expect(() => checkCatalogArgs({ lakeBucket: bucket, databaseName: "Spotify-Dev", crawlSchedule: "cron(0 12 * * ? *)" })).to.throw(/lower case letters/);
    expect(() => checkCatalogArgs({ lakeBucket: bucket, databaseName: "spotify", crawlSchedule: "daily" })).to.throw(/cron expressions with six fields/);
    // Glue schedules are cron only: rate() is EventBridge's form, and a five-field cron is not Glue's.
    expect(() => checkCatalogArgs({ lakeBucket: bucket, databaseName: "spotify", crawlSchedule: "rate(1 day)" })).to.throw(/rate\(\.\.\.\) is EventBridge's form.*pulumi config set crawlSchedule/);
    expect(() => checkCatalogArgs({ lakeBucket: bucket, databaseName: "spotify", crawlSchedule: "cron(0 12 * * *)" })).to.throw(/six fields/);
    const catalog = new Catalog("solo-catalog", { lakeBucket: bucket, databaseName: "solo_db", crawlSchedule: "cron(0 12 * * ? *)" });
    await outputValue(catalog.crawlerNames);
    await allRegistered();
    expect(under("solo-catalog").filter((r) => r.type === "aws:glue/catalogTable:CatalogTable")).to.have.length(12);
    expect(under("solo-catalog").filter((r) => r.type === "aws:glue/crawler:Crawler")).to.have.length(2);
    expect(under("solo-catalog").filter((r) => r.type === "aws:iam/rolePolicyAttachment:RolePolicyAttachment")).to.deep.equal([]);
  });

  it("Extractor: refuses no playlists, a playlist twice, and a maximum concurrency SQS does not accept; otherwise queue + mapping", async () => {
    const bucket = new aws.s3.Bucket("solo-extractor-bucket");
    const args = EXTRACTOR_ARGS(bucket);
    expect(() => checkExtractorArgs({ ...args, playlists: [] })).to.throw(/non-empty list of playlist ids/);
    expect(() => checkExtractorArgs({ ...args, playlists: ["a", "a"] })).to.throw(/lists a more than once/);
    expect(() => checkExtractorArgs({ ...args, maxConcurrency: 1 })).to.throw(/2 to 1000/);
    expect(() => checkExtractorArgs({ ...args, maxConcurrency: 1001 })).to.throw(/2 to 1000/);
    const extractor = new Extractor("solo-extractor", args);
    await outputValue(extractor.function.fn.name);
    await allRegistered();
    const [mapping] = under("solo-extractor").filter((r) => r.type === "aws:lambda/eventSourceMapping:EventSourceMapping");
    expect(mapping.inputs.scalingConfig).to.deep.equal({ maximumConcurrency: 2 });
    const [version] = under("solo-extractor").filter((r) => r.type === "aws:secretsmanager/secretVersion:SecretVersion");
    expect(JSON.stringify(version.inputs.secretString)).to.not.include("refresh_token");
    expect(mapping.inputs.functionResponseTypes).to.deep.equal(["ReportBatchItemFailures"]);
  });

  it("Extractor (refresh_token): the stack seeds the token's own secret once and ignores its value after, so a rotated token is never rolled back", async () => {
    const bucket = new aws.s3.Bucket("solo-token-bucket");
    const options = new Map<string, pulumi.CustomResourceOptions>();
    // A transformation sees each child's resource options as registered (Pulumi docs, "transformations").
    const extractor = new Extractor(
      "solo-token",
      { ...EXTRACTOR_ARGS(bucket), authMode: "refresh_token", clientSecret: undefined, refreshToken: pulumi.secret("rt-1") },
      { transformations: [(a) => (options.set(a.name, a.opts as pulumi.CustomResourceOptions), undefined)] },
    );
    await outputValue(extractor.function.fn.name);
    await allRegistered();
    expect(options.get("solo-token-spotify-refresh-token-seed")?.ignoreChanges).to.include("secretString");
    // The app credentials follow the config: no ignoreChanges there.
    expect(options.get("solo-token-spotify-credentials-value")?.ignoreChanges ?? []).to.deep.equal([]);
    const versions = under("solo-token").filter((r) => r.type === "aws:secretsmanager/secretVersion:SecretVersion");
    expect(versions.map((v) => v.name).sort()).to.deep.equal(["solo-token-spotify-credentials-value", "solo-token-spotify-refresh-token-seed"]);
  });

  it("with tracing on, every function of a component traces actively with X-Ray and may write its traces", async () => {
    const bucket = new aws.s3.Bucket("solo-traced-bucket");
    const database = new aws.glue.CatalogDatabase("solo-traced-db", { name: "solo_x" });
    const transformer = new Transformer("solo-traced", { lakeBucket: bucket, database, tableNames: ["songs"], memoryMb: 1024, timeoutSeconds: 60, logRetentionDays: 7, tracing: true });
    await outputValue(transformer.function.fn.name);
    await allRegistered();
    const fn = under("solo-traced-fn").find((r) => r.type === "aws:lambda/function:Function")!;
    expect(fn.inputs.tracingConfig).to.deep.equal({ mode: "Active" });
    const policy = under("solo-traced-fn").find((r) => r.type === "aws:iam/rolePolicy:RolePolicy")!;
    const xray = statementsOf(policy.inputs.policy).find((st) => [st.Action].flat().includes("xray:PutTraceSegments"));
    expect(xray.Action).to.have.members(["xray:PutTraceSegments", "xray:PutTelemetryRecords"]);
  });

  it("Transformer: refuses to run without tables to register partitions in", async () => {
    const bucket = new aws.s3.Bucket("solo-transformer-bucket");
    const database = new aws.glue.CatalogDatabase("solo-transformer-db", { name: "solo_t" });
    expect(() => new Transformer("solo-transformer-empty", { lakeBucket: bucket, database, tableNames: [], memoryMb: 1024, timeoutSeconds: 60, logRetentionDays: 7 })).to.throw(/table names/);
    const transformer = new Transformer("solo-transformer", { lakeBucket: bucket, database, tableNames: ["songs"], memoryMb: 1024, timeoutSeconds: 60, logRetentionDays: 7 });
    await outputValue(transformer.function.fn.name);
    await allRegistered();
    const policy = under("solo-transformer-fn").find((r) => r.type === "aws:iam/rolePolicy:RolePolicy")!;
    const glue = statementsOf(policy.inputs.policy).find((st) => String(st.Action).includes("glue:"));
    expect(glue.Resource).to.include("arn:aws:glue:eu-west-1:123456789012:table/solo_t/songs");
  });

  it("Analytics: refuses a scan cutoff under Athena's 10 MB and two views of one name; publishes the views on deploy with their SQL's hash", async () => {
    const base = { resultsBucket: undefined as never, database: undefined as never, viewTriggerCrawlerNames: [], tables: [], queries: [], logRetentionDays: 7 };
    expect(() => checkAnalyticsArgs({ ...base, views: [], bytesScannedCutoffMb: 5 })).to.throw(/minimum is 10/);
    expect(() => checkAnalyticsArgs({ ...base, views: [{ name: "v", sql: "a" }, { name: "v", sql: "b" }], bytesScannedCutoffMb: 10 })).to.throw(/share a name/);
    const resultsBucket = new aws.s3.Bucket("solo-analytics-results");
    const database = new aws.glue.CatalogDatabase("solo-analytics-db", { name: "solo_a" });
    const table = new aws.glue.CatalogTable("solo-analytics-table", { databaseName: "solo_a", name: "songs" });
    const views = [{ name: "v", sql: "CREATE OR REPLACE VIEW v AS SELECT 1" }];
    const analytics = new Analytics("solo-analytics", { ...base, resultsBucket, database, tables: [table], views, bytesScannedCutoffMb: 10 });
    await outputValue(analytics.viewsFunction.fn.name);
    await allRegistered();
    const [invocation] = under("solo-analytics").filter((r) => r.type === "aws:lambda/invocation:Invocation");
    expect(JSON.parse(invocation.inputs.input)).to.deep.equal({ reason: "deploy", sqlSha256: viewsSqlHash(views) });
    const [workgroup] = under("solo-analytics").filter((r) => r.type === "aws:athena/workgroup:Workgroup");
    expect(workgroup.inputs.configuration.bytesScannedCutoffPerQuery).to.equal(10 * 1024 * 1024);
  });

  it("Monitoring: refuses a staleness window CloudWatch cannot evaluate, and two functions of one label", () => {
    const base = { functions: [], crawlerNames: [], transform: undefined as never, scheduled: undefined as never };
    expect(() => checkMonitoringArgs({ ...base, stalenessHours: 0 })).to.throw(/1 to 168/);
    expect(() => checkMonitoringArgs({ ...base, stalenessHours: 169 })).to.throw(/1 to 168/);
    const fn = { label: "x", fn: undefined as never, deadLetterQueue: undefined as never };
    expect(() => checkMonitoringArgs({ ...base, stalenessHours: 26, functions: [fn, fn] })).to.throw(/share a label/);
    void Monitoring;
  });
});
