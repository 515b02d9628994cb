-- Per playlist and snapshot day, the songs that entered, left or moved since that playlist's previous snapshot day.
-- A song listed twice counts once, at its first position. positions_up > 0 means it climbed.
-- Written so that a filter on snapshot_date reaches the scans of the tables, and a query of the last 30 days reads
-- about 30 days whatever the history: the only window is over playlists (one row per playlist and day); every table is
-- reached by equi-joins on (playlist_id, snapshot_date) from the few filtered days, which skips the other days' files;
-- each day's positions are grouped, not ranked; the names are joined last, to the changed songs only.
CREATE OR REPLACE VIEW daily_changes AS
WITH days AS (
  SELECT
    playlist_id,
    snapshot_date,
    lag(snapshot_date) OVER (PARTITION BY playlist_id ORDER BY snapshot_date) AS previous_date
  FROM playlists
),
-- Each day is read twice, as the day itself and as the previous side of the next day: one equi-join on the day read,
-- so a filter on snapshot_date above the window cuts the days first and each scan reads those days' files only.
reads AS (
  SELECT d.playlist_id, d.snapshot_date, d.previous_date, r.side,
    CASE WHEN r.side = 'current' THEN d.snapshot_date ELSE d.previous_date END AS read_date
  FROM days d
  CROSS JOIN (VALUES ('current'), ('previous')) AS r (side)
  WHERE d.previous_date IS NOT NULL
),
sides AS (
  SELECT r.playlist_id, r.snapshot_date, r.previous_date, pt.song_id, pt."position", r.side
  FROM reads r
  JOIN playlist_tracks pt
    ON pt.playlist_id = r.playlist_id AND pt.snapshot_date = r.read_date
),
changes AS (
  SELECT
    playlist_id,
    snapshot_date,
    previous_date,
    song_id,
    min("position") FILTER (WHERE side = 'previous') AS previous_position,
    min("position") FILTER (WHERE side = 'current') AS current_position
  FROM sides
  GROUP BY playlist_id, snapshot_date, previous_date, song_id
  HAVING min("position") FILTER (WHERE side = 'previous') IS DISTINCT FROM min("position") FILTER (WHERE side = 'current')
),
-- The day whose names a change shows: today's, or the previous day's for a song that left.
named AS (
  SELECT c.*, CASE WHEN c.current_position IS NULL THEN c.previous_date ELSE c.snapshot_date END AS name_date
  FROM changes c
)
SELECT
  n.playlist_id,
  n.snapshot_date,
  n.previous_date,
  CASE
    WHEN n.previous_position IS NULL THEN 'entered'
    WHEN n.current_position IS NULL THEN 'left'
    ELSE 'moved'
  END AS change_type,
  n.song_id,
  s.song_name,
  -- NULL for a song without artists, as playlist_snapshot's LEFT JOIN gives it.
  array_join(array_agg(ar.artist_name ORDER BY sa.artist_position) FILTER (WHERE ar.artist_id IS NOT NULL), ', ') AS artist_names,
  n.previous_position,
  n.current_position,
  n.previous_position - n.current_position AS positions_up
FROM named n
-- The names as playlist_snapshot gives them (songs holds one row per song per playlist and day), read from the tables
-- by equi-joins on the name day, so only those days' files are read (a join to playlist_snapshot on a computed day
-- read every day's files).
JOIN songs s
  ON s.playlist_id = n.playlist_id AND s.snapshot_date = n.name_date AND s.song_id = n.song_id
LEFT JOIN song_artists sa
  ON sa.playlist_id = n.playlist_id AND sa.snapshot_date = n.name_date AND sa.song_id = n.song_id
LEFT JOIN artists ar
  ON ar.playlist_id = sa.playlist_id AND ar.snapshot_date = sa.snapshot_date AND ar.artist_id = sa.artist_id
GROUP BY n.playlist_id, n.snapshot_date, n.previous_date, n.song_id, s.song_name, n.previous_position, n.current_position
