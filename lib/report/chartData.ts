/**
 * What the terminal report and the history page show, read from the lake's views with a fixed
 * number of queries whatever the number of playlists: each query covers every playlist, and
 * the rows are grouped here. The playlist_chart view (window functions over the whole history)
 * is evaluated once per connection, into a temporary table the other queries read; entries and
 * exits come from it too (an entry is a NEW or RE row, an exit a song on the previous snapshot
 * that is not on the day's: daily_changes' definitions, held equal in test/playlistChart.test.ts).
 */
import type { LakeDb } from "../query/lakeDb";

/** One row of the playlist_chart view (sql/views/playlist_chart.sql). */
export interface ChartRow {
  playlist_id: string;
  playlist_name: string;
  snapshot_date: string;
  position: number;
  song_id: string;
  song_name: string;
  artist_names: string | null;
  previous_position: number | null;
  position_change: number | null;
  peak_position: number;
  peak_date: string;
  days_on: number;
  is_new: boolean;
  is_reentry: boolean;
}

/** A song on the previous snapshot that is not on the latest (daily_changes' "left"). */
export interface ExitRow {
  song_id: string;
  song_name: string;
  artist_names: string | null;
  previous_position: number;
}

export interface PlaylistChart {
  playlistId: string;
  /** The name on the latest snapshot. */
  playlistName: string;
  /** Every snapshot date of the playlist, oldest first. */
  days: string[];
  latest: string;
  previous: string | undefined;
  /** The latest snapshot's chart, every song, by position. */
  chart: ChartRow[];
  exits: ExitRow[];
}

const LATEST = `SELECT playlist_id, max(snapshot_date) AS snapshot_date FROM playlists GROUP BY playlist_id`;
/** The materialised chart, and each playlist day with its previous one. */
const CHART = "report_chart";
const DAYS = "report_days";
/** Connections whose temporary tables are made. */
const prepared = new WeakSet<LakeDb>();

async function prepareChart(db: LakeDb): Promise<void> {
  if (prepared.has(db)) return;
  await db.run(`CREATE OR REPLACE TEMP TABLE ${CHART} AS SELECT * FROM playlist_chart`);
  await db.run(
    `CREATE OR REPLACE TEMP TABLE ${DAYS} AS
     SELECT playlist_id, snapshot_date, lag(snapshot_date) OVER (PARTITION BY playlist_id ORDER BY snapshot_date) AS previous_date FROM playlists`,
  );
  prepared.add(db);
}

/** Songs on a day's previous snapshot that are not on the day's: one row per exit, with its previous position. */
const EXITS = `SELECT d.playlist_id, d.snapshot_date, p.song_id, p.song_name, p.artist_names, p."position" AS previous_position
  FROM ${DAYS} d
  JOIN ${CHART} p ON p.playlist_id = d.playlist_id AND p.snapshot_date = d.previous_date
  LEFT JOIN ${CHART} c ON c.playlist_id = d.playlist_id AND c.snapshot_date = d.snapshot_date AND c.song_id = p.song_id
  WHERE c.song_id IS NULL`;

function groupBy<T>(rows: T[], key: (row: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const row of rows) {
    const k = key(row);
    const list = groups.get(k);
    if (list) list.push(row);
    else groups.set(k, [row]);
  }
  return groups;
}

