/**
 * `npm run report -- [--lake DIR] [--out FILE]`: writes the lake's history page, one
 * self-contained HTML file (lib/report/historyPage.ts), and prints its path.
 */
import * as path from "node:path";
import { openLake, LakeNotFoundError } from "../lib/query/lakeDb";
import { terminalSafe } from "../lib/query/terminalText";
import { runAsMain } from "./runAsMain";
import { processIo, readFlags, type CliIo } from "./commandFlags";
import { PAGE_FILE_NAME, writeHistoryPage } from "../lib/report/writePage";

const USAGE = `Usage: npm run report -- [--lake DIR] [--out FILE]

  --lake DIR   the lake folder (default: ./lake, built by \`npm start\`)
  --out FILE   where to write the page (default: DIR/${PAGE_FILE_NAME})

The page is one HTML file with everything inline: open it in any browser, offline.`;

/** Runs the command; returns the exit code (0 written, 1 lake or write error, 2 usage error). */
export async function runReportCli(argv: string[], io: CliIo = processIo): Promise<number> {
  const flags = readFlags(argv, { lake: { type: "string" }, out: { type: "string", short: "o" } }, USAGE, io);
  if ("exit" in flags) return flags.exit;
  const { values } = flags;
  for (const flag of ["lake", "out"] as const) {
    if (values[flag] !== undefined && values[flag].trim() === "") {
      io.err(`--${flag} needs a path; it was empty.\n\n${USAGE}\n`);
      return 2;
    }
  }
  const lake = path.resolve(values.lake ?? "lake");
  let db;
  try {
    db = await openLake(lake);
  } catch (err) {
    io.err(`${terminalSafe(err instanceof LakeNotFoundError ? err.message : `Could not open the lake: ${(err as Error).message}`)}\n`);
    return 1;
  }
  try {
    for (const warning of db.warnings) io.err(`Warning: ${terminalSafe(warning)}\n`);
    const file = await writeHistoryPage(db, values.out ?? path.join(lake, PAGE_FILE_NAME));
    io.out(`History page written: ${terminalSafe(file)}\n`);
    return 0;
  } catch (err) {
    io.err(`Could not write the history page: ${terminalSafe((err as Error).message)}\n`);
    return 1;
  } finally {
    db.close();
  }
}

/** What cli/launch.js calls to run this command with the process's arguments. */
export function runFromCommandLine(): void {
  runAsMain(runReportCli);
}

if (require.main === module) runFromCommandLine();
