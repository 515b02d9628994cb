/** `npm run smoke` as a command: stack outputs on stdin or flags, what is missing, bad input, exit statuses. */
import { expect } from "chai";
import { InvokeCommand } from "@aws-sdk/client-lambda";
import { HeadObjectCommand } from "@aws-sdk/client-s3";
import { runCli, EXIT, type CliDeps } from "../smoke/cli";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { DEFAULT_WAIT_S } from "../smoke/settings";
import { OUTPUT_NAMES } from "../smoke/stackOutputs";
import { fakeClock, healthyStack, mockedStack, notFound, payload, PLAYLIST, RAW_KEY, type MockedStack } from "./support/smokeAws";

/** What `pulumi stack output --json` prints for a deployed stack (contract C3's names). */
const STACK_OUTPUTS = {
  lakeBucket: "lake-bucket-1234",
  athenaResultsBucket: "results-bucket-5678",
  glueDatabase: "spotify_pipeline_dev",
  athenaWorkgroup: "spotify-wg",
  crawlerNames: ["crawler-csv", "crawler-parquet"],
  extractFunctionName: "extract-fn-abc",
  transformFunctionName: "transform-fn-def",
  viewsFunctionName: "views-fn-ghi",
  spotifySecretArn: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:spotify-abc",
  alertTopicArn: "arn:aws:sns:eu-west-1:123456789012:alerts",
  athenaConsoleUrl: "https://eu-west-1.console.aws.amazon.com/athena/home?region=eu-west-1#/query-editor",
  playlists: [PLAYLIST, "37i9dQZF1DXcBWIGoYBM5M"],
};

interface Run {
  code: number;
  out: string[];
  err: string[];
  regions: string[];
  stdinReads: number;
  sdkRegionAsked: number;
}

