-- Each playlist's entries on its own latest snapshot day (playlists need not share a last day).
CREATE OR REPLACE VIEW latest_snapshot AS
SELECT ps.*
FROM playlist_snapshot ps
JOIN (
  SELECT playlist_id, max(snapshot_date) AS latest_date
  FROM playlists
  GROUP BY playlist_id
) latest
  ON latest.playlist_id = ps.playlist_id AND latest.latest_date = ps.snapshot_date
