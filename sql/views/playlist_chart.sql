-- A chart per playlist and snapshot day, as playlist trackers show it: each song once (at its best position when listed twice),
-- its position on the playlist's previous snapshot day in the lake (gaps allowed), position_change (positive = climbed, NULL when
-- absent before), its best position so far and the first day it reached it, the snapshot days it has been on so far, NEW (on none
-- of the playlist's earlier snapshots) and RE (absent from the previous snapshot, present on an earlier one).
CREATE OR REPLACE VIEW playlist_chart AS
WITH days AS (
  SELECT
    playlist_id,
    snapshot_date,
    lag(snapshot_date) OVER (PARTITION BY playlist_id ORDER BY snapshot_date) AS previous_date
  FROM playlists
),
best_entries AS (
  SELECT snapshot_date, playlist_id, playlist_name, song_id, song_name, artist_names, "position"
  FROM (
    SELECT
      snapshot_date, playlist_id, playlist_name, song_id, song_name, artist_names, "position",
      row_number() OVER (PARTITION BY snapshot_date, playlist_id, song_id ORDER BY "position") AS occurrence
    FROM playlist_snapshot
  ) ranked
  WHERE occurrence = 1
),
song_history AS (
  SELECT
    e.*,
    d.previous_date,
    -- The song's own previous day on this playlist: the playlist's previous day only when the song was on it.
    lag(e.snapshot_date) OVER (PARTITION BY e.playlist_id, e.song_id ORDER BY e.snapshot_date) AS song_previous_date,
    lag(e."position") OVER (PARTITION BY e.playlist_id, e.song_id ORDER BY e.snapshot_date) AS song_previous_position,
    -- The best position before this day (NULL on the song's first day), to find the days it set a new peak.
    min(e."position") OVER (PARTITION BY e.playlist_id, e.song_id ORDER BY e.snapshot_date ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS best_before,
    min(e."position") OVER (PARTITION BY e.playlist_id, e.song_id ORDER BY e.snapshot_date ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS peak_position,
    count(*) OVER (PARTITION BY e.playlist_id, e.song_id ORDER BY e.snapshot_date ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS days_on
  FROM best_entries e
  JOIN days d
    ON d.playlist_id = e.playlist_id AND d.snapshot_date = e.snapshot_date
),
with_previous AS (
  SELECT
    h.*,
    CASE WHEN h.song_previous_date = h.previous_date THEN h.song_previous_position END AS previous_position,
    -- The day the peak was first reached is the last day the song beat its best before.
    max(CASE WHEN h.best_before IS NULL OR h."position" < h.best_before THEN h.snapshot_date END)
      OVER (PARTITION BY h.playlist_id, h.song_id ORDER BY h.snapshot_date ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS peak_date
  FROM song_history h
)
SELECT
  playlist_id,
  playlist_name,
  snapshot_date,
  "position",
  song_id,
  song_name,
  artist_names,
  previous_position,
  previous_position - "position" AS position_change,
  peak_position,
  peak_date,
  days_on,
  days_on = 1 AS is_new,
  previous_position IS NULL AND days_on > 1 AS is_reentry
FROM with_previous
