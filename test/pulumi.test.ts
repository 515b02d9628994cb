/**
 * The Pulumi program under mocks: the resource graph index.ts builds from a stack config, and
 * the properties that keep it safe (encryption, private buckets, least privilege, no secret in
 * a function) and correct (trigger, schedule targets, crawler roots, workgroup, alarms).
 */
import { expect } from "chai";
import * as pulumi from "@pulumi/pulumi";
import { allTableRoots, catalogTableName, rawSnapshotKey, rejectedKeys, tableFileKey, tableRoot, FILE_FORMATS, RAW_SNAPSHOT_PREFIX, SPOTIFY_CACHE_PREFIX, TRANSFORMED_PREFIX, REJECTED_PREFIX, CSV_TABLE_PREFIX } from "../lib/lake/layout";
import { TABLE_NAMES, TABLES } from "../lib/tables/schema";
import { GLUE_PARTITION_KEYS, glueColumns, glueStorage } from "../lib/tables/glueSchema";
import { s3EncodedKey, s3FilterMatches } from "./support/s3NotificationFilter";
import { viewsSqlHash } from "../components/analytics";
import { PLAYLISTS_OBJECT_KEY } from "../contracts/fanout";
import { STALENESS_EXPRESSION } from "../components/monitoring";
import { loadQueries, loadViews } from "../lib/query/sqlFiles";
import { allRegistered, asArray, installPulumiMocks, mockArn, ofType, outputValue, physicalName, recorded, statementsOf, unsecret } from "./support/pulumiMocks";

const PLAYLISTS = ["1Cp6VQCKf2VL4sP09jN9oX", "37i9dQZF1DWXIcbzpLauPS", "aaaaaaaaaaaaaaaaaaaaa1", "aaaaaaaaaaaaaaaaaaaaa2", "aaaaaaaaaaaaaaaaaaaaa3", "aaaaaaaaaaaaaaaaaaaaa4", "aaaaaaaaaaaaaaaaaaaaa5"];
const REFRESH_TOKEN = "AQD-refresh-token-SECRET-5f1c0e";
const CLIENT_SECRET = "client-secret-SECRET-9b7a44";
const SCHEDULE = "cron(15 4 * * ? *)";

