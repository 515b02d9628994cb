/**
 * The Pulumi program under mocks: the resource graph index.ts builds from a stack config, and
 * the properties that keep it safe (encryption, private buckets, least privilege, no secret in
 * a function) and correct (trigger, schedule targets, crawler roots, workgroup, alarms).
 */
import { expect } from "chai";
import * as pulumi from "@pulumi/pulumi";
import { allTableRoots, RAW_SNAPSHOT_PREFIX, TRANSFORMED_PREFIX, REJECTED_PREFIX, CSV_TABLE_PREFIX } from "../lib/lake/layout";
import { TABLE_NAMES } from "../lib/tables/schema";
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
  });

  it("builds the components with their type tokens, children parented under the pipeline", () => {
    const components = recorded.filter((r) => r.type.startsWith("spotify-pipeline:index:")).map((r) => r.type);
    expect(components).to.have.members(
      ["SpotifyPipeline", "DataLake", "Extractor", "Transformer", "Catalog", "Analytics", "Monitoring"].map((n) => `spotify-pipeline:index:${n}`),
    );
    // Name-prefixed: every AWS resource's logical name starts with the pipeline's name.
    for (const r of recorded.filter((x) => x.type.startsWith("aws:"))) expect(r.name, r.type).to.match(/^spotify-/);
  });

  it("encrypts, blocks public access to, and requires TLS on every bucket; versions and tiers the lake", () => {
    const buckets = ofType("aws:s3/bucket:Bucket");
    expect(buckets).to.have.length(2);
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
  });

  it("grants no wildcard action on every resource and attaches no managed FullAccess policy", () => {
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
    for (const attachment of ofType("aws:iam/rolePolicyAttachment:RolePolicyAttachment")) {
      expect(attachment.inputs.policyArn).to.not.match(/FullAccess/);
    }
    // Every function has its own role (CallbackFunction would otherwise make one with FullAccess policies).
    const roleArns = functions().map((f) => f.inputs.role);
    expect(new Set(roleArns).size).to.equal(functions().length);
  });

  it("triggers the transform on raw snapshots only, a prefix disjoint from everything it writes", () => {
    const notification = ofType("aws:s3/bucketNotification:BucketNotification");
    expect(notification).to.have.length(1);
    const [trigger] = notification[0].inputs.lambdaFunctions;
    expect(trigger).to.deep.include({ filterPrefix: RAW_SNAPSHOT_PREFIX, filterSuffix: ".json", events: ["s3:ObjectCreated:*"] });
    const transformRole = byName("aws:iam/rolePolicy:RolePolicy", "transformer");
    const writes = statementsOf(transformRole.inputs.policy)
      .filter((s) => asArray<string>(s.Action).includes("s3:PutObject"))
      .flatMap((s) => asArray<string>(s.Resource));
    expect(writes).to.have.length(2);
    const writePrefixes = writes.map((arn) => arn.replace(/^arn:aws:s3:::[^/]+\//, "").replace(/\*$/, ""));
    expect(writePrefixes).to.have.members([TRANSFORMED_PREFIX, REJECTED_PREFIX]);
    for (const prefix of writePrefixes) {
      expect(prefix.startsWith(trigger.filterPrefix) || trigger.filterPrefix.startsWith(prefix), `${prefix} vs ${trigger.filterPrefix}`).to.equal(false);
    }
    const permission = ofType("aws:lambda/permission:Permission").find((p) => p.inputs.principal === "s3.amazonaws.com");
    expect(permission, "S3 may invoke the transform").to.not.equal(undefined);
    expect(ofType("aws:lambda/functionRecursionConfig:FunctionRecursionConfig")[0].inputs.recursiveLoop).to.equal("Terminate");
  });

  it("gives the extractor put on the raw snapshot prefix only, and get/put on its one secret", () => {
    const statements = statementsOf(byName("aws:iam/rolePolicy:RolePolicy", "extractor").inputs.policy);
    const s3 = statements.filter((s) => asArray<string>(s.Action).some((a) => a.startsWith("s3:")));
    expect(s3).to.have.length(1);
    expect(s3[0].Action).to.deep.equal(["s3:PutObject"]);
    expect(s3[0].Resource).to.match(new RegExp(`/${RAW_SNAPSHOT_PREFIX}\\*$`));
    const secret = statements.find((s) => asArray<string>(s.Action).some((a) => a.startsWith("secretsmanager:")));
    expect(secret.Action).to.have.members(["secretsmanager:GetSecretValue", "secretsmanager:PutSecretValue"]);
    expect(secret.Resource).to.match(/^arn:aws:secretsmanager:/);
  });

  it("runs the schedule from config, with one extract target per playlist (at most five per rule)", () => {
    const rules = ofType("aws:cloudwatch/eventRule:EventRule").filter((r) => r.inputs.scheduleExpression);
    expect(rules).to.have.length(2);
    for (const rule of rules) expect(rule.inputs.scheduleExpression).to.equal(SCHEDULE);
    const extractFn = byName("aws:lambda/function:Function", "extractor");
    const targets = ofType("aws:cloudwatch/eventTarget:EventTarget").filter((t) => t.inputs.arn === mockArn(extractFn));
    expect(targets.map((t) => t.inputs.rule)).to.satisfy((r: string[]) => r.every((name) => rules.some((rule) => physicalName(rule) === name)));
    expect(targets.map((t) => JSON.parse(t.inputs.input).playlist_id)).to.have.members(PLAYLISTS);
    const perRule = new Map<string, number>();
    for (const t of targets) perRule.set(t.inputs.rule, (perRule.get(t.inputs.rule) ?? 0) + 1);
    expect(Math.max(...perRule.values())).to.be.at.most(5);
    expect(extractFn.inputs.reservedConcurrentExecutions).to.equal(1);
  });

  it("points each crawler at exactly the transform's table roots, CSV through the header classifier and the csv_ prefix", () => {
    const crawlers = ofType("aws:glue/crawler:Crawler");
    expect(crawlers).to.have.length(2);
    const lake = byName("aws:s3/bucket:Bucket", "-lake-data");
    const targets = crawlers.flatMap((c) => c.inputs.s3Targets.map((t: any) => t.path as string));
    expect(targets).to.have.members(allTableRoots().map((r) => `s3://${lake.name}-physical/${r.root}`));
    const classifier = ofType("aws:glue/classifier:Classifier");
    expect(classifier).to.have.length(1);
    expect(classifier[0].inputs.csvClassifier).to.deep.equal({ containsHeader: "PRESENT", delimiter: ",", quoteSymbol: '"' });
    const csv = crawlers.find((c) => c.inputs.s3Targets[0].path.includes("/csv/"))!;
    expect(csv.inputs.classifiers).to.deep.equal([classifier[0].inputs.name ?? `${classifier[0].name}-physical`]);
    expect(csv.inputs.tablePrefix).to.equal(CSV_TABLE_PREFIX);
    const parquet = crawlers.find((c) => c !== csv)!;
    expect(parquet.inputs.tablePrefix).to.equal(undefined);
    for (const c of crawlers) {
      expect(c.inputs.s3Targets).to.have.length(TABLE_NAMES.length);
      expect(JSON.parse(c.inputs.configuration).Grouping.TableGroupingPolicy).to.equal("CombineCompatibleSchemas");
      expect(c.inputs.databaseName).to.equal("spotify_pipeline_dev");
    }
  });

  it("lets the transform start exactly its crawlers, and hands their names to it", () => {
    const crawlerArns = ofType("aws:glue/crawler:Crawler").map((c) => `arn:aws:glue:eu-west-1:123456789012:crawler/${c.name}-physical`);
    const glue = statementsOf(byName("aws:iam/rolePolicy:RolePolicy", "transformer").inputs.policy).find((s) => asArray<string>(s.Action).includes("glue:StartCrawler"));
    expect(glue.Resource).to.have.members(crawlerArns);
    const env = byName("aws:lambda/function:Function", "transformer").inputs.environment.variables;
    expect(env.CRAWLER_NAMES.split(",")).to.have.members(ofType("aws:glue/crawler:Crawler").map((c) => `${c.name}-physical`));
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

  it("saves sql/queries as named queries and publishes sql/views on a successful Parquet crawl", () => {
    const named = ofType("aws:athena/namedQuery:NamedQuery");
    expect(named.map((q) => q.inputs.name)).to.have.members(loadQueries().map((q) => q.name));
    const rule = ofType("aws:cloudwatch/eventRule:EventRule").find((r) => r.inputs.eventPattern?.includes("Succeeded"))!;
    const pattern = JSON.parse(rule.inputs.eventPattern);
    expect(pattern).to.deep.include({ source: ["aws.glue"], "detail-type": ["Glue Crawler State Change"] });
    const parquet = ofType("aws:glue/crawler:Crawler").find((c) => c.inputs.s3Targets[0].path.includes("/parquet/"))!;
    expect(pattern.detail).to.deep.equal({ crawlerName: [`${parquet.name}-physical`], state: ["Succeeded"] });
    const views = byName("aws:lambda/function:Function", "views");
    const target = ofType("aws:cloudwatch/eventTarget:EventTarget").filter((t) => t.inputs.rule === physicalName(rule));
    expect(target.map((t) => t.inputs.arn)).to.deep.equal([mockArn(views)]);
    expect(loadViews().length).to.be.greaterThan(0);
  });

  it("alarms on every function's Errors and Throttles, on the dead-letter queues, rejections and staleness", () => {
    const alarms = ofType("aws:cloudwatch/metricAlarm:MetricAlarm");
    for (const fn of functions()) {
      const name = physicalName(fn);
      for (const metric of ["Errors", "Throttles"]) {
        expect(alarms.filter((a) => a.inputs.metricName === metric && a.inputs.dimensions?.FunctionName === name), `${metric} of ${fn.name}`).to.have.length(1);
      }
    }
    expect(functions()).to.have.length(3);
    const queues = ofType("aws:sqs/queue:Queue");
    for (const q of queues) {
      expect(alarms.some((a) => a.inputs.metricName === "ApproximateNumberOfMessagesVisible" && a.inputs.dimensions.QueueName === `${q.name}-physical`), q.name).to.equal(true);
    }
    const stale = alarms.find((a) => a.inputs.metricName === "Invocations")!;
    expect(stale.inputs).to.include({ period: 3600, evaluationPeriods: 26, treatMissingData: "breaching", comparisonOperator: "LessThanThreshold" });
    expect(stale.inputs.dimensions.FunctionName).to.equal(physicalName(byName("aws:lambda/function:Function", "transformer")));
    const topic = ofType("aws:sns/topic:Topic");
    expect(topic).to.have.length(1);
    for (const a of alarms) expect(a.inputs.alarmActions, a.name).to.have.length(1);
    expect(ofType("aws:sns/topicSubscription:TopicSubscription")[0].inputs).to.include({ protocol: "email", endpoint: "alerts@example.com" });
  });

  it("sends failed async invocations to an SQS dead-letter queue", () => {
    const configs = ofType("aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig");
    const transformFn = byName("aws:lambda/function:Function", "transformer");
    const forTransform = configs.find((c) => c.inputs.functionName === physicalName(transformFn))!;
    expect(forTransform.inputs.destinationConfig.onFailure.destination).to.match(/^arn:aws:sqs:/);
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
    const env = byName("aws:lambda/function:Function", "extractor").inputs.environment.variables;
    expect(env.SPOTIFY_SECRET_ARN).to.match(/^arn:aws:secretsmanager:/);
    const [version] = ofType("aws:secretsmanager/secretVersion:SecretVersion");
    expect(JSON.parse(unsecret(version.inputs.secretString) as string)).to.deep.equal({ client_id: "client-id-123", client_secret: CLIENT_SECRET, refresh_token: REFRESH_TOKEN });
  });
});

