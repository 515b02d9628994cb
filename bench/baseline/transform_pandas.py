"""
The baseline of bench/transformProcess.ts: a port of the original project's transform Lambda,
the Python function of the classic "Spotify end-to-end data pipeline" tutorial (Spotify API ->
Lambda -> S3 -> Glue -> Athena) that this project replaces. It builds three tables from each
playlist item's track -- album_list, artist_list and song_list -- as pandas DataFrames, drops
duplicate albums and artists by id, converts added_at and release_date with pd.to_datetime and
writes each table with to_csv. CSV only, three tables, no validation, no Parquet.

What differs from the original, and why (nothing that makes it do less work):
- It reads one of our raw snapshots from a local file instead of listing and reading JSON objects
  from S3 under raw_data/to_processed/, and writes the three CSV files into a local folder instead
  of put_object into transformed_data/ (no boto3: both sides of the comparison measure the
  transform, not S3). The raw snapshot's `entries` are the playlist response's `items`; each
  entry's track is `item` (the 2026 response shape) or `track` (the shape the original read).
- Null items, local files and episodes are skipped (the original would crash on them), and
  `popularity`, which Spotify no longer sends to development-mode apps, is read with .get().
- The files are named after the snapshot, not datetime.now(), so reruns are comparable.

Run by bench/transformProcess.ts on Debian's python3-pandas (apt-get install python3-pandas):
    python3 bench/baseline/transform_pandas.py RAW_SNAPSHOT.json OUT_DIR
"""
import json
import os
import sys

import pandas as pd


def track_of(entry):
    """The track of one playlist entry, or None for what the transform skips."""
    track = entry.get("item") or entry.get("track")
    if not track or entry.get("is_local") or track.get("type", "track") != "track":
        return None
    return track


def album_list(data):
    albums = []
    for row in data["items"]:
        track = track_of(row)
        if track is None:
            continue
        album = track["album"]
        albums.append({
            "album_id": album["id"],
            "name": album["name"],
            "release_date": album["release_date"],
            "total_tracks": album["total_tracks"],
            "url": album["external_urls"]["spotify"],
        })
    return albums


def artist_list(data):
    artists = []
    for row in data["items"]:
        track = track_of(row)
        if track is None:
            continue
        for artist in track["artists"]:
            artists.append({
                "artist_id": artist["id"],
                "artist_name": artist["name"],
                "external_url": artist["href"],
            })
    return artists


def song_list(data):
    songs = []
    for row in data["items"]:
        track = track_of(row)
        if track is None:
            continue
        songs.append({
            "song_id": track["id"],
            "song_name": track["name"],
            "duration_ms": track["duration_ms"],
            "url": track["external_urls"]["spotify"],
            "popularity": track.get("popularity"),
            "song_added": row["added_at"],
            "album_id": track["album"]["id"],
            "artist_id": track["album"]["artists"][0]["id"],
        })
    return songs


def transform(raw_file, out_dir):
    with open(raw_file, "rb") as f:
        snapshot = json.loads(f.read())
    data = {"items": snapshot["entries"]}
    name = f"{snapshot['snapshot_date']}_{snapshot['playlist_id']}"

    album_df = pd.DataFrame.from_dict(album_list(data)).drop_duplicates(subset=["album_id"])
    artist_df = pd.DataFrame.from_dict(artist_list(data)).drop_duplicates(subset=["artist_id"])
    song_df = pd.DataFrame.from_dict(song_list(data))

    album_df["release_date"] = pd.to_datetime(album_df["release_date"])
    song_df["song_added"] = pd.to_datetime(song_df["song_added"])

    os.makedirs(out_dir, exist_ok=True)
    for table, df in (("songs", song_df), ("album", album_df), ("artist", artist_df)):
        with open(os.path.join(out_dir, f"{table}_transformed_{name}.csv"), "w", encoding="utf-8") as f:
            f.write(df.to_csv(index=False))
    return {"songs": len(song_df), "albums": len(album_df), "artists": len(artist_df)}


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: transform_pandas.py RAW_SNAPSHOT.json OUT_DIR")
    print(json.dumps(transform(sys.argv[1], sys.argv[2])))
