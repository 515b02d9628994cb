/**
 * The SQL files: sql/views/<name>.sql (one CREATE OR REPLACE VIEW each, run on Athena by the
 * views Lambda and on DuckDB by the local catalog) and sql/queries/<name>.sql (analyses, each
 * opening with a `-- description` line). The same files run in both places, never a copy.
 */
import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";

export const VIEWS_DIR = path.resolve(__dirname, "../../sql/views");
export const QUERIES_DIR = path.resolve(__dirname, "../../sql/queries");

export interface ViewFile {
  name: string;
  /** The CREATE OR REPLACE VIEW statement alone: leading comment lines are left out, as a
   * statement that opens with a comment is the kind Athena has been known to misclassify. */
  sql: string;
  /** The leading comment lines, joined. */
  description: string;
}
export interface QueryFile {
  name: string;
  description: string;
  sql: string;
}

function readSqlFiles(dir: string): { name: string; file: string; sql: string }[] {
  let names: string[];
  try {
    names = readdirSync(dir).filter((f) => f.endsWith(".sql")).sort();
  } catch (err) {
    throw new Error(`Cannot read the SQL folder ${dir}: ${(err as Error).message}`);
  }
  return names.map((f) => ({ name: f.slice(0, -".sql".length), file: path.join(dir, f), sql: readFileSync(path.join(dir, f), "utf8") }));
}

/** The SQL without comments and string literals, so references are found only in real code. */
function codeOnly(sql: string): string {
  return sql.replace(/--[^\n]*/g, " ").replace(/\/\*[\s\S]*?\*\//g, " ").replace(/'(?:[^']|'')*'/g, "''");
}

/** Every view file, each after the views it reads (alphabetical among equals). */
export function loadViews(dir: string = VIEWS_DIR): ViewFile[] {
  const files = readSqlFiles(dir);
  for (const f of files) {
    const m = /^\s*CREATE\s+OR\s+REPLACE\s+VIEW\s+"?([A-Za-z_][A-Za-z0-9_]*)"?\s+AS\b/i.exec(codeOnly(f.sql));
    if (!m) throw new Error(`${f.file}: a view file holds one "CREATE OR REPLACE VIEW ${f.name} AS ..." statement.`);
    if (m[1].toLowerCase() !== f.name.toLowerCase()) throw new Error(`${f.file} creates view "${m[1]}": name the file after the view (${m[1]}.sql).`);
  }
  const names = new Set(files.map((f) => f.name));
  const reads = new Map(
    files.map((f) => {
      const code = codeOnly(f.sql).replace(/^\s*CREATE\s+OR\s+REPLACE\s+VIEW\s+\S+/i, "");
      return [f.name, [...names].filter((other) => other !== f.name && new RegExp(`\\b${other}\\b`, "i").test(code))];
    }),
  );
  const ordered: ViewFile[] = [];
  const state = new Map<string, "visiting" | "done">();
  const visit = (name: string, chain: string[]) => {
    if (state.get(name) === "done") return;
    if (state.get(name) === "visiting") throw new Error(`Views read each other in a circle: ${[...chain, name].join(" -> ")}.`);
    state.set(name, "visiting");
    for (const dep of reads.get(name) ?? []) visit(dep, [...chain, name]);
    state.set(name, "done");
    const f = files.find((x) => x.name === name)!;
    const lines = f.sql.split("\n");
    const firstCode = lines.findIndex((l) => l.trim() !== "" && !l.trim().startsWith("--"));
    const description = lines
      .slice(0, firstCode)
      .map((l) => l.trim().replace(/^--\s?/, ""))
      .filter(Boolean)
      .join(" ");
    ordered.push({ name, sql: lines.slice(firstCode).join("\n").trim(), description });
  };
  for (const f of files) visit(f.name, []);
  return ordered;
}

/** Every query file with its description (the text of its leading `-- ` comment line). */
export function loadQueries(dir: string = QUERIES_DIR): QueryFile[] {
  return readSqlFiles(dir).map((f) => {
    const m = /^--\s*(.+?)\s*$/m.exec(f.sql.split("\n")[0] ?? "");
    if (!m) throw new Error(`${f.file}: start a query file with a "-- what this query shows" line.`);
    return { name: f.name, description: m[1], sql: f.sql };
  });
}
