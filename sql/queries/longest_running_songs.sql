-- The songs present on the most snapshot days of each playlist, with their first and last day and best position.
SELECT
  playlist_id,
  song_id,
  max(song_name) AS song_name,
  max(artist_names) AS artist_names,
  count(DISTINCT snapshot_date) AS days_present,
  min(snapshot_date) AS first_seen,
  max(snapshot_date) AS last_seen,
  min("position") AS best_position
FROM playlist_snapshot
GROUP BY playlist_id, song_id
ORDER BY days_present DESC, best_position, song_name
LIMIT 20
