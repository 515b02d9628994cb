/**
 * The archive each Lambda's CallbackFunction would ship, built the way Pulumi builds it: the
 * factory serialized by pulumi.runtime.serializeFunction (as __index.js) plus the files
 * pulumi.runtime.computeCodePaths returns for the same codePathOptions (components/lambdaCode.ts),
 * zipped with deflate (yazl). Then its cold start: a fresh node process in the unpacked
 * archive that loads __index.js, which runs the factory; timed from spawn to exit, with dummy
 * environment values. @aws-sdk/* is not in the archive (the nodejs22.x runtime has it): the
 * process finds it through NODE_PATH, as Lambda's runtime provides it; any other package loaded
 * from outside the archive is a packaging bug and fails the benchmark.
 *
 * arm64 against x86_64 (components/lambdaCode.ts deploys arm64): what can be measured here is
 * whether an archive holds native code (a .node addon or an ELF/Mach-O/PE binary), which would
 * tie it to one architecture, and the init time on this host's architecture. A cold start on
 * Lambda's arm64 (Graviton) against its x86_64 cannot be measured without an AWS account (this
 * machine has no arm64 CPU or emulator); the choice rests on the archives being the same bytes
 * for both and on Lambda's price per GB-second being about 20% lower on arm64 (AWS Lambda pricing).
 */
import { printResult } from "./script";
import { spawn } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, openSync, readSync, closeSync, rmSync, statSync, writeFileSync, readdirSync } from "node:fs";
import { arch } from "node:os";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { performance } from "node:perf_hooks";
import * as pulumi from "@pulumi/pulumi";
import * as yazl from "yazl";
import { bundleHandler, bundledHandlerFactory, PROJECT_ROOT } from "../components/handlerBundle";
import { lambdaCodePathOptions } from "../components/lambdaCode";
import { loadViews } from "../lib/query/sqlFiles";
import { HANDLER_NAMES, HANDLERS } from "../components/handlerRegistry";

export interface LambdaMeasurement {
  archive_bytes: number;
  unpacked_bytes: number;
  files: number;
  init_ms: number;
  packages: string[];
  runtime_provided: string[];
  target_max_10_mib: { target: number; value: number; pass: boolean };
  /** Files of the archive that are native code: any would make the archive architecture-specific. */
  native_files: string[];
  /** The CPU architecture init_ms was measured on (Node's os.arch()). */
  init_measured_on: string;
}

/** Native code by its first bytes: ELF (Linux), Mach-O (both byte orders, and fat), PE ("MZ"), or a .node addon by name. */
function isNative(archivePath: string, file: string): boolean {
  if (archivePath.endsWith(".node")) return true;
  const head = Buffer.alloc(4);
  const fd = openSync(file, "r");
  try {
    readSync(fd, head, 0, 4, 0);
  } finally {
    closeSync(fd);
  }
  const magic = head.readUInt32BE(0);
  return magic === 0x7f454c46 || magic === 0xfeedface || magic === 0xfeedfacf || magic === 0xcefaedfe || magic === 0xcffaedfe || magic === 0xcafebabe || head.subarray(0, 2).toString("latin1") === "MZ";
}

/** The handlers components/ deploys (components/handlerRegistry.ts), with the plain-data args their factories take. */
export function benchHandlers(): { name: string; entry: string; exportName: string; args: unknown[] }[] {
  return HANDLER_NAMES.map((name) => ({ name, ...HANDLERS[name], args: name === "views" ? [loadViews().map((v) => ({ name: v.name, sql: v.sql }))] : [] }));
}

const DUMMY_ENV = {
  AWS_REGION: "us-east-1",
  LAKE_BUCKET: "bench-lake",
  SPOTIFY_SECRET_ARN: "arn:aws:secretsmanager:us-east-1:000000000000:secret:bench",
  SPOTIFY_AUTH_MODE: "refresh_token",
  SPOTIFY_CONCURRENCY: "4",
  SPOTIFY_MAX_WAIT_S: "60",
  ATHENA_WORKGROUP: "bench",
  GLUE_DATABASE: "bench",
  PLAYLISTS_KEY: "pipeline/playlists.json",
  EXTRACT_QUEUE_URL: "https://sqs.us-east-1.amazonaws.com/000000000000/bench",
};

async function assetFiles(codePaths: Map<string, pulumi.asset.Asset | pulumi.asset.Archive>): Promise<Map<string, string>> {
  const files = new Map<string, string>(); // archive path -> file on disk
  const walk = (archivePath: string, diskPath: string) => {
    if (statSync(diskPath).isDirectory()) for (const name of readdirSync(diskPath)) walk(path.posix.join(archivePath, name), path.join(diskPath, name));
    else files.set(archivePath, diskPath);
  };
  for (const [archivePath, asset] of codePaths) {
    const p = (asset as unknown as { path?: Promise<string> }).path;
    if (!p) throw new Error(`code path ${archivePath} is not a file asset or archive`);
    walk(archivePath, path.resolve(PROJECT_ROOT, await p));
  }
  return files;
}