describe("npm run smoke (the command)", () => {
  let stack: MockedStack;
  beforeEach(() => (stack = mockedStack()));
  afterEach(() => Object.values(stack.mocks).forEach((m) => m.restore()));

  async function run(argv: string[], stdin: string | undefined, sdkRegion?: string): Promise<Run> {
    const r: Run = { code: -1, out: [], err: [], regions: [], stdinReads: 0, sdkRegionAsked: 0 };
    const deps: CliDeps = {
      readStdin: async () => {
        r.stdinReads += 1;
        return stdin;
      },
      sdkRegion: async () => {
        r.sdkRegionAsked += 1;
        return sdkRegion;
      },
      makeClients: (region) => {
        r.regions.push(region);
        return stack.clients;
      },
      clock: fakeClock(),
      out: (l) => r.out.push(l),
      err: (l) => r.err.push(l),
    };
    r.code = await runCli(argv, deps);
    return r;
  }

  it("runs from `pulumi stack output --json` on stdin: the first playlist, the stack's region, exit 0", async () => {
    healthyStack(stack);
    const r = await run([], JSON.stringify(STACK_OUTPUTS, null, 2));
    expect(r.code).to.equal(EXIT.passed);
    expect(r.err).to.deep.equal([]);
    expect(r.regions).to.deep.equal(["eu-west-1"]);
    expect(r.sdkRegionAsked).to.equal(0);
    const invoke = stack.mocks.lambda.commandCalls(InvokeCommand)[0].args[0].input;
    expect(invoke.FunctionName).to.equal("extract-fn-abc");
    expect(JSON.parse(invoke.Payload as string)).to.deep.equal({ playlist_id: PLAYLIST });
    expect(r.out[r.out.length - 1]).to.match(/^Smoke check passed in \d+\.\d s\.$/);
  });

  it("lets flags override outputs (another playlist, given as a link) and exits 1 with the step's message on failure", async () => {
    healthyStack(stack);
    stack.mocks.lambda.on(InvokeCommand).resolves({ StatusCode: 200, FunctionError: "Unhandled", Payload: payload({ errorType: "SpotifyApiError", errorMessage: "404 Not Found for playlist" }) });
    const r = await run(["--playlist", "https://open.spotify.com/playlist/37i9dQZF1DXcBWIGoYBM5M?si=x", "--region", "us-east-1"], JSON.stringify(STACK_OUTPUTS));
    expect(r.code).to.equal(EXIT.failed);
    expect(r.regions).to.deep.equal(["us-east-1"]);
    expect(JSON.parse(stack.mocks.lambda.commandCalls(InvokeCommand)[0].args[0].input.Payload as string)).to.deep.equal({ playlist_id: "37i9dQZF1DXcBWIGoYBM5M" });
    expect(r.err.join("\n")).to.match(/^Step 1\/5 "Invoke extract-fn-abc for playlist 37i9dQZF1DXcBWIGoYBM5M" failed/);
    expect(r.err.join("\n")).to.include("SpotifyApiError: 404 Not Found for playlist");
    expect(r.err.join("\n")).to.include("https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1#logsV2:log-groups/log-group/spotify-extract-logs-1a2b3c");
  });

  it("runs from flags alone, without reading stdin", async () => {
    healthyStack(stack);
    const flags = ["--lake-bucket", "lake-bucket-1234", "--extract-function", "extract-fn-abc", "--database", "db", "--workgroup", "wg", "--playlist", PLAYLIST, "--region", "eu-west-1"];
    const r = await run(flags, "never read");
    expect(r.code).to.equal(EXIT.passed);
    expect(r.stdinReads).to.equal(0);
  });

  it("names every missing output with its flag, and calls no AWS service (exit 2)", async () => {
    const r = await run([], undefined);
    expect(r.code).to.equal(EXIT.usage);
    expect(r.regions).to.deep.equal([]);
    const message = r.err.join("\n");
    for (const expected of [
      "the lake bucket (output lakeBucket, or --lake-bucket)",
      "the extract function (output extractFunctionName, or --extract-function)",
      "the Glue database (output glueDatabase, or --database)",
      "the Athena workgroup (output athenaWorkgroup, or --workgroup)",
      "a playlist (output playlists, or --playlist)",
      "the AWS region (--region",
    ]) {
      expect(message).to.include(expected);
    }
    expect(message).to.include("pulumi stack output --json");
  });

  it("names only what is missing: a stack without the playlists output needs --playlist", async () => {
    const { playlists: _omitted, ...withoutPlaylists } = STACK_OUTPUTS;
    const r = await run([], JSON.stringify(withoutPlaylists));
    expect(r.code).to.equal(EXIT.usage);
    expect(r.err).to.deep.equal([
      "Missing a playlist (output playlists, or --playlist). Pipe `pulumi stack output --json` into `npm run smoke`, or pass the flags (`npm run smoke -- --help`).",
    ]);
  });

  it("takes the region from the SDK's chain only when neither flags nor outputs give it", async () => {
    healthyStack(stack);
    const { athenaConsoleUrl: _omitted, ...withoutConsole } = STACK_OUTPUTS;
    const r = await run([], JSON.stringify(withoutConsole), "ap-southeast-2");
    expect(r.code).to.equal(EXIT.passed);
    expect(r.sdkRegionAsked).to.equal(1);
    expect(r.regions).to.deep.equal(["ap-southeast-2"]);
  });

  it("refuses text that is not JSON on stdin (the table `pulumi stack output` prints), exit 2", async () => {
    const r = await run([], "Current stack outputs (11):\n    OUTPUT       VALUE\n    lakeBucket   lake-bucket-1234\n");
    expect(r.code).to.equal(EXIT.usage);
    expect(r.err[0]).to.match(/^The input on stdin is not JSON \(/);
    expect(r.err[0]).to.include("pulumi stack output --json");
    expect(r.regions).to.deep.equal([]);
  });

  it("refuses JSON that is not an object of outputs, or an output of the wrong type", async () => {
    let r = await run([], "[1, 2]");
    expect(r.code).to.equal(EXIT.usage);
    expect(r.err[0]).to.include("is not an object of stack outputs");

    r = await run([], JSON.stringify({ ...STACK_OUTPUTS, playlists: PLAYLIST }));
    expect(r.code).to.equal(EXIT.usage);
    expect(r.err[0]).to.match(/^The stack outputs on stdin have unexpected values \(playlists: /);
  });

  it("refuses a bad playlist id, a bad bound and an unknown flag, exit 2", async () => {
    let r = await run(["--playlist", "not/an id"], JSON.stringify(STACK_OUTPUTS));
    expect(r.code).to.equal(EXIT.usage);
    expect(r.err[0]).to.match(/^Invalid playlist id "not\/an id"/);

    r = await run(["--wait-tables", "ten"], JSON.stringify(STACK_OUTPUTS));
    expect(r.code).to.equal(EXIT.usage);
    expect(r.err[0]).to.equal('--wait-tables "ten" is not a positive number of seconds.');

    r = await run(["--extract-attempts", "0"], JSON.stringify(STACK_OUTPUTS));
    expect(r.code).to.equal(EXIT.usage);
    expect(r.err[0]).to.equal('--extract-attempts "0" is not a whole number of at least 1.');

    r = await run(["--lake", "x"], JSON.stringify(STACK_OUTPUTS));
    expect(r.code).to.equal(EXIT.usage);
    expect(r.err[0]).to.match(/Unknown option '--lake'.*npm run smoke -- --help/);
  });

  it("applies a bound given in seconds", async () => {
    healthyStack(stack);
    stack.mocks.lambda.on(InvokeCommand).resolves({ StatusCode: 200, Payload: payload({ key: RAW_KEY, snapshotDate: "2026-11-26" }) });
    stack.mocks.s3.on(HeadObjectCommand).rejects(notFound());
    const r = await run(["--wait-raw", "12", "--poll", "4"], JSON.stringify(STACK_OUTPUTS));
    expect(r.code).to.equal(EXIT.failed);
    expect(r.err[0]).to.include("did not appear within 12.0 s (--wait-raw)");
    expect(stack.mocks.s3.commandCalls(HeadObjectCommand)).to.have.length(4);
  });

  it("prints the flags with the default bounds on --help, exit 0", async () => {
    const r = await run(["--help"], undefined);
    expect(r.code).to.equal(EXIT.passed);
    expect(r.out[0]).to.include("pulumi stack output --json | npm run smoke");
    expect(r.out[0]).to.include(`--wait-partition S    the partition in the Glue catalog (default ${DEFAULT_WAIT_S.partition})`);
  });

  it("reads only outputs the Pulumi program exports under those names (contract C3)", () => {
    const exported = [...readFileSync(join(__dirname, "..", "index.ts"), "utf8").matchAll(/^export const (\w+)/gm)].map((m) => m[1]);
    expect(exported).to.include.members([...OUTPUT_NAMES]);
    expect(Object.keys(STACK_OUTPUTS)).to.include.members([...OUTPUT_NAMES]);
  });
});
