/**
 * Loading the Pulumi program pulls only what declares resources: the handlers are bundled from
 * files, never imported, so `pulumi preview` loads no parquet-wasm, apache-arrow, AWS SDK client
 * or Powertools logger, and writes nothing into the source tree. Checked in a fresh process,
 * where nothing else has filled require.cache.
 */
import { expect } from "chai";
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import * as path from "node:path";

const ROOT = path.resolve(__dirname, "..");

/** Every file under the project, node_modules and .git left out, with its modification time. */
function sourceTree(dir = ROOT): Map<string, number> {
  const files = new Map<string, number>();
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === "node_modules" || entry.name === ".git") continue;
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) for (const [f, t] of sourceTree(p)) files.set(f, t);
    else files.set(p, statSync(p).mtimeMs);
  }
  return files;
}

describe("Pulumi program load (fresh process, mocks)", function () {
  this.timeout(120_000);
  let loaded: string[];
  let treeBefore: Map<string, number>;

  before(() => {
    treeBefore = sourceTree();
    const out = execFileSync(process.execPath, ["-r", "ts-node/register/transpile-only", path.join(__dirname, "support", "loadProgram.ts")], {
      cwd: ROOT,
      env: { ...process.env, TS_NODE_TRANSPILE_ONLY: "true" },
      encoding: "utf8",
      maxBuffer: 64 * 1024 * 1024,
    });
    loaded = out.split("\n").filter((l) => l.length > 0);
  });

  it("loads the components and contracts, and no handler, SDK client, logger, parquet-wasm or apache-arrow", () => {
    const rel = loaded.map((f) => path.relative(ROOT, f).split(path.sep).join("/"));
    expect(rel).to.include.members(["index.ts", "components/spotifyPipeline.ts", "contracts/transform.ts", "components/handlerRegistry.ts"]);
    const forbidden = rel.filter((f) => /^handlers\//.test(f) || /node_modules\/(parquet-wasm|apache-arrow|@aws-sdk\/client-|@aws-lambda-powertools)\//.test(f));
    expect(forbidden).to.deep.equal([]);
  });

  it("writes nothing into the source tree (bundles go to node_modules/.cache)", () => {
    const after = sourceTree();
    const changed = [...after].filter(([f, t]) => treeBefore.get(f) !== t).map(([f]) => path.relative(ROOT, f));
    expect(changed).to.deep.equal([]);
    expect(existsSync(path.join(ROOT, "node_modules", ".cache", "spotify-pipeline", "lambda", "transform.js"))).to.equal(true);
  });
});
