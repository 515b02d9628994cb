/**
 * cli/launch.js, what `npm start`, `npm run query` and `npm run auth` run: it builds each
 * command's bundle when a source is newer and runs it as the main module. (The sample run
 * through it, which needs the bundle to find sql/ and fixtures/, is in start.test.ts.)
 */
import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, statSync, utimesSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { CLI_CWD } from "./support/cliCwd";

const ROOT = path.resolve(__dirname, "..");
const launch = (...args: string[]) => spawnSync(process.execPath, [path.join(ROOT, "cli", "launch.js"), ...args], { cwd: CLI_CWD, encoding: "utf8", timeout: 120_000 });
const bundle = path.join(ROOT, ".build", "cli", "main.js");

describe("cli/launch.js", function () {
  this.timeout(120_000);

  it("runs the command's bundle with the command's own arguments", () => {
    const r = launch("main", "--help");
    expect(r.status, r.stderr).to.equal(0);
    expect(r.stdout).to.match(/^Usage: npm start -- /);
  });

  it("passes a usage error through as exit code 2", () => {
    const r = launch("main", "--stage", "nonsense");
    expect(r.status).to.equal(2);
    expect(r.stderr).to.contain("--stage");
  });

  it("rebuilds a bundle older than its sources, and only then", () => {
    launch("main", "--help");
    const old = new Date(Date.UTC(2000, 0, 1));
    utimesSync(bundle, old, old);
    expect(launch("main", "--help").status).to.equal(0);
    const rebuilt = statSync(bundle).mtimeMs;
    expect(rebuilt).to.be.greaterThan(old.getTime());
    expect(launch("main", "--help").status).to.equal(0);
    expect(statSync(bundle).mtimeMs).to.equal(rebuilt);
  });

  it("transforms with the bundle", () => {
    const lake = mkdtempSync(path.join(tmpdir(), "launch-lake-"));
    try {
      expect(launch("main", "--stage", "extract", "--lake", lake, "--date", "2026-11-20").status).to.equal(0);
      const r = launch("main", "--stage", "transform", "--lake", lake, "--verbose");
      expect(r.status, r.stderr).to.equal(0);
      expect(r.stdout.match(/-> 12 files/g), "the sample's 2 playlists over 3 days").to.have.length(6);
    } finally {
      rmSync(lake, { recursive: true, force: true });
    }
  });

  it("runs the bundle it built again without rebuilding it while no source changed", () => {
    const lake = mkdtempSync(path.join(tmpdir(), "launch-lake-"));
    try {
      const query = () => launch("query", "--lake", lake, "--format", "json", "SELECT 1 AS one");
      expect(query().status).to.equal(0);
      const built = statSync(path.join(path.dirname(bundle), "query.js")).mtimeMs;
      const r = query();
      expect(r.status, r.stderr).to.equal(0);
      expect(JSON.parse(r.stdout)).to.deep.equal([{ one: 1 }]);
      expect(statSync(path.join(path.dirname(bundle), "query.js")).mtimeMs, "the same bundle").to.equal(built);
    } finally {
      rmSync(lake, { recursive: true, force: true });
    }
  });

  it("refuses an unknown command with exit code 2", () => {
    const r = launch("deploy");
    expect(r.status).to.equal(2);
    expect(r.stderr).to.contain('unknown command "deploy"');
  });
});
