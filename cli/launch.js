/**
 * What `npm start`, `npm run query` and `npm run auth` run: the command's esbuild bundle, built
 * from cli/<name>.ts on first use and again whenever a source is newer than it, then required and
 * run through its runFromCommandLine(). Plain JavaScript because it must start without a
 * TypeScript compiler: ts-node compiled every module on each start (docs/performance.md).
 *
 * The bundles live in .build/cli/ (git-ignored), two folders below the project root like the
 * lib/ files they are made of, so `path.resolve(__dirname, "../../sql/views")` in lib/ still
 * finds the project's folders. Packages with a native addon or a .wasm beside their loader stay
 * outside the bundle; the pure-JS ones are bundled (fewer files to resolve and compile).
 *
 * Usage: node cli/launch.js <main|query|auth|report|status> [args...]
 *
 * `npm start` runs it with --max-semi-space-size=4 (MiB): a young generation a quarter of V8's
 * default size on 64-bit. The transform's garbage is short-lived; the smaller nursery lowers the
 * peak memory (docs/performance.md). It must be given at start-up: V8 sizes the heap before any
 * code runs. esbuild is a dependency, not a devDependency, so that a runtime-only install
 * (`npm ci --omit=dev`) still starts.
 */
"use strict";
const fs = require("node:fs");
const path = require("node:path");
const Module = require("node:module");
const v8 = require("node:v8");

const ROOT = path.resolve(__dirname, "..");
const BUILD_DIR = path.join(ROOT, ".build", "cli");
const COMMANDS = ["main", "query", "auth", "report", "status"];
/** Whatever a bundle is built from: a change to any of them rebuilds it. */
const SOURCES = ["cli", "lib", "package.json", "package-lock.json", "tsconfig.json"];
// Vega and Vega-Lite are ES modules with a top-level await: lib/report/vegaModules.js loads them with Node's
// import(), and is itself required from its place in lib/ at run time, outside the bundle.
const EXTERNAL = ["@duckdb/*", "parquet-wasm", "@aws-sdk/*", "vega", "vega-lite"];

function newestMtime(file) {
  const stat = fs.statSync(file, { throwIfNoEntry: false });
  if (!stat) return 0;
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs; // a deleted or renamed file changes its folder's mtime
  for (const name of fs.readdirSync(file)) newest = Math.max(newest, newestMtime(path.join(file, name)));
  return newest;
}

/** Bundles one entry point into `outfile`, whole or not at all, even with two starts at once. */
function bundle(esbuild, entry, outfile) {
  const tmp = `${outfile}.${process.pid}.tmp`;
  esbuild.buildSync({
    entryPoints: [path.join(ROOT, entry)],
    absWorkingDir: ROOT,
    outfile: tmp,
    bundle: true,
    platform: "node",
    target: "node20",
    format: "cjs",
    external: EXTERNAL,
    logLevel: "warning",
  });
  fs.renameSync(tmp, outfile);
}

function build(name, outfile) {
  let esbuild;
  try {
    esbuild = require("esbuild");
  } catch {
    throw new Error("esbuild is missing: run `npm install` (the command line is bundled with it on first use).");
  }
  bundle(esbuild, path.join("cli", `${name}.ts`), outfile);
}

/**
 * The settings in a .env file of the current folder (KEY=value lines, as Node's util.parseEnv
 * reads them) fill in the environment variables that are not set. Precedence, highest first:
 * command-line flags, the environment, .env, pipeline.config.json, the defaults.
 */
function loadDotEnv(file = path.resolve(".env")) {
  let text;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (err) {
    if (err.code === "ENOENT") return;
    process.stderr.write(`Cannot read ${file} (${err.code}): fix its permissions, or remove it; settings can also come from the environment.\n`);
    process.exit(2);
  }
  for (const [key, value] of Object.entries(require("node:util").parseEnv(text))) if (process.env[key] === undefined) process.env[key] = value;
}

function launch(name) {
  if (!COMMANDS.includes(name)) {
    process.stderr.write(`cli/launch.js: unknown command "${name}"; use one of ${COMMANDS.join(", ")}.\n`);
    process.exit(2);
  }
  loadDotEnv();
  const outfile = path.join(BUILD_DIR, `${name}.js`);
  const built = fs.statSync(outfile, { throwIfNoEntry: false });
  if (!built || Math.max(...SOURCES.map((s) => newestMtime(path.join(ROOT, s)))) > built.mtimeMs) {
    fs.mkdirSync(BUILD_DIR, { recursive: true });
    build(name, outfile);
  }
  // WebAssembly (parquet-wasm) compiled by the baseline compiler only: a command runs for
  // seconds, too short for optimizing the hot wasm functions to pay back (docs/performance.md).
  // Set before any WebAssembly module is compiled; JavaScript is not affected.
  v8.setFlagsFromString("--liftoff-only");
  process.argv.splice(1, 2, outfile);
  // Node 22.1+ keeps compiled code of the bundle between runs (module.enableCompileCache, a public
  // API); Node 20 has no such cache and compiles the bundle at each start.
  Module.enableCompileCache?.(path.join(BUILD_DIR, "compile-cache"));
  require(outfile).runFromCommandLine();
}

module.exports = { launch };
if (require.main === module) launch(process.argv[2]);
