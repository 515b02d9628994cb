/**
 * Lambda code: each handler file (handlers/*.ts) is bundled with the lib/ code it imports
 * into one CommonJS file at deploy time, and the CallbackFunction's factory requires it.
 *
 * Why not let Pulumi serialize the handler's closure directly: lib/ defines zod schemas at
 * module level, and Pulumi cannot serialize their bound native methods ("function () {
 * [native code] }"), so capturing any lib/ function that parses input fails (observed).
 *
 * The pure-JS packages (zod, ky, csv-stringify, Powertools...) are bundled too,
 * tree-shaken: shipping them whole from node_modules carried every build they publish (arrow's
 * src/ESM/CJS/UMD, zod's v3/v4/mini) and made the transform archive 9.1 MiB. Only
 * EXTERNAL_PACKAGES stay outside (see there); components/lambdaCode.ts ships what they need.
 */
import { buildSync } from "esbuild";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { isBuiltin } from "node:module";
import * as path from "node:path";

export const PROJECT_ROOT = path.resolve(__dirname, "..");
/**
 * Where bundles are written, relative to the project root: npm's conventional cache folder
 * (node_modules/.cache, git-ignored with node_modules), never the source tree, so `pulumi
 * preview` leaves the checkout as it was. CallbackFunction can only pack files from disk.
 */
export const BUNDLE_DIR = "node_modules/.cache/spotify-pipeline/lambda";

/**
 * Packages the bundle leaves to `require` at run time:
 * - @aws-sdk/*: the nodejs22.x runtime provides it; bundling it would ship megabytes the runtime already has.
 * - parquet-wasm: its Node entry reads parquet_wasm_bg.wasm from beside its own file
 *   (`${__dirname}/parquet_wasm_bg.wasm`), so it must stay a file in node_modules.
 */
export const EXTERNAL_PACKAGES = ["@aws-sdk/*", "parquet-wasm"] as const;

export interface HandlerBundle {
  /** Path relative to the project root, as it appears in the Lambda archive (and to codePathOptions.extraIncludePaths). */
  relativePath: string;
  /** What `require` in the serialized factory loads: "./" + relativePath. */
  requirePath: string;
  text: string;
  /** The packages the bundle requires at run time (node built-ins left out), e.g. ["@aws-sdk/client-s3", "zod"]. */
  packages: string[];
}

/** "@scope/name/sub" -> "@scope/name", "csv-stringify/sync" -> "csv-stringify". */
export function packageNameOf(specifier: string): string {
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0];
}

/** Bundles handlers/<entry>.ts into BUNDLE_DIR/<entry>.js (deterministic, so unchanged code gives an unchanged archive). */
export function bundleHandler(entry: string): HandlerBundle {
  if (!/^[a-zA-Z0-9_-]+$/.test(entry)) throw new Error(`Handler entry "${entry}" must be the bare name of a file in handlers/.`);
  const result = buildSync({
    entryPoints: [path.join(PROJECT_ROOT, "handlers", `${entry}.ts`)],
    // The "// node_modules/..." path comments are relative to this: the same text from any cwd.
    absWorkingDir: PROJECT_ROOT,
    bundle: true,
    platform: "node",
    target: "node22",
    format: "cjs",
    external: [...EXTERNAL_PACKAGES],
    treeShaking: true,
    // Not minified: the bundle stays readable in the Lambda console and stack traces keep real
    // names; minifying would save little of the zipped size, which the wasm dominates.
    minify: false,
    // No source map: Node only applies one with --enable-source-maps (slower cold starts), and an
    // inline map would double the bundle. The unminified bundle with its path comments is debuggable.
    sourcemap: false,
    write: false,
    logLevel: "silent",
    // The bundled packages carry no /*! licence */ comments, only coverage markers ("v8 ignore").
    legalComments: "none",
    metafile: true,
  });
  const text = result.outputFiles[0].text;
  const imports = Object.values(result.metafile.outputs).flatMap((o) => o.imports);
  const packages = [...new Set(imports.filter((i) => i.external && !isBuiltin(i.path)).map((i) => packageNameOf(i.path)))].sort();
  const relativePath = `${BUNDLE_DIR}/${entry}.js`;
  mkdirSync(path.join(PROJECT_ROOT, BUNDLE_DIR), { recursive: true });
  const file = path.join(PROJECT_ROOT, relativePath);
  // Unchanged text, untouched file: a preview that changes nothing writes nothing.
  if (!existsSync(file) || readFileSync(file, "utf8") !== text) writeFileSync(file, text);
  return { relativePath, requirePath: `./${relativePath}`, text, packages };
}

/**
 * The callbackFactory: runs once per cold start, loads the bundle and builds the handler from
 * the environment. `args` are plain data (e.g. the views' SQL) serialized into the closure:
 * never pass a secret here.
 */
export function bundledHandlerFactory<E, R>(requirePath: string, exportName: string, args: unknown[] = []): () => (event: E) => Promise<R> {
  const argsJson = JSON.stringify(args);
  return () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require(requirePath) as Record<string, (...a: unknown[]) => (event: E) => Promise<R>>;
    const create = mod[exportName];
    if (typeof create !== "function") throw new Error(`${requirePath} has no export "${exportName}"; redeploy with \`pulumi up\`.`);
    return create(...(JSON.parse(argsJson) as unknown[]));
  };
}
