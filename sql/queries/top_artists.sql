-- The artists with the most entries in each playlist's latest snapshot, with their share and best position.
SELECT ad.playlist_id, ad.snapshot_date, ad.artist_name, ad.tracks, ad.share, ad.best_position
FROM artist_daily ad
JOIN (
  SELECT playlist_id, max(snapshot_date) AS latest_date
  FROM playlists
  GROUP BY playlist_id
) latest
  ON latest.playlist_id = ad.playlist_id AND latest.latest_date = ad.snapshot_date
ORDER BY ad.playlist_id, ad.tracks DESC, ad.best_position, ad.artist_name
LIMIT 20
