/**
 * `npm run status -- [--lake DIR] [--format table|json]`: what the lake holds, read from its raw
 * snapshots (lib/report/lakeStatus.ts): playlists, days per playlist, gaps, the last run, and
 * the rejected files with their reasons.
 */
import { existsSync } from "node:fs";
import * as path from "node:path";
import { LocalStore } from "../lib/storage/localStore";
import { lakeStatus } from "../lib/report/lakeStatus";
import { renderRows } from "../lib/query/renderRows";
import { terminalSafe } from "../lib/query/terminalText";
import { runAsMain } from "./runAsMain";
import { processIo, readFlags, type CliIo } from "./commandFlags";
import { oneLine } from "./oneLine";

const USAGE = `Usage: npm run status -- [--lake DIR] [--format table|json]

  --lake DIR      the lake folder (default: ./lake)
  --format FMT    table (default) or json`;

/** Shows a few gaps in full; the rest are counted. */
const GAPS_SHOWN = 5;

export async function runStatusCli(argv: string[], io: CliIo = processIo): Promise<number> {
  const flags = readFlags(argv, { lake: { type: "string" }, format: { type: "string", short: "f" } }, USAGE, io);
  if ("exit" in flags) return flags.exit;
  const { values } = flags;
  const format = values.format ?? "table";
  if (format !== "table" && format !== "json") {
    io.err(`Unknown format "${terminalSafe(format)}": use table or json.\n\n${USAGE}\n`);
    return 2;
  }
  const lake = path.resolve(values.lake?.trim() || "lake");
  if (!existsSync(lake)) {
    io.err(`No lake at ${terminalSafe(lake)}: run \`npm start\` first to build it, or pass --lake DIR.\n`);
    return 1;
  }
  const status = await lakeStatus(new LocalStore(lake));
  if (format === "json") {
    io.out(`${JSON.stringify({ lake, ...status }, null, 2)}\n`);
    return 0;
  }
  const rows = status.playlists.map((p) => ({
    playlist_id: p.playlistId,
    name: oneLine(p.name ?? "(unreadable)"),
    days: p.days,
    first: p.first,
    last: p.last,
    gaps: p.gaps.length === 0 ? "none" : `${p.gaps.length}: ${p.gaps.slice(0, GAPS_SHOWN).join(", ")}${p.gaps.length > GAPS_SHOWN ? ", ..." : ""}`,
  }));
  io.out(`Lake ${terminalSafe(lake)}\n`);
  io.out(`Playlists (from the raw snapshots):\n${renderRows({ columns: ["playlist_id", "name", "days", "first", "last", "gaps"], rows }, "table")}`);
  io.out(`Last run: ${status.lastRun ? `${status.lastRun.at} (wrote ${status.lastRun.key})` : "none yet"}\n`);
  io.out(`Rejected files: ${status.rejected.length}\n`);
  for (const r of status.rejected) io.out(`  ${terminalSafe(r.key)}: ${terminalSafe(r.reason)}\n`);
  return 0;
}

/** What cli/launch.js calls to run this command with the process's arguments. */
export function runFromCommandLine(): void {
  runAsMain(runStatusCli);
}

if (require.main === module) runFromCommandLine();
