/**
 * Playlists are data: the program under mocks with 1 and with 1,000 playlists registers the same
 * resources (types and names), the list lives in one object of the lake bucket, and every
 * function's environment stays within Lambda's limit. Each stack is loaded in a fresh process
 * (Pulumi's mocks and config are process-wide).
 *
 * Lambda quotas ("Function configuration, deployment, and execution"): environment variables,
 * 4 KB: "The total size of all environment variables doesn't exceed 4 KB". Measured here as the
 * UTF-8 bytes of every name and value, which is what the quota counts.
 */
import { expect } from "chai";
import { execFileSync } from "node:child_process";
import * as path from "node:path";
import { PLAYLISTS_OBJECT_KEY } from "../contracts/fanout";

const ROOT = path.resolve(__dirname, "..");
const LAMBDA_ENVIRONMENT_LIMIT_BYTES = 4 * 1024;

interface Graph {
  resources: { type: string; name: string }[];
  environments: { name: string; variables: Record<string, string>; tracingMode?: string }[];
  objects: { key: string; content: string }[];
}

function graphWith(playlistCount: number, tracing?: string): Graph {
  const out = execFileSync(process.execPath, ["-r", "ts-node/register/transpile-only", path.join(__dirname, "support", "programGraph.ts")], {
    cwd: ROOT,
    env: { ...process.env, TS_NODE_TRANSPILE_ONLY: "true", PLAYLIST_COUNT: String(playlistCount), TRACING: tracing ?? "" },
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  return JSON.parse(out.trim().split("\n").pop()!) as Graph;
}

export function environmentBytes(variables: Record<string, string>): number {
  return Object.entries(variables).reduce((sum, [k, v]) => sum + Buffer.byteLength(k) + Buffer.byteLength(String(v)), 0);
}

describe("Pulumi program at 1 and 1,000 playlists (mocks, fresh processes)", function () {
  this.timeout(240_000);
  let one: Graph;
  let thousand: Graph;

  before(() => {
    one = graphWith(1);
    thousand = graphWith(1000);
  });

  it("registers the same resources, type by type and name by name", () => {
    const names = (g: Graph) => g.resources.map((r) => `${r.type} ${r.name}`).sort();
    expect(one.resources.length).to.be.greaterThan(50);
    expect(thousand.resources.length).to.equal(one.resources.length);
    expect(names(thousand)).to.deep.equal(names(one));
    // No per-playlist schedule target: one rule with a schedule, one target for it.
    expect(thousand.resources.filter((r) => r.type === "aws:cloudwatch/eventTarget:EventTarget").length).to.equal(one.resources.filter((r) => r.type === "aws:cloudwatch/eventTarget:EventTarget").length);
    console.log(`      resources: ${one.resources.length} with 1 playlist, ${thousand.resources.length} with 1,000`);
  });

  it("keeps the list in one lake object, and every function's environment within 4 KB", () => {
    const [list] = thousand.objects.filter((o) => o.key === PLAYLISTS_OBJECT_KEY);
    expect((JSON.parse(list.content) as { playlists: string[] }).playlists).to.have.length(1000);
    expect(Buffer.byteLength(list.content), "the list would not fit in an environment").to.be.greaterThan(LAMBDA_ENVIRONMENT_LIMIT_BYTES);
    expect(thousand.environments.length).to.be.greaterThan(3);
    for (const fn of [...one.environments, ...thousand.environments]) {
      expect(environmentBytes(fn.variables), fn.name).to.be.at.most(LAMBDA_ENVIRONMENT_LIMIT_BYTES);
    }
    const sizes = (g: Graph) => Object.fromEntries(g.environments.map((e) => [e.name, environmentBytes(e.variables)]));
    expect(sizes(thousand)).to.deep.equal(sizes(one));
  });

  it("with config tracing on, traces every function of the program with X-Ray (and only then)", () => {
    const traced = graphWith(1, "true");
    expect(traced.environments.length).to.equal(one.environments.length);
    for (const fn of traced.environments) expect(fn.tracingMode, fn.name).to.equal("Active");
    for (const fn of one.environments) expect(fn.tracingMode, fn.name).to.equal("PassThrough");
  });
});
