-- Per artist, playlist and snapshot day: entries with the artist on them (any artist position), their share of the playlist's entries, and the best position.
CREATE OR REPLACE VIEW artist_daily AS
WITH artist_entries AS (
  SELECT pt.snapshot_date, pt.playlist_id, pt."position", sa.artist_id
  FROM playlist_tracks pt
  JOIN song_artists sa
    ON sa.snapshot_date = pt.snapshot_date AND sa.playlist_id = pt.playlist_id AND sa.song_id = pt.song_id
),
playlist_sizes AS (
  SELECT snapshot_date, playlist_id, count(*) AS playlist_entries
  FROM playlist_tracks
  GROUP BY snapshot_date, playlist_id
)
SELECT
  e.snapshot_date,
  e.playlist_id,
  e.artist_id,
  ar.artist_name,
  count(*) AS tracks,
  ps.playlist_entries,
  round(CAST(count(*) AS DOUBLE) / ps.playlist_entries, 4) AS share,
  min(e."position") AS best_position
FROM artist_entries e
JOIN playlist_sizes ps
  ON ps.snapshot_date = e.snapshot_date AND ps.playlist_id = e.playlist_id
JOIN artists ar
  ON ar.snapshot_date = e.snapshot_date AND ar.playlist_id = e.playlist_id AND ar.artist_id = e.artist_id
GROUP BY e.snapshot_date, e.playlist_id, e.artist_id, ar.artist_name, ps.playlist_entries
