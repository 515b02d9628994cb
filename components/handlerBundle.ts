/**
 * Lambda code: each handler file (handlers/*.ts) is bundled with the lib/ code it imports
 * into one CommonJS file at deploy time, and the CallbackFunction's factory requires it.
 *
 * Why not let Pulumi serialize the handler's closure directly: lib/ defines zod schemas at
 * module level, and Pulumi cannot serialize their bound native methods ("function () {
 * [native code] }"), so capturing any lib/ function that parses input fails (observed). The
 * bundle keeps packages external: Pulumi zips the "dependencies" (minus the excluded ones) beside
 * it, and the nodejs22.x runtime supplies @aws-sdk/*.
 */
import { buildSync } from "esbuild";
import { mkdirSync, writeFileSync } from "node:fs";
import { isBuiltin } from "node:module";
import * as path from "node:path";

export const PROJECT_ROOT = path.resolve(__dirname, "..");
export const BUNDLE_DIR = ".pulumi-build";

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

/** Bundles handlers/<entry>.ts into .pulumi-build/<entry>.js (deterministic, so unchanged code gives an unchanged archive). */
export function bundleHandler(entry: string): HandlerBundle {
  if (!/^[a-zA-Z0-9_-]+$/.test(entry)) throw new Error(`Handler entry "${entry}" must be the bare name of a file in handlers/.`);
  const result = buildSync({
    entryPoints: [path.join(PROJECT_ROOT, "handlers", `${entry}.ts`)],
    bundle: true,
    platform: "node",
    target: "node22",
    format: "cjs",
    packages: "external",
    write: false,
    logLevel: "silent",
    legalComments: "none",
    metafile: true,
  });
  const text = result.outputFiles[0].text;
  const imports = Object.values(result.metafile.outputs).flatMap((o) => o.imports);
  const packages = [...new Set(imports.filter((i) => i.external && !isBuiltin(i.path)).map((i) => packageNameOf(i.path)))].sort();
  const relativePath = `${BUNDLE_DIR}/${entry}.js`;
  mkdirSync(path.join(PROJECT_ROOT, BUNDLE_DIR), { recursive: true });
  writeFileSync(path.join(PROJECT_ROOT, relativePath), text);
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
