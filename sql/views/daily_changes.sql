-- Per playlist and snapshot day, the songs that entered, left or moved since that playlist's previous snapshot day.
-- A song listed twice counts once, at its first position. positions_up > 0 means it climbed.
CREATE OR REPLACE VIEW daily_changes AS
WITH days AS (
  SELECT
    playlist_id,
    snapshot_date,
    lag(snapshot_date) OVER (PARTITION BY playlist_id ORDER BY snapshot_date) AS previous_date
  FROM playlists
),
first_entries AS (
  SELECT snapshot_date, playlist_id, song_id, song_name, artist_names, "position"
  FROM (
    SELECT
      snapshot_date, playlist_id, song_id, song_name, artist_names, "position",
      row_number() OVER (PARTITION BY snapshot_date, playlist_id, song_id ORDER BY "position") AS occurrence
    FROM playlist_snapshot
  ) ranked
  WHERE occurrence = 1
),
present_today AS (
  SELECT
    d.playlist_id, d.snapshot_date, d.previous_date,
    cur.song_id, cur.song_name, cur.artist_names,
    prev."position" AS previous_position,
    cur."position" AS current_position
  FROM days d
  JOIN first_entries cur
    ON cur.playlist_id = d.playlist_id AND cur.snapshot_date = d.snapshot_date
  LEFT JOIN first_entries prev
    ON prev.playlist_id = d.playlist_id AND prev.snapshot_date = d.previous_date AND prev.song_id = cur.song_id
  WHERE d.previous_date IS NOT NULL
),
gone_today AS (
  SELECT
    d.playlist_id, d.snapshot_date, d.previous_date,
    prev.song_id, prev.song_name, prev.artist_names,
    prev."position" AS previous_position,
    CAST(NULL AS INTEGER) AS current_position
  FROM days d
  JOIN first_entries prev
    ON prev.playlist_id = d.playlist_id AND prev.snapshot_date = d.previous_date
  LEFT JOIN first_entries cur
    ON cur.playlist_id = d.playlist_id AND cur.snapshot_date = d.snapshot_date AND cur.song_id = prev.song_id
  WHERE cur.song_id IS NULL
)
SELECT
  playlist_id,
  snapshot_date,
  previous_date,
  CASE
    WHEN previous_position IS NULL THEN 'entered'
    WHEN current_position IS NULL THEN 'left'
    ELSE 'moved'
  END AS change_type,
  song_id,
  song_name,
  artist_names,
  previous_position,
  current_position,
  previous_position - current_position AS positions_up
FROM (
  SELECT * FROM present_today
  UNION ALL
  SELECT * FROM gone_today
) changes
WHERE previous_position IS NULL OR current_position IS NULL OR previous_position <> current_position
