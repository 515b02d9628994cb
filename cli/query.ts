/**
 * `npm run query -- [--lake DIR] [--format table|json|csv] "SQL"`: runs SQL on the local lake
 * with DuckDB standing in for Athena (same tables, same views). Instead of SQL, the name of a
 * file in sql/queries (e.g. top_songs) runs that query.
 */
import * as path from "node:path";
import { openLake, LakeNotFoundError, type LakeDb } from "../lib/query/lakeDb";
import { loadQueries } from "../lib/query/sqlFiles";
import { OUTPUT_FORMATS, renderRows, type OutputFormat } from "../lib/query/renderRows";
import { terminalSafe } from "../lib/query/terminalText";
import { runAsMain } from "./runAsMain";
import { processIo, readFlags, type CliIo } from "./commandFlags";

const usage = () => `Usage: npm run query -- [--lake DIR] [--format table|json|csv] "SQL" | QUERY_NAME

  --lake DIR      the lake folder (default: ./lake, built by \`npm start\`)
  --format FMT    table (default), json (an array of row objects) or csv
  QUERY_NAME      a saved query from sql/queries:
${loadQueries()
  .map((q) => `                    ${q.name}: ${q.description}`)
  .join("\n")}

Example: npm run query -- --format json "select count(*) as n from latest_snapshot"`;

/** Runs the command; returns the exit code (0 ok, 1 query or lake error, 2 usage error). */
export async function runQueryCli(argv: string[], io: CliIo = processIo): Promise<number> {
  const flags = readFlags(argv, { lake: { type: "string" }, format: { type: "string", short: "f" } }, usage(), io, true);
  if ("exit" in flags) return flags.exit;
  const { values, positionals } = flags;
  if (values.lake !== undefined && values.lake.trim() === "") {
    io.err(`--lake needs a folder, for example --lake lake; it was empty.\n\n${usage()}\n`);
    return 2;
  }
  const format = (values.format ?? "table") as OutputFormat;
  if (!OUTPUT_FORMATS.includes(format)) {
    io.err(`Unknown format "${terminalSafe(String(values.format))}": use table, json or csv.\n\n${usage()}\n`);
    return 2;
  }
  if (positionals.length !== 1 || positionals[0].trim() === "") {
    io.err(`${positionals.length === 0 ? "Give the SQL to run" : "Give the SQL as ONE argument, in quotes"}.\n\n${usage()}\n`);
    return 2;
  }
  const saved = loadQueries().find((q) => q.name === positionals[0].trim());
  const sql = saved?.sql ?? positionals[0];

  let db: LakeDb;
  try {
    db = await openLake(path.resolve(values.lake ?? "lake"));
  } catch (err) {
    // The message may quote the lake's path or a file in it, which are the user's bytes: escapes are neutralised.
    io.err(`${err instanceof LakeNotFoundError ? "" : "Could not open the lake: "}${terminalSafe((err as Error).message)}\n`);
    return 1;
  }
  for (const warning of db.warnings) io.err(`Warning: ${terminalSafe(warning)}\n`);
  try {
    io.out(renderRows(await db.run(sql), format));
    return 0;
  } catch (err) {
    const relations = await db.relations().catch(() => [] as string[]);
    io.err(`Query failed: ${terminalSafe((err as Error).message)}\n\nTables and views in this lake: ${relations.join(", ")}\n`);
    return 1;
  } finally {
    db.close();
  }
}

/** What cli/launch.js calls to run this command with the process's arguments. */
export function runFromCommandLine(): void {
  runAsMain(runQueryCli);
}

if (require.main === module) runFromCommandLine();
