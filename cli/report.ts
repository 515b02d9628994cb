/**
 * What `npm start` prints once the lake is built: rows per table, the latest snapshot's
 * top 10 per playlist, the changes since the day before, and how to query the lake.
 * Everything is read back through the same catalog and views `npm run query` uses.
 */
import * as path from "node:path";
import { openLake, type LakeDb } from "../lib/query/lakeDb";
import { renderRows } from "../lib/query/renderRows";
import { PARTITION_COLUMN, TABLE_NAMES } from "../lib/tables/schema";
import { RAW_PREFIX, TRANSFORMED_PREFIX } from "../lib/lake/layout";

const TOP_N = 10;

async function rowsPerTable(db: LakeDb): Promise<string> {
  const union = TABLE_NAMES.map(
    (t) => `SELECT '${t}' AS "table", count(*) AS rows_all_days, count(DISTINCT snapshot_date) AS snapshot_dates, max(snapshot_date) AS latest_date FROM ${t}`,
  ).join(" UNION ALL ");
  return renderRows(await db.run(union), "table");
}

type ChangeRow = Record<string, unknown>;

/** Entries and exits in full; of the moves only the biggest, since one climb shifts every song it passes. */
function describeChanges(rows: ChangeRow[], days: number): string {
  if (rows.length === 0) return days > 1 ? "No changes since the previous snapshot day." : "No previous snapshot day to compare with yet.";
  const of = (type: string) => rows.filter((r) => r.change_type === type);
  const moved = of("moved").sort(
    (a, b) => Math.abs(Number(b.positions_up)) - Math.abs(Number(a.positions_up)) || Number(a.current_position) - Number(b.current_position),
  );
  const shown = [...of("entered"), ...of("left"), ...moved.slice(0, 5)];
  const columns = ["change_type", "song_name", "artist_names", "previous_position", "current_position", "positions_up"];
  return [
    `Changes since the previous snapshot day: ${of("entered").length} entered, ${of("left").length} left, ${moved.length} moved` +
      (moved.length > 5 ? " (the 5 biggest moves shown; all in the daily_changes view)" : ""),
    renderRows({ columns, rows: shown }, "table").trimEnd(),
  ].join("\n");
}

export async function printLakeReport(lakeDir: string, out: (line?: string) => void): Promise<void> {
  const db = await openLake(lakeDir);
  try {
    for (const warning of db.warnings) out(`Warning: ${warning}`);
    out("Tables (Parquet; CSV twins are csv_<table>)");
    out((await rowsPerTable(db)).trimEnd());

    const playlists = await db.query(
      `SELECT playlist_id, playlist_name, max(snapshot_date) AS latest_date, count(DISTINCT snapshot_date) AS days FROM playlists GROUP BY playlist_id, playlist_name ORDER BY playlist_name`,
    );
    for (const p of playlists) {
      const id = String(p.playlist_id).replace(/'/g, "''");
      out();
      out(`Top ${TOP_N} of "${p.playlist_name}" on ${p.latest_date} (${p.days} snapshot day(s))`);
      const top = await db.run(
        `SELECT "position", song_name, artist_names, album_name FROM latest_snapshot WHERE playlist_id = '${id}' ORDER BY "position" LIMIT ${TOP_N}`,
      );
      out(renderRows(top, "table").trimEnd());
      // With one snapshot day there is nothing to compare: daily_changes has no row for it, and
      // computing that over the whole history would cost most of the report on a first day.
      const changes =
        Number(p.days) > 1
          ? await db.run(
              `SELECT change_type, song_name, artist_names, previous_position, current_position, positions_up FROM daily_changes
         WHERE playlist_id = '${id}' AND snapshot_date = '${p.latest_date}'`,
            )
          : { rows: [] };
      out(describeChanges(changes.rows, Number(p.days)));
    }
  } finally {
    db.close();
  }
  const relative = path.relative(process.cwd(), lakeDir);
  const rel = relative === "" ? "." : relative.startsWith("..") ? lakeDir : relative;
  out();
  out(`The lake is in ${lakeDir}`);
  out(`  raw snapshots:  ${path.join(rel, RAW_PREFIX)}`);
  out(`  tables:         ${path.join(rel, TRANSFORMED_PREFIX, "{parquet,csv}", "<table>", `${PARTITION_COLUMN}=YYYY-MM-DD`)}`);
  out(`Query it with DuckDB as Athena would, through the same views:`);
  const lakeFlag = rel === "lake" ? "" : `--lake ${rel} `;
  out(`  npm run query -- ${lakeFlag}"SELECT * FROM latest_snapshot LIMIT 20"`);
  out(`  npm run query -- ${lakeFlag}--format json "SELECT * FROM daily_changes"`);
  out(`  npm run query -- ${lakeFlag}top_artists      (saved queries: sql/queries/*.sql)`);
}