describe("Pulumi program (mocks)", function () {
  this.timeout(120_000);
  let program: Record<string, pulumi.Output<unknown>>;
  const fnTypes = ["aws:lambda/function:Function"];

  before(async () => {
    pulumi.runtime.setAllConfig(
      {
        "spotify-pipeline:playlists": JSON.stringify(PLAYLISTS),
        "spotify-pipeline:spotifyClientId": "client-id-123",
        "spotify-pipeline:spotifyRefreshToken": REFRESH_TOKEN,
        "spotify-pipeline:spotifyClientSecret": CLIENT_SECRET,
        "spotify-pipeline:schedule": SCHEDULE,
        "spotify-pipeline:alarmEmail": "alerts@example.com",
        "spotify-pipeline:athenaBytesScannedCutoffMb": "100",
      },
      ["spotify-pipeline:spotifyRefreshToken", "spotify-pipeline:spotifyClientSecret"],
    );
    await installPulumiMocks();
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    program = require("../index");
    await Promise.all(Object.values(program).map((o) => outputValue(o)));
    await allRegistered();
  });

  const functions = () => recorded.filter((r) => fnTypes.includes(r.type));
  const byName = (type: string, part: string) => {
    const found = ofType(type).filter((r) => r.name.includes(part));
    expect(found, `${type} named *${part}*`).to.have.length(1);
    return found[0];
  };

  it("exports bucket names, database, workgroup, crawler and function names, and the Athena console URL", async () => {
    const out = Object.fromEntries(await Promise.all(Object.entries(program).map(async ([k, v]) => [k, await outputValue(v)] as const)));
    expect(out.glueDatabase).to.equal("spotify_pipeline_dev");
    expect(out.crawlerNames).to.be.an("array").with.length(2);
    for (const key of ["lakeBucket", "athenaResultsBucket", "athenaWorkgroup", "extractFunctionName", "transformFunctionName", "viewsFunctionName"]) {
      expect(out[key], key).to.be.a("string").and.not.empty;
    }
    expect(out.athenaConsoleUrl).to.equal("https://eu-west-1.console.aws.amazon.com/athena/home?region=eu-west-1#/query-editor");
    expect(out.playlists).to.deep.equal(PLAYLISTS);
  });

  it("builds the components with their type tokens, children parented under the pipeline", () => {
    const components = recorded.filter((r) => r.type.startsWith("spotify-pipeline:index:")).map((r) => r.type);
    expect(components).to.have.members(
      ["SpotifyPipeline", "DataLake", "Extractor", "Transformer", "Compactor", "Catalog", "Analytics", "Monitoring"].map((n) => `spotify-pipeline:index:${n}`),
    );
    // Name-prefixed: every AWS resource's logical name starts with the pipeline's name.
    for (const r of recorded.filter((x) => x.type.startsWith("aws:"))) expect(r.name, r.type).to.match(/^spotify-/);
  });

  it("encrypts, blocks public access to, and requires TLS on every bucket; versions and tiers the lake", () => {
    const buckets = ofType("aws:s3/bucket:Bucket");
    expect(buckets).to.have.length(3);
    for (const bucket of buckets) {
      const id = `${bucket.name}-id`;
      const sse = ofType("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration").filter((r) => r.inputs.bucket === id);
      expect(sse, `encryption of ${bucket.name}`).to.have.length(1);
      expect(sse[0].inputs.rules[0].applyServerSideEncryptionByDefault.sseAlgorithm).to.be.oneOf(["AES256", "aws:kms"]);
      const pab = ofType("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock").filter((r) => r.inputs.bucket === id);
      expect(pab, `public access block of ${bucket.name}`).to.have.length(1);
      expect(pab[0].inputs).to.include({ blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true });
      const policy = ofType("aws:s3/bucketPolicy:BucketPolicy").filter((r) => r.inputs.bucket === id);
      expect(policy).to.have.length(1);
      const deny = statementsOf(policy[0].inputs.policy).find((s) => s.Effect === "Deny");
      expect(deny.Condition).to.deep.equal({ Bool: { "aws:SecureTransport": "false" } });
    }
    const lake = byName("aws:s3/bucket:Bucket", "-lake-data");
    const versioning = ofType("aws:s3/bucketVersioning:BucketVersioning");
    expect(versioning).to.have.length(1);
    expect(versioning[0].inputs).to.deep.include({ bucket: `${lake.name}-id`, versioningConfiguration: { status: "Enabled" } });
    const lifecycles = ofType("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration");
    const lakeRules = lifecycles.find((l) => l.inputs.bucket === `${lake.name}-id`)!.inputs.rules;
    const raw = lakeRules.find((r: any) => r.filter?.prefix === "raw_data/");
    expect(raw.transitions.map((t: any) => t.storageClass)).to.deep.equal(["STANDARD_IA", "GLACIER_IR"]);
    expect(lakeRules.some((r: any) => r.expiration), "the lake never expires current objects").to.equal(false);
    const results = lifecycles.find((l) => l.inputs.bucket !== `${lake.name}-id`)!;
    expect(results.inputs.rules[0].expiration.days).to.equal(30);
    // Query results are not data: `pulumi destroy` may empty their bucket; the lake is kept unless told otherwise.
    expect(byName("aws:s3/bucket:Bucket", "athena-results").inputs.forceDestroy).to.equal(true);
    expect(lake.inputs.forceDestroy).to.equal(false);
  });

  it("logs every request to the lake and results buckets (S3 server access logging) into a log bucket that expires them and lets only S3's log delivery write, from these buckets", () => {
    const lake = byName("aws:s3/bucket:Bucket", "-lake-data");
    const results = byName("aws:s3/bucket:Bucket", "athena-results");
    const logs = byName("aws:s3/bucket:Bucket", "access-logs");
    const logging = ofType("aws:s3/bucketLogging:BucketLogging");
    expect(logging.map((l) => l.inputs.bucket)).to.have.members([`${lake.name}-id`, `${results.name}-id`]);
    for (const l of logging) expect(l.inputs.targetBucket).to.equal(`${logs.name}-id`);
    expect(new Set(logging.map((l) => l.inputs.targetPrefix)).size).to.equal(2);
    const lifecycle = ofType("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration").find((l) => l.inputs.bucket === `${logs.name}-id`)!;
    expect(lifecycle.inputs.rules[0].expiration.days).to.equal(90);
    const policy = ofType("aws:s3/bucketPolicy:BucketPolicy").find((p) => p.inputs.bucket === `${logs.name}-id`)!;
    const delivery = statementsOf(policy.inputs.policy).find((st) => st.Effect === "Allow")!;
    expect(delivery.Principal).to.deep.equal({ Service: "logging.s3.amazonaws.com" });
    expect(delivery.Action).to.equal("s3:PutObject");
    expect(delivery.Condition.ArnLike["aws:SourceArn"]).to.have.members([mockArn(lake), mockArn(results)]);
    expect(delivery.Condition.StringEquals["aws:SourceAccount"]).to.equal("123456789012");
    // The log bucket does not log to itself.
    expect(logging.some((l) => l.inputs.bucket === `${logs.name}-id`)).to.equal(false);
  });

  it("traces no function with X-Ray unless config \"tracing\" is on (it is off here)", () => {
    for (const fn of functions()) expect(fn.inputs.tracingConfig, fn.name).to.deep.equal({ mode: "PassThrough" });
    for (const p of ofType("aws:iam/rolePolicy:RolePolicy")) expect(JSON.stringify(p.inputs.policy), p.name).to.not.include("xray:");
  });

  it("grants no wildcard action and attaches no managed policy (no AWSGlueServiceRole: glue:* and s3 on *)", () => {
    const policies = [
      ...ofType("aws:iam/rolePolicy:RolePolicy").map((r) => r.inputs.policy),
      ...ofType("aws:iam/policy:Policy").map((r) => r.inputs.policy),
    ];
    expect(policies.length).to.be.greaterThan(3);
    for (const statement of policies.flatMap(statementsOf)) {
      if (statement.Effect !== "Allow") continue;
      const actions = asArray<string>(statement.Action);
      const resources = asArray<string>(statement.Resource);
      expect(actions.includes("*") && resources.includes("*"), JSON.stringify(statement)).to.equal(false);
      for (const action of actions) expect(action, JSON.stringify(statement)).to.not.match(/^\*$|:\*$/);
    }
    // No managed policy at all, in particular not AWSGlueServiceRole (glue:* and s3 on *): every grant is written here.
    expect(ofType("aws:iam/rolePolicyAttachment:RolePolicyAttachment").map((a) => a.inputs.policyArn)).to.deep.equal([]);
    expect(recorded.filter((r) => JSON.stringify(r.inputs).includes("AWSGlueServiceRole"))).to.deep.equal([]);
    // Every function has its own role (CallbackFunction would otherwise make one with FullAccess policies).
    const roleArns = functions().map((f) => f.inputs.role);
    expect(new Set(roleArns).size).to.equal(functions().length);
  });

  it("writes the trigger filter as S3 matches it (URL-encoded): every raw snapshot key fires it, nothing else the pipeline writes does", () => {
    const notification = ofType("aws:s3/bucketNotification:BucketNotification");
    expect(notification).to.have.length(1);
    const [trigger] = notification[0].inputs.lambdaFunctions;
    expect(trigger).to.deep.include({ filterPrefix: "raw_data/snapshot_date%3D", filterSuffix: ".json", events: ["s3:ObjectCreated:*"] });
    expect(trigger.filterPrefix).to.equal(s3EncodedKey(RAW_SNAPSHOT_PREFIX));

    const dates = ["2026-01-01", "2026-11-25", "2027-02-28"];
    const rawKeys = dates.flatMap((d) => PLAYLISTS.map((id) => rawSnapshotKey(d, id)));
    for (const key of rawKeys) expect(s3FilterMatches(trigger, key), key).to.equal(true);
    // The unencoded filter of before never fires: the reason for the fix.
    for (const key of rawKeys) expect(s3FilterMatches({ filterPrefix: RAW_SNAPSHOT_PREFIX, filterSuffix: ".json" }, key), key).to.equal(false);

    const written = [
      ...dates.flatMap((d) => PLAYLISTS.flatMap((id) => FILE_FORMATS.flatMap((f) => TABLE_NAMES.map((t) => tableFileKey(f, t, d, id))))),
      ...rawKeys.flatMap((k) => Object.values(rejectedKeys(k))),
      ...PLAYLISTS.flatMap((id) => [`${SPOTIFY_CACHE_PREFIX}artists/${id}.json`, `${SPOTIFY_CACHE_PREFIX}albums/${id}.json`, `${SPOTIFY_CACHE_PREFIX}checkpoints/snapshot_date=2026-11-25/${id}.json`]),
    ];
    for (const key of written) expect(s3FilterMatches(trigger, key), key).to.equal(false);
  });

  it("lets the transform write only outside the trigger (tables, rejected copies), and S3 invoke it", () => {
    const transformRole = byName("aws:iam/rolePolicy:RolePolicy", "transformer");
    const writes = statementsOf(transformRole.inputs.policy)
      .filter((s) => asArray<string>(s.Action).includes("s3:PutObject"))
      .flatMap((s) => asArray<string>(s.Resource));
    const writePrefixes = writes.map((arn) => arn.replace(/^arn:aws:s3:::[^/]+\//, "").replace(/\*$/, ""));
    expect(writePrefixes).to.have.members([TRANSFORMED_PREFIX, REJECTED_PREFIX]);
    for (const prefix of writePrefixes) expect(prefix.startsWith(RAW_SNAPSHOT_PREFIX) || RAW_SNAPSHOT_PREFIX.startsWith(prefix), prefix).to.equal(false);
    const permission = ofType("aws:lambda/permission:Permission").find((p) => p.inputs.principal === "s3.amazonaws.com");
    expect(permission, "S3 may invoke the transform").to.not.equal(undefined);
    expect(ofType("aws:lambda/functionRecursionConfig:FunctionRecursionConfig")[0].inputs.recursiveLoop).to.equal("Terminate");
  });

  it("gives the extractor put on raw snapshots, read/write on the Spotify cache only, get/put on its one secret", () => {
    const statements = statementsOf(byName("aws:iam/rolePolicy:RolePolicy", "extractor-fn-policy").inputs.policy);
    const s3 = statements.filter((s) => asArray<string>(s.Action).some((a) => a.startsWith("s3:")));
    const prefixesFor = (action: string) =>
      s3.filter((s) => asArray<string>(s.Action).includes(action)).flatMap((s) => asArray<string>(s.Resource)).map((arn) => arn.replace(/^arn:aws:s3:::[^/]+\//, "").replace(/\*$/, ""));
    expect(prefixesFor("s3:PutObject")).to.have.members([RAW_SNAPSHOT_PREFIX, SPOTIFY_CACHE_PREFIX]);
    expect(prefixesFor("s3:GetObject")).to.deep.equal([SPOTIFY_CACHE_PREFIX]);
    const list = s3.find((s) => asArray<string>(s.Action).includes("s3:ListBucket"));
    expect(list.Condition).to.deep.equal({ StringLike: { "s3:prefix": [`${SPOTIFY_CACHE_PREFIX}*`] } });
    // Only the extractor's role touches the cache.
    for (const policy of ofType("aws:iam/rolePolicy:RolePolicy").filter((p) => !p.name.includes("extractor-fn"))) {
      expect(JSON.stringify(policy.inputs.policy), policy.name).to.not.include(SPOTIFY_CACHE_PREFIX);
    }
    // Reads the app's credentials; reads and writes (rotations) only the refresh token's own secret.
    const secretGrants = statements.filter((s) => asArray<string>(s.Action).some((a) => a.startsWith("secretsmanager:")));
    const appSecret = byName("aws:secretsmanager/secret:Secret", "spotify-credentials");
    const tokenSecret = byName("aws:secretsmanager/secret:Secret", "spotify-refresh-token");
    expect(secretGrants.find((s) => s.Resource === mockArn(appSecret)).Action).to.deep.equal(["secretsmanager:GetSecretValue"]);
    expect(secretGrants.find((s) => s.Resource === mockArn(tokenSecret)).Action).to.have.members(["secretsmanager:GetSecretValue", "secretsmanager:PutSecretValue"]);
    const env = byName("aws:lambda/function:Function", "extractor-fn").inputs.environment.variables;
    expect(env).to.include({ SPOTIFY_CACHE_MAX_AGE_DAYS: "30", SPOTIFY_CACHE_DAILY_REFRESH: "250" });
  });

  it("starts one fan-out on the schedule, which reads the playlist list from the lake and queues the requests; extractions at once are bounded by the queue's event source, not reserved concurrency", async () => {
    const rules = ofType("aws:cloudwatch/eventRule:EventRule").filter((r) => r.inputs.scheduleExpression);
    expect(rules).to.have.length(1);
    expect(rules[0].inputs.scheduleExpression).to.equal(SCHEDULE);
    const fanout = byName("aws:lambda/function:Function", "extractor-fanout");
    const targets = ofType("aws:cloudwatch/eventTarget:EventTarget").filter((t) => t.inputs.rule === physicalName(rules[0]));
    // The same daily rule also starts the compaction of the day before (components/compactor.ts, issue 20).
    const compactor = byName("aws:lambda/function:Function", "compactor-fn");
    expect(targets.map((t) => t.inputs.arn)).to.have.members([mockArn(fanout), mockArn(compactor)]);
    // The transform may invoke the compactor (a compacted day re-transformed: handlers/compact.ts, requestRecompaction), nothing else.
    expect(byName("aws:lambda/function:Function", "transformer-fn").inputs.environment.variables).to.include({ COMPACT_FUNCTION: physicalName(compactor) });
    const invokes = statementsOf(byName("aws:iam/rolePolicy:RolePolicy", "transformer").inputs.policy).filter((st) => asArray<string>(st.Action).includes("lambda:InvokeFunction"));
    expect(invokes.map((st) => st.Resource)).to.deep.equal([mockArn(compactor)]);
    const invoke = ofType("aws:lambda/permission:Permission").find((p) => p.inputs.function === physicalName(fanout))!;
    expect(invoke.inputs).to.include({ principal: "events.amazonaws.com", sourceArn: mockArn(rules[0]), action: "lambda:InvokeFunction" });
    // The list is data: one object in the lake bucket holding every configured playlist, which the fan-out may read and nothing else there.
    const lake = byName("aws:s3/bucket:Bucket", "-lake-data");
    const [list] = ofType("aws:s3/bucketObjectv2:BucketObjectv2");
    expect(list.inputs).to.include({ bucket: `${lake.name}-id`, key: PLAYLISTS_OBJECT_KEY });
    expect(JSON.parse(list.inputs.content)).to.deep.equal({ playlists: PLAYLISTS });
    const queue = byName("aws:sqs/queue:Queue", "extractor-requests");
    expect(fanout.inputs.environment.variables).to.deep.equal({ LAKE_BUCKET: `${lake.name}-physical`, PLAYLISTS_KEY: PLAYLISTS_OBJECT_KEY, EXTRACT_QUEUE_URL: `https://sqs.eu-west-1.amazonaws.com/123456789012/${queue.name}-physical` });
    const fanoutGrants = statementsOf(byName("aws:iam/rolePolicy:RolePolicy", "extractor-fanout-policy").inputs.policy);
    expect(fanoutGrants.find((s) => asArray<string>(s.Action).includes("s3:GetObject")).Resource).to.deep.equal([`arn:aws:s3:::${lake.name}-physical/${PLAYLISTS_OBJECT_KEY}*`]);
    expect(fanoutGrants.find((s) => asArray<string>(s.Action).includes("sqs:SendMessage") && s.Resource === mockArn(queue)), "may send to the extract queue").to.not.equal(undefined);
    // The handler retries failed entries itself: Lambda does not retry the whole fan-out (that would queue every playlist again).
    const invokeConfig = ofType("aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig").find((c) => c.inputs.functionName === physicalName(fanout))!;
    expect(invokeConfig.inputs.maximumRetryAttempts).to.equal(0);

    const extractFn = byName("aws:lambda/function:Function", "extractor-fn");
    const [mapping] = ofType("aws:lambda/eventSourceMapping:EventSourceMapping");
    expect(mapping.inputs).to.deep.include({ eventSourceArn: mockArn(queue), functionName: mockArn(extractFn), batchSize: 1, scalingConfig: { maximumConcurrency: 2 } });
    // Lambda developer guide: visibility timeout at least six times the function's timeout; failures end in the function's dead-letter queue.
    expect(queue.inputs.visibilityTimeoutSeconds).to.be.at.least(6 * extractFn.inputs.timeout);
    expect(JSON.parse(queue.inputs.redrivePolicy).deadLetterTargetArn).to.match(/^arn:aws:sqs:.*extractor-fn-dlq/);
    // Nothing but the fan-out (through its role) sends to the queue: no queue policy for EventBridge.
    expect(ofType("aws:sqs/queuePolicy:QueuePolicy")).to.deep.equal([]);
    const consume = statementsOf(byName("aws:iam/rolePolicy:RolePolicy", "consume-requests").inputs.policy)[0];
    expect(consume.Action).to.include.members(["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"]);
  });

  it("reserves no concurrency on any function (Lambda keeps 100 unreserved: a reservation fails on new accounts)", () => {
    expect(functions()).to.have.length(5);
    for (const fn of functions()) expect(fn.inputs.reservedConcurrentExecutions, fn.name).to.equal(undefined);
  });

  it("declares one Glue table per (format, table) whose columns, partition keys, SerDe and location are lib/tables'", () => {
    const tables = ofType("aws:glue/catalogTable:CatalogTable");
    const lake = byName("aws:s3/bucket:Bucket", "-lake-data");
    expect(tables.map((t) => t.inputs.name)).to.have.members(allTableRoots().map((r) => catalogTableName(r.format, r.table)));
    for (const { format, table } of allTableRoots()) {
      const declared = tables.find((t) => t.inputs.name === catalogTableName(format, table))!;
      expect(declared.inputs.databaseName).to.equal("spotify_pipeline_dev");
      expect(declared.inputs.tableType).to.equal("EXTERNAL_TABLE");
      expect(declared.inputs.storageDescriptor.columns, `${format} ${table}`).to.deep.equal(glueColumns(format, table));
      // lib/tables is the one definition: the same column names in the same (file) order.
      expect(declared.inputs.storageDescriptor.columns.map((c: any) => c.name)).to.deep.equal(TABLES[table].map((c) => c.name));
      expect(declared.inputs.partitionKeys).to.deep.equal(GLUE_PARTITION_KEYS.map((k) => ({ ...k })));
      expect(declared.inputs.storageDescriptor.location).to.equal(`s3://${lake.name}-physical/${tableRoot(format, table)}`);
      expect(declared.inputs.storageDescriptor.serDeInfo.serializationLibrary).to.equal(glueStorage(format).serializationLibrary);
    }
  });

  it("crawls the declared tables themselves (catalog targets: no table of its own, whatever the first crawl finds), never rewriting them, with a role scoped to its database, tables, prefixes and logs", () => {
    const crawlers = ofType("aws:glue/crawler:Crawler");
    expect(crawlers).to.have.length(2);
    const lake = byName("aws:s3/bucket:Bucket", "-lake-data");
    const declared = ofType("aws:glue/catalogTable:CatalogTable").map((t) => t.inputs.name as string);
    const targets = crawlers.flatMap((c) => c.inputs.catalogTargets as { databaseName: string; tables: string[] }[]);
    expect(targets.flatMap((t) => t.tables)).to.have.members(declared);
    expect(new Set(targets.map((t) => t.databaseName))).to.deep.equal(new Set(["spotify_pipeline_dev"]));
    for (const c of crawlers) expect(c.inputs.s3Targets ?? [], "no S3 path target: it could create tables beside the declared ones").to.deep.equal([]);
    const classifier = ofType("aws:glue/classifier:Classifier");
    expect(classifier).to.have.length(1);
    const csv = crawlers.find((c) => c.inputs.catalogTargets[0].tables[0].startsWith(CSV_TABLE_PREFIX))!;
    expect(csv.inputs.classifiers).to.deep.equal([classifier[0].inputs.name ?? `${classifier[0].name}-physical`]);
    for (const c of crawlers) {
      expect(c.inputs.catalogTargets[0].tables).to.have.length(TABLE_NAMES.length);
      // Catalog targets take deleteBehavior LOG; updateBehavior LOG leaves the declared schema as Pulumi wrote it.
      expect(c.inputs.schemaChangePolicy).to.deep.equal({ updateBehavior: "LOG", deleteBehavior: "LOG" });
      expect(c.inputs.schedule).to.equal("cron(0 12 * * ? *)");
      expect(JSON.parse(c.inputs.configuration).CrawlerOutput.Partitions.AddOrUpdateBehavior).to.equal("InheritFromTable");
      expect(c.inputs.databaseName).to.equal("spotify_pipeline_dev");
    }
    const policy = statementsOf(byName("aws:iam/rolePolicy:RolePolicy", "crawler-policy").inputs.policy);
    const glue = policy.filter((st) => asArray<string>(st.Action).some((a) => a.startsWith("glue:")));
    expect(glue.flatMap((st) => asArray<string>(st.Resource))).to.have.members([
      "arn:aws:glue:eu-west-1:123456789012:catalog",
      "arn:aws:glue:eu-west-1:123456789012:database/spotify_pipeline_dev",
      "arn:aws:glue:eu-west-1:123456789012:table/spotify_pipeline_dev/*",
    ]);
    const s3 = policy.filter((st) => asArray<string>(st.Action).some((a) => a.startsWith("s3:")));
    expect(s3.find((st) => st.Action.includes("s3:GetObject")).Resource).to.equal(`arn:aws:s3:::${lake.name}-physical/${TRANSFORMED_PREFIX}*`);
    expect(s3.find((st) => st.Action.includes("s3:ListBucket")).Condition).to.deep.equal({ StringLike: { "s3:prefix": [`${TRANSFORMED_PREFIX}*`] } });
    // What AWSGlueServiceRole gives a crawler on S3, scoped to the lake: the bucket's location too.
    expect(s3.find((st) => st.Action.includes("s3:GetBucketLocation")).Resource).to.equal(`arn:aws:s3:::${lake.name}-physical`);
    expect(glue.flatMap((st) => asArray<string>(st.Action))).to.not.include("glue:CreateTable");
    const logs = policy.filter((st) => asArray<string>(st.Action).some((a) => a.startsWith("logs:")));
    for (const st of logs) expect(st.Resource).to.match(/^arn:aws:logs:eu-west-1:123456789012:log-group:\/aws-glue\/crawlers:/);
  });

  it("lets the transform register partitions in exactly the declared tables of its database, and names the database to it", () => {
    const tables = ofType("aws:glue/catalogTable:CatalogTable").map((t) => t.inputs.name);
    const glue = statementsOf(byName("aws:iam/rolePolicy:RolePolicy", "transformer").inputs.policy).find((st) => asArray<string>(st.Action).includes("glue:BatchCreatePartition"));
    expect(glue.Action).to.deep.equal(["glue:BatchCreatePartition"]);
    expect(glue.Resource).to.have.members([
      "arn:aws:glue:eu-west-1:123456789012:catalog",
      "arn:aws:glue:eu-west-1:123456789012:database/spotify_pipeline_dev",
      ...tables.map((t) => `arn:aws:glue:eu-west-1:123456789012:table/spotify_pipeline_dev/${t}`),
    ]);
    const env = byName("aws:lambda/function:Function", "transformer").inputs.environment.variables;
    expect(env).to.deep.equal({
      LAKE_BUCKET: `${byName("aws:s3/bucket:Bucket", "-lake-data").name}-physical`,
      GLUE_DATABASE: "spotify_pipeline_dev",
      COMPACT_FUNCTION: physicalName(byName("aws:lambda/function:Function", "compactor-fn")),
    });
    // Nothing starts a crawl from the transform any more: no race with a running crawl.
    expect(JSON.stringify(ofType("aws:iam/rolePolicy:RolePolicy").map((p) => p.inputs.policy))).to.not.include("glue:StartCrawler");
  });

  it("configures the Athena workgroup: engine 3, enforced, SSE_S3 results in the results bucket, cutoff, metrics", () => {
    const [wg] = ofType("aws:athena/workgroup:Workgroup");
    const c = wg.inputs.configuration;
    expect(c.engineVersion.selectedEngineVersion).to.equal("Athena engine version 3");
    expect(c.enforceWorkgroupConfiguration).to.equal(true);
    expect(c.publishCloudwatchMetricsEnabled).to.equal(true);
    expect(c.bytesScannedCutoffPerQuery).to.equal(100 * 1024 * 1024);
    expect(c.resultConfiguration.encryptionConfiguration.encryptionOption).to.equal("SSE_S3");
    const results = byName("aws:s3/bucket:Bucket", "athena-results");
    expect(c.resultConfiguration.outputLocation).to.equal(`s3://${results.name}-physical/results/`);
  });

  it("saves sql/queries as named queries and publishes sql/views on deploy (when their SQL changes) and on a successful Parquet crawl", () => {
    const named = ofType("aws:athena/namedQuery:NamedQuery");
    expect(named.map((q) => q.inputs.name)).to.have.members(loadQueries().map((q) => q.name));
    const rule = ofType("aws:cloudwatch/eventRule:EventRule").find((r) => r.inputs.eventPattern?.includes("Succeeded"))!;
    const pattern = JSON.parse(rule.inputs.eventPattern);
    expect(pattern).to.deep.include({ source: ["aws.glue"], "detail-type": ["Glue Crawler State Change"] });
    const parquet = ofType("aws:glue/crawler:Crawler").find((c) => !c.inputs.catalogTargets[0].tables[0].startsWith(CSV_TABLE_PREFIX))!;
    expect(pattern.detail).to.deep.equal({ crawlerName: [`${parquet.name}-physical`], state: ["Succeeded"] });
    const views = byName("aws:lambda/function:Function", "views");
    const target = ofType("aws:cloudwatch/eventTarget:EventTarget").filter((t) => t.inputs.rule === physicalName(rule));
    expect(target.map((t) => t.inputs.arn)).to.deep.equal([mockArn(views)]);

    const [publish] = ofType("aws:lambda/invocation:Invocation");
    const hash = viewsSqlHash(loadViews());
    expect(publish.inputs.functionName).to.equal(physicalName(views));
    expect(JSON.parse(publish.inputs.input)).to.deep.equal({ reason: "deploy", sqlSha256: hash });
    expect(publish.inputs.triggers).to.deep.equal({ sqlSha256: hash });
    // A changed view changes the trigger, so `pulumi up` publishes again.
    const edited = loadViews().map((v, i) => (i === 0 ? { ...v, sql: `${v.sql}\n-- edited` } : v));
    expect(viewsSqlHash(edited)).to.not.equal(hash);
  });

  it("lets the views function run Athena DDL: the default database and the catalog too (Athena's mandatory policy), its own database and tables", () => {
    const statements = statementsOf(byName("aws:iam/rolePolicy:RolePolicy", "views-policy").inputs.policy);
    const onDefault = statements.find((st) => asArray<string>(st.Resource).includes("arn:aws:glue:eu-west-1:123456789012:database/default"));
    expect(onDefault, "a grant on the default database").to.not.equal(undefined);
    // The Athena guide's mandatory policy for the default database lists both.
    expect(onDefault.Action).to.include.members(["glue:GetDatabase", "glue:CreateDatabase"]);
    expect(asArray<string>(onDefault.Resource)).to.include("arn:aws:glue:eu-west-1:123456789012:catalog");
    const own = statements.find((st) => asArray<string>(st.Resource).includes("arn:aws:glue:eu-west-1:123456789012:database/spotify_pipeline_dev"));
    expect(own.Action).to.include.members(["glue:GetDatabase", "glue:GetTable", "glue:CreateTable", "glue:UpdateTable"]);
    expect(asArray<string>(own.Resource)).to.include("arn:aws:glue:eu-west-1:123456789012:table/spotify_pipeline_dev/*");
    // The workgroup it is named, bound with its grants: queries there, results under its output location only.
    const env = byName("aws:lambda/function:Function", "views").inputs.environment.variables;
    const [wg] = ofType("aws:athena/workgroup:Workgroup");
    expect(env).to.deep.equal({ ATHENA_WORKGROUP: physicalName(wg), GLUE_DATABASE: "spotify_pipeline_dev" });
    const athena = statementsOf(byName("aws:iam/rolePolicy:RolePolicy", "views-policy").inputs.policy).find((st) => asArray<string>(st.Action).includes("athena:StartQueryExecution"));
    expect(athena.Resource).to.equal(mockArn(wg));
    const results = byName("aws:s3/bucket:Bucket", "athena-results");
    const puts = statements.filter((st) => asArray<string>(st.Action).includes("s3:PutObject")).flatMap((st) => asArray<string>(st.Resource));
    expect(puts).to.deep.equal([`arn:aws:s3:::${results.name}-physical/results/*`]);
  });

  it("alarms on every function's Errors, Throttles and dead-letter queue, on rejections and staleness", () => {
    const alarms = ofType("aws:cloudwatch/metricAlarm:MetricAlarm");
    expect(functions()).to.have.length(5);
    for (const fn of functions()) {
      const name = physicalName(fn);
      for (const metric of ["Errors", "Throttles"]) {
        expect(alarms.filter((a) => a.inputs.metricName === metric && a.inputs.dimensions?.FunctionName === name), `${metric} of ${fn.name}`).to.have.length(1);
      }
    }
    const queues = ofType("aws:sqs/queue:Queue").filter((q) => q.name.endsWith("-dlq"));
    expect(queues).to.have.length(5);
    for (const q of queues) {
      expect(alarms.some((a) => a.inputs.metricName === "ApproximateNumberOfMessagesVisible" && a.inputs.dimensions.QueueName === `${q.name}-physical`), q.name).to.equal(true);
    }
    // Staleness: the schedule ran (fan-out invoked) in the last 26 hours and nothing was transformed. A new stack,
    // whose schedule has not run, has no data at all: not breaching (no ALARM from the deploy to the first run).
    const stale = alarms.find((a) => a.name.endsWith("extraction-stale"))!;
    expect(stale.inputs).to.include({ evaluationPeriods: 1, threshold: 0, comparisonOperator: "GreaterThanThreshold", treatMissingData: "notBreaching" });
    const queries = Object.fromEntries((stale.inputs.metricQueries as any[]).map((q) => [q.id, q]));
    expect(queries.stale).to.include({ expression: STALENESS_EXPRESSION, returnData: true });
    expect(queries.transformed.metric).to.deep.include({ metricName: "Invocations", period: 26 * 3600, stat: "Sum", dimensions: { FunctionName: physicalName(byName("aws:lambda/function:Function", "transformer")) } });
    expect(queries.scheduled.metric.dimensions).to.deep.equal({ FunctionName: physicalName(byName("aws:lambda/function:Function", "extractor-fanout")) });
    const topic = ofType("aws:sns/topic:Topic");
    expect(topic).to.have.length(1);
    // Encrypted with a customer managed key whose policy lets CloudWatch alarms and EventBridge publish (not alias/aws/sns, which they cannot use).
    const [key] = ofType("aws:kms/key:Key");
    expect(topic[0].inputs.kmsMasterKeyId).to.equal(mockArn(key));
    expect(key.inputs.enableKeyRotation).to.equal(true);
    const publishers = statementsOf(key.inputs.policy).find((st) => st.Sid === "AlarmsAndEventsPublishToEncryptedTopic");
    expect(publishers.Principal.Service).to.have.members(["cloudwatch.amazonaws.com", "events.amazonaws.com"]);
    expect(publishers.Action).to.have.members(["kms:GenerateDataKey*", "kms:Decrypt"]);
    for (const a of alarms) expect(a.inputs.alarmActions, a.name).to.have.length(1);
    expect(ofType("aws:sns/topicSubscription:TopicSubscription")[0].inputs).to.include({ protocol: "email", endpoint: "alerts@example.com" });
  });

  it("gives every function an on-failure destination: its own SQS dead-letter queue", () => {
    const configs = ofType("aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig");
    for (const fn of functions()) {
      const config = configs.filter((c) => c.inputs.functionName === physicalName(fn));
      expect(config, fn.name).to.have.length(1);
      const destination = config[0].inputs.destinationConfig.onFailure.destination;
      expect(destination).to.match(/^arn:aws:sqs:/);
      // The function's role may send there (Lambda sends the record with the function's permissions).
      const policy = ofType("aws:iam/rolePolicy:RolePolicy").find((p) => p.name === `${fn.name}-policy`)!;
      expect(statementsOf(policy.inputs.policy).some((st) => st.Action.includes?.("sqs:SendMessage") && st.Resource === destination), fn.name).to.equal(true);
    }
  });

  it("reaches the topic on crawler failures through an EventBridge rule the topic policy allows", () => {
    const rule = ofType("aws:cloudwatch/eventRule:EventRule").find((r) => r.inputs.eventPattern?.includes("Failed"))!;
    expect(JSON.parse(rule.inputs.eventPattern).detail.crawlerName).to.have.length(2);
    const target = ofType("aws:cloudwatch/eventTarget:EventTarget").find((t) => t.inputs.rule === `${rule.name}-physical`)!;
    expect(target.inputs.arn).to.match(/^arn:aws:sns:/);
    const policy = statementsOf(ofType("aws:sns/topicPolicy:TopicPolicy")[0].inputs.policy);
    expect(policy.some((s) => s.Principal?.Service === "events.amazonaws.com" && s.Action === "sns:Publish")).to.equal(true);
  });

  it("runs every function on nodejs22.x with JSON logs into its own log group with a retention", () => {
    const logGroups = ofType("aws:cloudwatch/logGroup:LogGroup");
    for (const fn of functions()) {
      expect(fn.inputs.runtime).to.equal("nodejs22.x");
      expect(fn.inputs.architectures).to.deep.equal(["arm64"]);
      expect(fn.inputs.loggingConfig.logFormat).to.equal("JSON");
      const group = logGroups.find((g) => physicalName(g) === fn.inputs.loggingConfig.logGroup);
      expect(group?.inputs.retentionInDays, fn.name).to.equal(30);
    }
  });

  it("puts no secret config value into any function, only the secret's ARN, and the values into Secrets Manager", () => {
    for (const r of recorded.filter((x) => x.type.startsWith("aws:lambda/") || x.type.startsWith("aws:cloudwatch/eventTarget"))) {
      const text = JSON.stringify(r.inputs);
      expect(text, r.name).to.not.include(REFRESH_TOKEN);
      expect(text, r.name).to.not.include(CLIENT_SECRET);
    }
    const env = byName("aws:lambda/function:Function", "extractor-fn").inputs.environment.variables;
    expect(env.SPOTIFY_SECRET_ARN).to.match(/^arn:aws:secretsmanager:/);
    expect(env.SPOTIFY_REFRESH_TOKEN_SECRET_ARN).to.match(/^arn:aws:secretsmanager:/);
    const app = byName("aws:secretsmanager/secretVersion:SecretVersion", "spotify-credentials-value");
    expect(JSON.parse(unsecret(app.inputs.secretString) as string)).to.deep.equal({ client_id: "client-id-123", client_secret: CLIENT_SECRET });
    const seed = byName("aws:secretsmanager/secretVersion:SecretVersion", "spotify-refresh-token-seed");
    expect(JSON.parse(unsecret(seed.inputs.secretString) as string)).to.deep.equal({ refresh_token: REFRESH_TOKEN });
  });

  it("never rewrites the refresh token after the first deploy: a config change (client id, token) cannot roll back a token the extractor rotated", () => {
    // The seed's ignoreChanges (resource options, which these mocks do not record) is held in pulumiComponents.test.ts.
    const tokenSecret = byName("aws:secretsmanager/secret:Secret", "spotify-refresh-token");
    const app = byName("aws:secretsmanager/secretVersion:SecretVersion", "spotify-credentials-value");
    expect(JSON.stringify(app.inputs)).to.not.include(REFRESH_TOKEN);
    expect(byName("aws:secretsmanager/secretVersion:SecretVersion", "spotify-refresh-token-seed").inputs.secretId).to.equal(`${tokenSecret.name}-id`);
  });
});

