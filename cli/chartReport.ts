/**
 * What `npm start` prints once the lake is built, read like a chart: per playlist the latest
 * day's top entries (position, change, NEW or RE, peak, days on), the entries and exits since
 * the previous snapshot, and the moves that are a song's own (knock-on shifts are counted, not
 * listed: lib/report/ownMoves.ts). Read through the same catalog and views `npm run query` uses,
 * with the same few queries whatever the number of playlists (lib/report/chartData.ts).
 */
import * as path from "node:path";
import type { LakeDb } from "../lib/query/lakeDb";
import { renderRows } from "../lib/query/renderRows";
import { PARTITION_COLUMN, TABLE_NAMES } from "../lib/tables/schema";
import { RAW_PREFIX, TRANSFORMED_PREFIX } from "../lib/lake/layout";
import { loadLatestCharts, type PlaylistChart } from "../lib/report/chartData";
import { ownMoves } from "../lib/report/ownMoves";
import { changeLabel } from "../lib/report/changeLabel";
import { oneLine } from "./oneLine";

export const TOP_N = 10;
/** At most this many entries, exits and moves are listed; the rest are counted. */
const LISTED = 10;

const song = (r: { song_name: string; artist_names: string | null }) => `${r.song_name}${r.artist_names ? ` - ${r.artist_names}` : ""}`;

function listed(title: string, lines: string[]): string[] {
  if (lines.length === 0) return [];
  const shown = lines.slice(0, LISTED).map((l) => `  ${oneLine(l)}`);
  if (lines.length > LISTED) shown.push(`  ... and ${lines.length - LISTED} more (the daily_changes view has them all)`);
  return [`${title} (${lines.length}):`, ...shown];
}

/** The text of one playlist's chart, as lines. */
export function chartLines(p: PlaylistChart): string[] {
  const header = `"${oneLine(p.playlistName)}" on ${p.latest} (${p.days.length} snapshot day${p.days.length === 1 ? "" : "s"}${p.previous ? `; compared with ${p.previous}` : ""})`;
  const top = p.chart.slice(0, TOP_N).map((r) => ({
    pos: r.position,
    change: changeLabel(r),
    song: oneLine(r.song_name),
    artists: oneLine(r.artist_names ?? ""),
    peak: r.peak_position,
    peak_date: r.peak_date,
    days_on: r.days_on,
  }));
  const lines = [header, renderRows({ columns: ["pos", "change", "song", "artists", "peak", "peak_date", "days_on"], rows: top }, "table").trimEnd()];
  if (!p.previous) {
    lines.push("First snapshot of this playlist: every song is NEW; changes show from the next one.");
    return lines;
  }
  const entries = p.chart.filter((r) => r.is_new || r.is_reentry);
  const moves = ownMoves(p.chart).sort((a, b) => Math.abs(Number(b.position_change)) - Math.abs(Number(a.position_change)) || a.position - b.position);
  const shifted = p.chart.filter((r) => r.previous_position !== null && r.previous_position !== r.position).length - moves.length;
  lines.push(
    ...listed("Entered", entries.map((r) => `${r.is_new ? "NEW" : "RE "} at ${r.position}: ${song(r)}`)),
    ...listed("Left", p.exits.map((r) => `was ${r.previous_position}: ${song(r)}`)),
    ...listed("Moved", moves.map((r) => `${changeLabel(r)} ${r.previous_position} -> ${r.position}: ${song(r)}`)),
  );
  if (entries.length + p.exits.length + moves.length === 0 && shifted === 0) lines.push(`No change since ${p.previous}.`);
  if (shifted > 0) lines.push(`${shifted} other song(s) only shifted to make room for these changes (not listed as moves).`);
  return lines;
}

async function rowsPerTable(db: LakeDb): Promise<string> {
  const union = TABLE_NAMES.map(
    (t) => `SELECT '${t}' AS "table", count(*) AS rows_all_days, count(DISTINCT snapshot_date) AS snapshot_dates, max(snapshot_date) AS latest_date FROM ${t}`,
  ).join(" UNION ALL ");
  return renderRows(await db.run(union), "table");
}

export async function printChartReport(db: LakeDb, lakeDir: string, out: (line?: string) => void, opts: { verbose?: boolean } = {}): Promise<PlaylistChart[]> {
  for (const warning of db.warnings) out(`Warning: ${warning}`);
  if (opts.verbose) {
    out("Tables (Parquet; CSV twins are csv_<table>)");
    out((await rowsPerTable(db)).trimEnd());
  }
  const charts = await loadLatestCharts(db);
  for (const p of charts) {
    out();
    for (const line of chartLines(p)) out(line);
  }
  const relative = path.relative(process.cwd(), lakeDir);
  const rel = relative === "" ? "." : relative.startsWith("..") ? lakeDir : relative;
  out();
  out(`The lake is in ${lakeDir}`);
  if (opts.verbose) {
    out(`  raw snapshots:  ${path.join(rel, RAW_PREFIX)}`);
    out(`  tables:         ${path.join(rel, TRANSFORMED_PREFIX, "{parquet,csv}", "<table>", `${PARTITION_COLUMN}=YYYY-MM-DD`)}`);
  }
  const lakeFlag = rel === "lake" ? "" : `--lake ${rel} `;
  out(`Query it with DuckDB as Athena would: npm run query -- ${lakeFlag}"SELECT * FROM playlist_chart LIMIT 20"`);
  return charts;
}
