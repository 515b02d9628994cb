-- Per playlist and snapshot day, the songs that entered, left or moved since that playlist's previous snapshot day.
-- A song listed twice counts once, at its first position. positions_up > 0 means it climbed.
-- Written so that a filter on snapshot_date reaches the scans of the tables, and a query of the last 30 days reads
-- about 30 days whatever the history: the only window is over playlists (one row per playlist and day); each day's
-- positions are grouped, not ranked, once as the day itself and once as the previous side of the next day (a join
-- from the few filtered days to the table, which skips the other days' files); the names are joined last, to the
-- changed songs only.
CREATE OR REPLACE VIEW daily_changes AS
WITH days AS (
  SELECT
    playlist_id,
    snapshot_date,
    lag(snapshot_date) OVER (PARTITION BY playlist_id ORDER BY snapshot_date) AS previous_date
  FROM playlists
),
sides AS (
  SELECT d.playlist_id, d.snapshot_date, d.previous_date, pt.song_id, pt."position", 'current' AS side
  FROM days d
  JOIN playlist_tracks pt
    ON pt.playlist_id = d.playlist_id AND pt.snapshot_date = d.snapshot_date
  WHERE d.previous_date IS NOT NULL
  UNION ALL
  SELECT d.playlist_id, d.snapshot_date, d.previous_date, pt.song_id, pt."position", 'previous' AS side
  FROM days d
  JOIN playlist_tracks pt
    ON pt.playlist_id = d.playlist_id AND pt.snapshot_date = d.previous_date
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
)
SELECT
  c.playlist_id,
  c.snapshot_date,
  c.previous_date,
  CASE
    WHEN c.previous_position IS NULL THEN 'entered'
    WHEN c.current_position IS NULL THEN 'left'
    ELSE 'moved'
  END AS change_type,
  c.song_id,
  ps.song_name,
  ps.artist_names,
  c.previous_position,
  c.current_position,
  c.previous_position - c.current_position AS positions_up
FROM changes c
-- The names at the song's first position on the day it is listed (today, or the previous day for a song that left).
JOIN playlist_snapshot ps
  ON ps.playlist_id = c.playlist_id
  AND ps.song_id = c.song_id
  AND ps.snapshot_date = CASE WHEN c.current_position IS NULL THEN c.previous_date ELSE c.snapshot_date END
  AND ps."position" = coalesce(c.current_position, c.previous_position)