/** Every playlist's latest chart and exits, ordered by playlist name: three queries in all. */
export async function loadLatestCharts(db: LakeDb): Promise<PlaylistChart[]> {
  await prepareChart(db);
  const days = (await db.query(`SELECT playlist_id, snapshot_date, playlist_name FROM playlists ORDER BY playlist_id, snapshot_date`)) as {
    playlist_id: string;
    snapshot_date: string;
    playlist_name: string;
  }[];
  const chart = (await db.query(
    `SELECT c.* FROM ${CHART} c JOIN (${LATEST}) l ON l.playlist_id = c.playlist_id AND l.snapshot_date = c.snapshot_date
     ORDER BY c.playlist_id, c."position"`,
  )) as unknown as ChartRow[];
  const exits = (await db.query(
    `SELECT e.playlist_id, e.song_id, e.song_name, e.artist_names, e.previous_position
     FROM (${EXITS}) e JOIN (${LATEST}) l ON l.playlist_id = e.playlist_id AND l.snapshot_date = e.snapshot_date
     ORDER BY e.playlist_id, e.previous_position`,
  )) as unknown as (ExitRow & { playlist_id: string })[];
  const chartOf = groupBy(chart, (r) => r.playlist_id);
  const exitsOf = groupBy(exits, (r) => r.playlist_id);
  const playlists: PlaylistChart[] = [];
  for (const [playlistId, rows] of groupBy(days, (r) => r.playlist_id)) {
    const dates = rows.map((r) => r.snapshot_date);
    playlists.push({
      playlistId,
      playlistName: rows[rows.length - 1].playlist_name,
      days: dates,
      latest: dates[dates.length - 1],
      previous: dates.length > 1 ? dates[dates.length - 2] : undefined,
      chart: chartOf.get(playlistId) ?? [],
      exits: (exitsOf.get(playlistId) ?? []).map(({ song_id, song_name, artist_names, previous_position }) => ({ song_id, song_name, artist_names, previous_position })),
    });
  }
  return playlists.sort((a, b) => a.playlistName.localeCompare(b.playlistName) || (a.playlistId < b.playlistId ? -1 : 1));
}

/** A position of one of the latest top songs on one day; null when it was not on that day's snapshot. */
export interface PositionPoint {
  snapshot_date: string;
  song_id: string;
  song_label: string;
  position: number | null;
}

export interface DayFlow {
  snapshot_date: string;
  entries: number;
  exits: number;
}

/**
 * Of the songs on the latest snapshot, the share that were not on the playlist's last snapshot
 * at least `windowDays` days before it (entered since, new or back). Undefined when the history
 * is shorter than the window.
 */
export interface NewShare {
  windowDays: number;
  since: string | undefined;
  share: number | undefined;
}

export interface PlaylistHistory {
  positions: PositionPoint[];
  flow: DayFlow[];
  newShares: NewShare[];
}

export const NEW_SHARE_WINDOWS = [7, 28, 90] as const;

const daysBefore = (date: string, n: number) => new Date(Date.parse(`${date}T00:00:00Z`) - n * 86_400_000).toISOString().slice(0, 10);
const sqlString = (s: string) => `'${s.replace(/'/g, "''")}'`;

