/**
 * Lambda code: each function's callbackFactory through pulumi.runtime.serializeFunction (under
 * a timeout: an unserializable closure hangs rather than fails), the bundle it loads, and the
 * archive Pulumi would zip. Finally the archive is laid out as Lambda would see it and loaded.
 */
import { expect } from "chai";
import { mkdtempSync, rmSync, statSync, readdirSync, symlinkSync, writeFileSync, mkdirSync, copyFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { bundleHandler, bundledHandlerFactory, PROJECT_ROOT, type HandlerBundle } from "../components/handlerBundle";
import { lambdaCodePathOptions, projectDependencies } from "../components/lambdaCode";
import { loadViews } from "../lib/query/sqlFiles";

/** The secret config values a stack might hold: none may end up in code. */
const SECRET_VALUES = ["AQD-refresh-token-SECRET-5f1c0e", "client-secret-SECRET-9b7a44"];
const LAMBDA_DIRECT_UPLOAD_LIMIT = 50 * 1024 * 1024;

const HANDLERS = [
  { entry: "extract", exportName: "extractHandlerFromEnv", args: [] as unknown[], env: { LAKE_BUCKET: "lake", SPOTIFY_SECRET_ARN: "arn:aws:secretsmanager:eu-west-1:1:secret:s" } },
  { entry: "transform", exportName: "transformHandlerFromEnv", args: [], env: { LAKE_BUCKET: "lake", CRAWLER_NAMES: "a,b" } },
  { entry: "views", exportName: "viewsHandlerFromEnv", args: [loadViews()], env: { ATHENA_WORKGROUP: "wg", GLUE_DATABASE: "db" } },
];

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([promise, new Promise<T>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} did not finish in ${ms} ms: the closure is probably not serializable`)), ms)))]).finally(() =>
    clearTimeout(timer),
  );
}

function sizeOf(p: string): number {
  const s = statSync(p);
  return s.isDirectory() ? readdirSync(p).reduce((sum, f) => sum + sizeOf(path.join(p, f)), 0) : s.size;
}

function noSecretsOrSdkV2(text: string): void {
  expect(text).to.not.match(/require\(["']aws-sdk["']\)/);
  for (const secret of SECRET_VALUES) expect(text).to.not.include(secret);
}

describe("Lambda code: serialization, bundles and archives", function () {
  this.timeout(60_000);
  const bundles = new Map<string, HandlerBundle>();
  const serialized = new Map<string, string>();
  const deps = projectDependencies();

  for (const h of HANDLERS) {
    describe(`${h.entry} function`, () => {
      before(() => bundles.set(h.entry, bundleHandler(h.entry)));

      it("serializes its callbackFactory (small, no SDK v2, no secret)", async () => {
        const bundle = bundles.get(h.entry)!;
        const result = await withTimeout(
          pulumi.runtime.serializeFunction(bundledHandlerFactory(bundle.requirePath, h.exportName, h.args), { isFactoryFunction: true, exportName: "handler" }),
          20_000,
          `serializing the ${h.entry} factory`,
        );
        serialized.set(h.entry, result.text);
        expect(result.containsSecrets).to.equal(false);
        noSecretsOrSdkV2(result.text);
        expect(result.text).to.include(`"${bundle.requirePath}"`);
        // The factory carries only plain data (the views' SQL at most): a sane size.
        expect(result.text.length).to.be.below(h.entry === "views" ? 64 * 1024 : 4 * 1024);
      });

      it("bundles its lib/ code and requires only runtime dependencies or the runtime's @aws-sdk", () => {
        const bundle = bundles.get(h.entry)!;
        noSecretsOrSdkV2(bundle.text);
        expect(bundle.text).to.not.match(/require\(["']\.\.?\//); // no relative require left: lib/ is inside
        for (const pkg of bundle.packages) {
          expect(pkg.startsWith("@aws-sdk/") || deps.includes(pkg), `${pkg} must be in package.json "dependencies"`).to.equal(true);
        }
        expect(bundle.packages).to.not.include.members(["@duckdb/node-api", "@pulumi/pulumi", "@pulumi/aws", "aws-sdk"]);
        expect(bundle.text.length).to.be.below(2 * 1024 * 1024);
      });

      it("zips only the packages its bundle needs, without @aws-sdk, @pulumi, DuckDB or dev tools, well under Lambda's limits", async () => {
        const bundle = bundles.get(h.entry)!;
        const codePaths = await pulumi.runtime.computeCodePaths(lambdaCodePathOptions(bundle));
        const paths = [...codePaths.keys()];
        expect(paths).to.include(bundle.relativePath);
        for (const forbidden of ["node_modules/@aws-sdk/", "node_modules/@pulumi/", "node_modules/@duckdb/", "node_modules/typescript", "node_modules/esbuild", "node_modules/mocha"]) {
          expect(paths.filter((p) => `${p}/`.startsWith(forbidden)), forbidden).to.deep.equal([]);
        }
        for (const pkg of bundle.packages.filter((p) => !p.startsWith("@aws-sdk/"))) expect(paths, pkg).to.include(`node_modules/${pkg}`);
        const bytes = paths.reduce((sum, p) => sum + sizeOf(path.join(PROJECT_ROOT, p)), 0);
        // Unzipped size; the zip is smaller. Below the 50 MB direct-upload limit leaves Pulumi's plain upload working.
        expect(bytes).to.be.below(LAMBDA_DIRECT_UPLOAD_LIMIT);
        if (h.entry !== "transform") expect(paths).to.not.include("node_modules/parquet-wasm");
      });

      it("loads as Lambda would: the serialized module requires the bundle and returns a handler", async () => {
        const dir = mkdtempSync(path.join(tmpdir(), `lambda-${h.entry}-`));
        const saved = { ...process.env };
        try {
          const bundle = bundles.get(h.entry)!;
          writeFileSync(path.join(dir, "__index.js"), serialized.get(h.entry)!);
          mkdirSync(path.join(dir, path.dirname(bundle.relativePath)), { recursive: true });
          copyFileSync(path.join(PROJECT_ROOT, bundle.relativePath), path.join(dir, bundle.relativePath));
          symlinkSync(path.join(PROJECT_ROOT, "node_modules"), path.join(dir, "node_modules"), "dir");
          Object.assign(process.env, h.env);
          // eslint-disable-next-line @typescript-eslint/no-require-imports
          const mod = require(path.join(dir, "__index.js")) as { handler: unknown };
          expect(mod.handler).to.be.a("function");
        } finally {
          for (const key of Object.keys(h.env)) if (!(key in saved)) delete process.env[key];
          rmSync(dir, { recursive: true, force: true });
        }
      });
    });
  }
});
