-- One row per playlist entry per snapshot day: the song, its album and every track artist in order.
-- Athena (Trino) SQL that also runs on DuckDB; joins include playlist_id because each table file holds one playlist.
CREATE OR REPLACE VIEW playlist_snapshot AS
WITH song_artist_names AS (
  SELECT
    sa.snapshot_date,
    sa.playlist_id,
    sa.song_id,
    array_join(array_agg(ar.artist_name ORDER BY sa.artist_position), ', ') AS artist_names,
    array_agg(sa.artist_id ORDER BY sa.artist_position) AS artist_ids
  FROM song_artists sa
  JOIN artists ar
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
FROM playlist_tracks pt
JOIN playlists p
  ON p.snapshot_date = pt.snapshot_date AND p.playlist_id = pt.playlist_id
JOIN songs s
  ON s.snapshot_date = pt.snapshot_date AND s.playlist_id = pt.playlist_id AND s.song_id = pt.song_id
LEFT JOIN albums al
  ON al.snapshot_date = s.snapshot_date AND al.playlist_id = s.playlist_id AND al.album_id = s.album_id
LEFT JOIN song_artist_names san
  ON san.snapshot_date = pt.snapshot_date AND san.playlist_id = pt.playlist_id AND san.song_id = pt.song_id
