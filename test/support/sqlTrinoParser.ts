/**
 * dt-sql-parser's Trino grammar, for checking that the SQL files are valid Athena (Trino) SQL.
 * The package ships ESM with extensionless imports that Node cannot resolve, so it is loaded
 * through tsx's `tsImport`, which resolves and transforms them. Two details:
 * - tsx's ESM API must itself be loaded with a real import(): loaded with require() (tsx
 *   4.23) it registers its loader at a path that does not exist (ERR_MODULE_NOT_FOUND
 *   .../dist/esm/api/esm/index.mjs). ts-node compiles import() to require() in CommonJS, hence
 *   the Function wrapper.
 * - Importing only the Trino parser takes about 1 s; the whole package (every dialect) about 7 s.
 */
export interface SqlSyntaxError {
  startLine: number;
  startColumn: number;
  message: string;
}

export interface TrinoParser {
  validate(sql: string): SqlSyntaxError[];
}

const realImport = new Function("specifier", "return import(specifier)") as (specifier: string) => Promise<unknown>;

let parser: Promise<TrinoParser> | undefined;

export function trinoParser(): Promise<TrinoParser> {
  parser ??= (async () => {
    const { tsImport } = (await realImport("tsx/esm/api")) as { tsImport: (specifier: string, from: string) => Promise<unknown> };
    const { TrinoSQL } = (await tsImport("dt-sql-parser/dist/parser/trino/index.js", __filename)) as { TrinoSQL: new () => TrinoParser };
    return new TrinoSQL();
  })();
  return parser;
}
