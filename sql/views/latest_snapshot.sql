-- Each playlist's entries on its own latest snapshot day (playlists need not share a last day), with the columns of playlist_snapshot.
-- The join is playlist_snapshot's, but every table is first cut to the latest days, so Athena and DuckDB read one partition
-- per table instead of the whole history (a filter on top of playlist_snapshot reaches only one of its scans). A test keeps
-- both views in agreement.
CREATE OR REPLACE VIEW latest_snapshot AS
WITH latest AS (
  SELECT playlist_id, max(snapshot_date) AS snapshot_date
  FROM playlists
  GROUP BY playlist_id
),
p AS (SELECT t.* FROM playlists t JOIN latest l ON l.playlist_id = t.playlist_id AND l.snapshot_date = t.snapshot_date),
pt AS (SELECT t.* FROM playlist_tracks t JOIN latest l ON l.playlist_id = t.playlist_id AND l.snapshot_date = t.snapshot_date),
s AS (SELECT t.* FROM songs t JOIN latest l ON l.playlist_id = t.playlist_id AND l.snapshot_date = t.snapshot_date),
al AS (SELECT t.* FROM albums t JOIN latest l ON l.playlist_id = t.playlist_id AND l.snapshot_date = t.snapshot_date),
sa AS (SELECT t.* FROM song_artists t JOIN latest l ON l.playlist_id = t.playlist_id AND l.snapshot_date = t.snapshot_date),
ar AS (SELECT t.* FROM artists t JOIN latest l ON l.playlist_id = t.playlist_id AND l.snapshot_date = t.snapshot_date),
song_artist_names AS (
  SELECT
    sa.snapshot_date,
    sa.playlist_id,
    sa.song_id,
    array_join(array_agg(ar.artist_name ORDER BY sa.artist_position), ', ') AS artist_names,
    array_agg(sa.artist_id ORDER BY sa.artist_position) AS artist_ids
  FROM sa
  JOIN ar
    ON ar.snapshot_date = sa.snapshot_date AND ar.playlist_id = sa.playlist_id AND ar.artist_id = sa.artist_id
  GROUP BY sa.snapshot_date, sa.playlist_id, sa.song_id
)
SELECT
  pt.snapshot_date,
  pt.playlist_id,
  p.playlist_name,
  pt."position",
  pt.song_id,
  s.song_name,
  san.artist_names,
  san.artist_ids,
  s.album_id,
  al.album_name,
  al.release_date,
  al.release_year,
  s.duration_ms,
  s.explicit,
  s.popularity,
  pt.added_at,
  pt.added_by
FROM pt
JOIN p
  ON p.snapshot_date = pt.snapshot_date AND p.playlist_id = pt.playlist_id
JOIN s
  ON s.snapshot_date = pt.snapshot_date AND s.playlist_id = pt.playlist_id AND s.song_id = pt.song_id
LEFT JOIN al
  ON al.snapshot_date = s.snapshot_date AND al.playlist_id = s.playlist_id AND al.album_id = s.album_id
LEFT JOIN song_artist_names san
  ON san.snapshot_date = pt.snapshot_date AND san.playlist_id = pt.playlist_id AND san.song_id = pt.song_id
