-- The top 10 songs of each playlist's latest snapshot, with every artist of each song.
SELECT playlist_name, snapshot_date, place, "position", song_name, artist_names, album_name
FROM (
  SELECT
    playlist_name, playlist_id, snapshot_date, "position", song_name, artist_names, album_name,
    row_number() OVER (PARTITION BY playlist_id ORDER BY "position") AS place
  FROM latest_snapshot
) ranked
WHERE place <= 10
ORDER BY playlist_name, place
