/**
 * What `npm start`, `npm run query` and `npm run auth` run: the command's esbuild bundle, built
 * from cli/<name>.ts on first use and again whenever a source is newer than it, then run as the
 * main module. Plain JavaScript because it must start without a TypeScript compiler: ts-node
 * compiled every module on each start (about a second and 100 MiB of a transform run).
 *
 * The bundles live in .build/cli/ (git-ignored), two folders below the project root like the
 * lib/ files they are made of, so `path.resolve(__dirname, "../../sql/views")` in lib/ still
 * finds the project's folders. Packages with a native addon or a .wasm beside their loader stay
 * outside the bundle; the pure-JS ones are bundled (fewer files to resolve and compile).
 *
 * Usage: node cli/launch.js <main|query|auth> [args...]
 */
"use strict";
const fs = require("node:fs");
const path = require("node:path");
const Module = require("node:module");
const v8 = require("node:v8");

const ROOT = path.resolve(__dirname, "..");
const BUILD_DIR = path.join(ROOT, ".build", "cli");
const COMMANDS = ["main", "query", "auth"];
/** Whatever a bundle is built from: a change to any of them rebuilds it. */
const SOURCES = ["cli", "lib", "package.json", "package-lock.json", "tsconfig.json"];
const EXTERNAL = ["@duckdb/*", "parquet-wasm", "@aws-sdk/*"];

function newestMtime(file) {
  const stat = fs.statSync(file, { throwIfNoEntry: false });
  if (!stat) return 0;
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs; // a deleted or renamed file changes its folder's mtime
  for (const name of fs.readdirSync(file)) newest = Math.max(newest, newestMtime(path.join(file, name)));
  return newest;
}

function build(name, outfile) {
  let esbuild;
  try {
    esbuild = require("esbuild");
  } catch {
    throw new Error("esbuild is missing: run `npm install` (the command line is bundled with it on first use).");
  }
  const tmp = `${outfile}.${process.pid}.tmp`;
  esbuild.buildSync({
    entryPoints: [path.join(ROOT, "cli", `${name}.ts`)],
    absWorkingDir: ROOT,
    outfile: tmp,
    bundle: true,
    platform: "node",
    target: "node20",
    format: "cjs",
    external: EXTERNAL,
    logLevel: "warning",
  });
  fs.renameSync(tmp, outfile); // whole or not at all, even with two starts at once
}

function launch(name) {
  if (!COMMANDS.includes(name)) {
    process.stderr.write(`cli/launch.js: unknown command "${name}"; use one of ${COMMANDS.join(", ")}.\n`);
    process.exit(2);
  }
  const outfile = path.join(BUILD_DIR, `${name}.js`);
  const built = fs.statSync(outfile, { throwIfNoEntry: false });
  if (!built || Math.max(...SOURCES.map((s) => newestMtime(path.join(ROOT, s)))) > built.mtimeMs) {
    fs.mkdirSync(BUILD_DIR, { recursive: true });
    build(name, outfile);
  }
  // WebAssembly (parquet-wasm) compiled by the baseline compiler only: a command runs for
  // seconds, too short for optimizing the hot wasm functions to pay back. Measured on the 10k
  // transform: writing the Parquet files took 83 ms of CPU instead of 188 ms. Set before any
  // WebAssembly module is compiled; JavaScript is not affected.
  v8.setFlagsFromString("--liftoff-only");
  // Run the bundle as the main module, so its `require.main === module` holds and argv is the command's.
  process.argv.splice(1, 2, outfile);
  Module.runMain();
}

launch(process.argv[2]);
