import { expect } from "chai";
import { snapshotToTables, releaseYear } from "../lib/transform/toTables";
import { InvalidSnapshotError } from "../lib/snapshot/rawSnapshot";
import type { Row } from "../lib/tables/schema";
import {
  editTrack,
  episodeEntry,
  localFileEntry,
  nullItemEntry,
  recordedEntries,
  recordedSnapshot,
  THE_CORE_ID,
  TO_FIND_ID,
} from "./support/snapshots";

const songIdAt = (entries: Record<string, unknown>[], index: number) => ((entries[index].item ?? entries[index].track) as { id: string }).id;

describe("snapshotToTables", () => {
  describe("golden: 'To find' (2026 transition shape, item + track)", () => {
    const tables = snapshotToTables(recordedSnapshot(TO_FIND_ID));

    it("gives exactly the expected rows", () => {
      const playlist_id = TO_FIND_ID;
      expect(tables).to.deep.equal({
        playlists: [{ playlist_id, playlist_name: "To find", owner_id: "1112264649", spotify_snapshot_id: "AAAAAqEcxS92ddZ6R83Q8TWFhYshm18s", total_items: 1 }],
        playlist_tracks: [{ playlist_id, position: 1, song_id: "3ZL9gPzeCnKG9l5SB1SlcZ", added_at: new Date("2025-07-29T21:11:55Z"), added_by: "1112264649" }],
        songs: [
          {
            playlist_id,
            song_id: "3ZL9gPzeCnKG9l5SB1SlcZ",
            song_name: "All I Need",
            duration_ms: 227934,
            explicit: false,
            popularity: 46,
            isrc: "GBCFB2300770",
            disc_number: 1,
            track_number: 1,
            album_id: "7cynQpUNbqg7ZqYQu11Yng",
            song_url: "https://open.spotify.com/track/3ZL9gPzeCnKG9l5SB1SlcZ",
          },
        ],
        song_artists: [
          { playlist_id, song_id: "3ZL9gPzeCnKG9l5SB1SlcZ", artist_id: "7zrkALJ9ayRjzysp4QYoEg", artist_position: 1 },
          { playlist_id, song_id: "3ZL9gPzeCnKG9l5SB1SlcZ", artist_id: "6SKEuFZYhaTytrhtJjgnO2", artist_position: 2 },
        ],
        albums: [
          {
            playlist_id,
            album_id: "7cynQpUNbqg7ZqYQu11Yng",
            album_name: "All I Need",
            album_type: "single",
            release_date: "2025-01-13",
            release_date_precision: "day",
            release_year: 2025,
            total_tracks: 5,
            album_url: "https://open.spotify.com/album/7cynQpUNbqg7ZqYQu11Yng",
          },
        ],
        artists: [
          { playlist_id, artist_id: "6SKEuFZYhaTytrhtJjgnO2", artist_name: "Andreya Triana", genres: null, followers: null, popularity: null, artist_url: "https://open.spotify.com/artist/6SKEuFZYhaTytrhtJjgnO2" },
          { playlist_id, artist_id: "7zrkALJ9ayRjzysp4QYoEg", artist_name: "Maribou State", genres: null, followers: null, popularity: null, artist_url: "https://open.spotify.com/artist/7zrkALJ9ayRjzysp4QYoEg" },
        ],
      });
    });

    it("gives identical rows from a track-only and an item-only variant of the same entries", () => {
      expect(snapshotToTables(recordedSnapshot(TO_FIND_ID, { shape: "tracks" }))).to.deep.equal(tables);
      expect(snapshotToTables(recordedSnapshot(TO_FIND_ID, { shape: "items" }))).to.deep.equal(tables);
    });
  });

  describe("golden: 'The Core' (pre-2026 shape, track only)", () => {
    const entries = recordedEntries(THE_CORE_ID);
    const tables = snapshotToTables(recordedSnapshot(THE_CORE_ID));

    it("has one row per entry, song, album and artist of the recording", () => {
      expect(tables.playlists).to.have.length(1);
      expect(tables.playlists[0]).to.include({ playlist_name: "The Core", owner_id: "spotify", total_items: 74 });
      expect(tables.playlist_tracks.map((r) => r.position)).to.deep.equal(Array.from({ length: 74 }, (_, i) => i + 1));
      expect(tables.playlist_tracks.map((r) => r.song_id)).to.deep.equal(entries.map((_, i) => songIdAt(entries, i)));
      expect(tables.songs).to.have.length(74);
      expect(tables.albums).to.have.length(74);
      expect(tables.artists).to.have.length(89);
      // 74 songs, 12 of them with more than one artist (18 extra links).
      expect(tables.song_artists).to.have.length(92);
    });

    it("keeps the first entry as recorded, with an editorial playlist's blank added_by as null", () => {
      expect(tables.playlist_tracks[0]).to.deep.equal({
        playlist_id: THE_CORE_ID,
        position: 1,
        song_id: "5G6jZFDAFlpAA9v5LTV4NI",
        added_at: new Date("2023-03-10T05:39:11Z"),
        added_by: null,
      });
    });

    it("links every track artist in order, not the album's first artist", () => {
      const artistsOf = (songId: string) =>
        tables.song_artists
          .filter((r) => r.song_id === songId)
          .map((r) => [r.artist_position, tables.artists.find((a) => a.artist_id === r.artist_id)?.artist_name]);
      // "Heretic": the album's only artist is NOVELISTS, the track's first artist is LANDMVRKS.
      expect(artistsOf("4whGYZQVkjI7r1hAyc4BFY")).to.deep.equal([
        [1, "LANDMVRKS"],
        [2, "NOVELISTS"],
      ]);
      expect(artistsOf(songIdAt(entries, 26))).to.deep.equal([
        [1, "The Worst of Us"],
        [2, "ALEX"],
        [3, "TOKYO ROSE"],
        [4, "THE AKUMA"],
      ]);
    });

    it("sorts songs, albums and artists by id, without duplicates", () => {
      for (const [rows, key] of [
        [tables.songs, "song_id"],
        [tables.albums, "album_id"],
        [tables.artists, "artist_id"],
      ] as const) {
        const ids = (rows as readonly Row[]).map((r) => r[key] as string);
        expect(ids).to.deep.equal([...new Set(ids)].sort());
      }
    });

    it("gives identical rows from an item-only variant", () => {
      expect(snapshotToTables(recordedSnapshot(THE_CORE_ID, { shape: "items" }))).to.deep.equal(tables);
    });
  });

  it("keeps a song listed twice as one song and two playlist entries", () => {
    const entries = recordedEntries(TO_FIND_ID);
    const later = { ...JSON.parse(JSON.stringify(entries[0])), added_at: "2026-02-01T00:00:00Z" };
    const tables = snapshotToTables(recordedSnapshot(TO_FIND_ID, { entries: [entries[0], later] }));
    expect(tables.songs).to.have.length(1);
    expect(tables.song_artists).to.have.length(2);
    expect(tables.playlist_tracks.map((r) => [r.position, r.song_id, (r.added_at as Date).toISOString()])).to.deep.equal([
      [1, "3ZL9gPzeCnKG9l5SB1SlcZ", "2025-07-29T21:11:55.000Z"],
      [2, "3ZL9gPzeCnKG9l5SB1SlcZ", "2026-02-01T00:00:00.000Z"],
    ]);
    expect(tables.playlists[0].total_items).to.equal(2);
  });

  it("skips local files, episodes and null items but keeps their slots in the positions", () => {
    const [a, b] = recordedEntries(THE_CORE_ID);
    const entries = [nullItemEntry(), a, localFileEntry(), episodeEntry(), b];
    for (const shape of ["tracks", "items"] as const) {
      const tables = snapshotToTables(recordedSnapshot(THE_CORE_ID, { entries, shape }));
      expect(tables.playlist_tracks.map((r) => [r.position, r.song_id]), shape).to.deep.equal([
        [2, songIdAt([a], 0)],
        [5, songIdAt([b], 0)],
      ]);
      expect(tables.songs).to.have.length(2);
      expect(tables.playlists[0].total_items).to.equal(5);
    }
  });

  it("keeps release dates as given, with their precision and a year only when there is one", () => {
    const base = recordedEntries(THE_CORE_ID).slice(0, 4);
    const variants: [string, string][] = [
      ["1998", "year"],
      ["1998-07", "month"],
      ["1998-07-21", "day"],
      ["0000", "year"],
    ];
    const entries = base.map((e, i) =>
      editTrack(e, (t) => {
        const album = t.album as Record<string, unknown>;
        [album.release_date, album.release_date_precision] = variants[i];
      }),
    );
    // The full albums would override the edited simplified ones: leave them out of the snapshot.
    const snapshot = recordedSnapshot(THE_CORE_ID, { entries });
    snapshot.albums = [];
    const albums = snapshotToTables(snapshot).albums;
    const byId = new Map(albums.map((a) => [a.album_id, a]));
    const got = entries.map((e) => {
      const album = byId.get(((e.track as Record<string, unknown>).album as { id: string }).id)!;
      return [album.release_date, album.release_date_precision, album.release_year];
    });
    expect(got).to.deep.equal([
      ["1998", "year", 1998],
      ["1998-07", "month", 1998],
      ["1998-07-21", "day", 1998],
      ["0000", "year", null],
    ]);
    expect(releaseYear("")).to.equal(null);
  });

  it("keeps missing popularity, followers and genres null, present ones as given, an empty genre list empty", () => {
    const [first] = recordedEntries(TO_FIND_ID);
    const noPopularity = editTrack(first, (t) => {
      delete t.popularity;
      delete t.external_ids;
    });
    const snapshot = recordedSnapshot(TO_FIND_ID, {
      entries: [noPopularity],
      artists: {
        "7zrkALJ9ayRjzysp4QYoEg": { id: "7zrkALJ9ayRjzysp4QYoEg", name: "Maribou State", genres: [], followers: { href: null, total: 512345 }, popularity: 61 },
        "6SKEuFZYhaTytrhtJjgnO2": { id: "6SKEuFZYhaTytrhtJjgnO2", name: "Andreya Triana", genres: ["trip hop", "downtempo"], followers: { href: null, total: null } },
      },
    });
    const tables = snapshotToTables(snapshot);
    expect(tables.songs[0]).to.include({ popularity: null, isrc: null });
    expect(tables.artists.map((a) => [a.artist_name, a.genres, a.followers, a.popularity])).to.deep.equal([
      ["Andreya Triana", ["trip hop", "downtempo"], null, null],
      ["Maribou State", [], 512345, 61],
    ]);
  });

  it("says which entry is broken when a track does not validate", () => {
    const [first] = recordedEntries(THE_CORE_ID);
    const broken = editTrack(first, (t) => {
      delete t.duration_ms;
    });
    const snapshot = recordedSnapshot(THE_CORE_ID, { entries: [first, broken] });
    expect(() => snapshotToTables(snapshot)).to.throw(InvalidSnapshotError, /entries\[1\]\.track\.duration_ms/);
  });
});