/** The history behind the page's pictures for every playlist: three more queries in all. */
export async function loadHistories(db: LakeDb, charts: PlaylistChart[], topN: number): Promise<Map<string, PlaylistHistory>> {
  await prepareChart(db);
  const top = (await db.query(
    `WITH top AS (
       SELECT c.playlist_id, c.song_id, c.song_name, c.artist_names FROM ${CHART} c
       JOIN (${LATEST}) l ON l.playlist_id = c.playlist_id AND l.snapshot_date = c.snapshot_date
       WHERE c."position" <= ${Number(topN)}
     )
     SELECT c.playlist_id, c.snapshot_date, c.song_id, c."position" FROM ${CHART} c
     JOIN top t ON t.playlist_id = c.playlist_id AND t.song_id = c.song_id
     ORDER BY c.playlist_id, c.snapshot_date, c."position"`,
  )) as { playlist_id: string; snapshot_date: string; song_id: string; position: number }[];
  const flow = (await db.query(
    `WITH entries AS (
       SELECT c.playlist_id, c.snapshot_date, count(*) AS n FROM ${CHART} c
       JOIN ${DAYS} d ON d.playlist_id = c.playlist_id AND d.snapshot_date = c.snapshot_date
       WHERE d.previous_date IS NOT NULL AND (c.is_new OR c.is_reentry) GROUP BY 1, 2
     ),
     exits AS (SELECT playlist_id, snapshot_date, count(*) AS n FROM (${EXITS}) e GROUP BY 1, 2)
     SELECT d.playlist_id, d.snapshot_date, coalesce(en.n, 0) AS entries, coalesce(ex.n, 0) AS exits
     FROM ${DAYS} d
     LEFT JOIN entries en ON en.playlist_id = d.playlist_id AND en.snapshot_date = d.snapshot_date
     LEFT JOIN exits ex ON ex.playlist_id = d.playlist_id AND ex.snapshot_date = d.snapshot_date
     WHERE coalesce(en.n, 0) + coalesce(ex.n, 0) > 0
     ORDER BY d.playlist_id, d.snapshot_date`,
  )) as unknown as (DayFlow & { playlist_id: string })[];
  // The snapshot each window is compared with: the last one at least windowDays before the latest.
  const since = new Map<string, Map<number, string | undefined>>();
  for (const p of charts) {
    since.set(p.playlistId, new Map(NEW_SHARE_WINDOWS.map((w) => [w, p.days.filter((d) => d <= daysBefore(p.latest, w)).pop()])));
  }
  const pairs = [...since].flatMap(([id, byWindow]) => [...new Set(byWindow.values())].filter((d): d is string => d !== undefined).map((d) => [id, d]));
  const earlier = pairs.length
    ? ((await db.query(
        `SELECT DISTINCT playlist_id, snapshot_date, song_id FROM playlist_tracks WHERE ${pairs
          .map(([id, d]) => `(playlist_id = ${sqlString(id)} AND snapshot_date = ${sqlString(d)})`)
          .join(" OR ")}`,
      )) as { playlist_id: string; snapshot_date: string; song_id: string }[])
    : [];
  const songsOn = new Map<string, Set<string>>();
  for (const r of earlier) {
    const key = `${r.playlist_id}|${r.snapshot_date}`;
    if (!songsOn.has(key)) songsOn.set(key, new Set());
    songsOn.get(key)!.add(r.song_id);
  }
  const topOf = groupBy(top, (r) => r.playlist_id);
  const flowOf = groupBy(flow, (r) => r.playlist_id);
  const histories = new Map<string, PlaylistHistory>();
  for (const p of charts) {
    const labels = new Map(p.chart.filter((r) => r.position <= topN).map((r) => [r.song_id, `${r.position}. ${r.song_name}`]));
    const seen = new Map((topOf.get(p.playlistId) ?? []).map((r) => [`${r.snapshot_date}|${r.song_id}`, r.position]));
    // Every day from each song's first to the latest, null when absent, so the line breaks where it left.
    const firstDay = new Map<string, string>();
    for (const r of topOf.get(p.playlistId) ?? []) if (!firstDay.has(r.song_id)) firstDay.set(r.song_id, r.snapshot_date);
    const positions: PositionPoint[] = [];
    for (const [songId, label] of labels) {
      for (const day of p.days) {
        if (day < firstDay.get(songId)!) continue;
        positions.push({ snapshot_date: day, song_id: songId, song_label: label, position: seen.get(`${day}|${songId}`) ?? null });
      }
    }
    const today = new Set(p.chart.map((r) => r.song_id));
    const newShares = NEW_SHARE_WINDOWS.map((windowDays) => {
      const base = since.get(p.playlistId)!.get(windowDays);
      if (base === undefined || today.size === 0) return { windowDays, since: base, share: undefined };
      const before = songsOn.get(`${p.playlistId}|${base}`) ?? new Set<string>();
      return { windowDays, since: base, share: [...today].filter((s) => !before.has(s)).length / today.size };
    });
    histories.set(p.playlistId, {
      positions,
      flow: (flowOf.get(p.playlistId) ?? []).map(({ snapshot_date, entries, exits }) => ({ snapshot_date, entries, exits })),
      newShares,
    });
  }
  return histories;
}