function zip(index: string, files: Map<string, string>): Promise<Buffer> {
  const archive = new yazl.ZipFile();
  const when = new Date(Date.UTC(1990, 0, 1));
  archive.addBuffer(Buffer.from(index), "__index.js", { mtime: when });
  for (const [name, file] of [...files].sort(([a], [b]) => (a < b ? -1 : 1))) archive.addFile(file, name, { mtime: when });
  archive.end();
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    archive.outputStream.on("data", (c: Buffer) => chunks.push(c));
    archive.outputStream.on("end", () => resolve(Buffer.concat(chunks)));
    archive.outputStream.on("error", reject);
  });
}

/** Spawn → exit of a node process that loads __index.js (the factory runs on load) in `dir`. */
function coldStart(dir: string, runtimeNodeModules: string): Promise<{ ms: number; outside: string[] }> {
  const probe =
    `const m = require("./__index.js"); if (typeof m.handler !== "function") { console.error("no handler export"); process.exit(2); }` +
    `const outside = Object.keys(require.cache).filter((f) => !f.startsWith(${JSON.stringify(dir + path.sep)}));` +
    `process.stdout.write(JSON.stringify(outside));`;
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const child = spawn(process.execPath, ["-e", probe], { cwd: dir, env: { PATH: process.env.PATH, NODE_PATH: runtimeNodeModules, ...DUMMY_ENV }, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (c: Buffer) => (out += c.toString()));
    child.stderr.on("data", (c: Buffer) => (err += c.toString()));
    child.on("error", reject);
    child.on("exit", (code) => {
      const ms = performance.now() - start;
      if (code !== 0) return reject(new Error(`cold start in ${dir} failed (${code}): ${err.slice(0, 500)}`));
      resolve({ ms, outside: JSON.parse(out) as string[] });
    });
  });
}

const packageOf = (file: string): string => {
  const m = /node_modules[\\/]((?:@[^\\/]+[\\/])?[^\\/]+)/.exec(file.slice(file.lastIndexOf("node_modules")));
  return m ? m[1].replace(/\\/g, "/") : file;
};

export async function measureLambda(handler: ReturnType<typeof benchHandlers>[number], coldStarts = 3): Promise<LambdaMeasurement> {
  const bundle = bundleHandler(handler.entry);
  const factory = bundledHandlerFactory(bundle.requirePath, handler.exportName, handler.args);
  const serialized = await pulumi.runtime.serializeFunction(factory, { isFactoryFunction: true, exportName: "handler" });
  const index = serialized.text;
  const files = await assetFiles(await pulumi.runtime.computeCodePaths(lambdaCodePathOptions(bundle)));
  const archive = await zip(index, files);

  const dir = mkdtempSync(path.join(tmpdir(), `bench-lambda-${handler.name}-`));
  try {
    writeFileSync(path.join(dir, "__index.js"), index);
    let unpacked = Buffer.byteLength(index);
    for (const [name, file] of files) {
      mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
      cpSync(file, path.join(dir, name));
      unpacked += statSync(file).size;
    }
    let best = Infinity;
    let outside: string[] = [];
    for (let i = 0; i < coldStarts; i++) {
      const run = await coldStart(dir, path.join(PROJECT_ROOT, "node_modules"));
      best = Math.min(best, run.ms);
      outside = run.outside;
    }
    const runtimeProvided = [...new Set(outside.filter((f) => f.includes("node_modules")).map(packageOf))].sort();
    const notSdk = runtimeProvided.filter((p) => !/^@aws-sdk\/|^@smithy\/|^@aws-crypto\/|^@aws\/|^tslib$|^bowser$|^fast-xml-parser$|^strnum$|^uuid$/.test(p));
    if (notSdk.length > 0) throw new Error(`${handler.name}: loaded from outside its archive: ${notSdk.join(", ")} (the archive misses them)`);
    const packages = [...new Set([...files.keys()].filter((f) => f.startsWith("node_modules/")).map(packageOf))].sort();
    return {
      archive_bytes: archive.length,
      unpacked_bytes: unpacked,
      files: files.size + 1,
      init_ms: Math.round(best),
      packages,
      runtime_provided: runtimeProvided.filter((p) => p.startsWith("@aws-sdk/")),
      target_max_10_mib: { target: 10 * 1024 * 1024, value: archive.length, pass: archive.length <= 10 * 1024 * 1024 },
      native_files: [...files].filter(([name, file]) => isNative(name, file)).map(([name]) => name),
      init_measured_on: arch(),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function runLambdaBench(): Promise<Record<string, LambdaMeasurement>> {
  const out: Record<string, LambdaMeasurement> = {};
  for (const handler of benchHandlers()) out[handler.name] = await measureLambda(handler);
  return out;
}

if (require.main === module) printResult(runLambdaBench());
