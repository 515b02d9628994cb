/**
 * The tables and their columns, defined once. From this definition come the transform's row
 * types (RowOf), the row check before encoding, the CSV header, the Parquet schema, the Glue
 * columns and the local DuckDB catalog. The SQL views in sql/views are written by hand against
 * these names. Every table is also partitioned by PARTITION_COLUMN (a folder, not a column in
 * the files).
 */
export type ColumnType = "string" | "int32" | "int64" | "boolean" | "timestamp" | "string_list";

export interface ColumnDef {
  name: string;
  type: ColumnType;
  nullable: boolean;
  /**
   * A few distinct values in a file (one playlist on one date): the Parquet writer keeps a
   * dictionary of them (lib/formats/parquetFromIpc.ts), and writes the other columns plain.
   */
  fewValues?: boolean;
}

/** Generic so each column keeps its literal name, type and nullability: the row types are derived from them. */
function col<N extends string, T extends ColumnType, Nullable extends boolean = false>(name: N, type: T, nullable?: Nullable) {
  return { name, type, nullable: (nullable ?? false) as Nullable };
}

/** A column with a few distinct values per file (see ColumnDef.fewValues). */
function fewValues<C extends ColumnDef>(column: C): C & { fewValues: true } {
  return { ...column, fewValues: true };
}

/** Every table's first column: one value per file, each file holding one playlist's snapshot. */
const playlistId = () => fewValues(col("playlist_id", "string"));

export const TABLES = {
  playlists: [
    playlistId(),
    col("playlist_name", "string"),
    col("owner_id", "string"),
    col("spotify_snapshot_id", "string"),
    col("total_items", "int32"),
  ],
  playlist_tracks: [
    playlistId(),
    /** 1-based position in the playlist, counting every entry the API returned (skipped ones too). */
    col("position", "int32"),
    col("song_id", "string"),
    col("added_at", "timestamp", true),
    fewValues(col("added_by", "string", true)),
  ],
  // Songs, song_artists, albums and artists carry playlist_id: each file holds one playlist's
  // snapshot, so joins on (snapshot_date, playlist_id, id) never double a row when two
  // playlists share a song on the same day.
  songs: [
    playlistId(),
    col("song_id", "string"),
    col("song_name", "string"),
    col("duration_ms", "int32"),
    col("explicit", "boolean"),
    col("popularity", "int32", true),
    col("isrc", "string", true),
    col("disc_number", "int32"),
    col("track_number", "int32"),
    col("album_id", "string"),
    col("song_url", "string", true),
  ],
  /** Every artist of the track, in the order Spotify lists them (artist_position 1-based). */
  song_artists: [playlistId(), col("song_id", "string"), col("artist_id", "string"), col("artist_position", "int32")],
  albums: [
    playlistId(),
    col("album_id", "string"),
    col("album_name", "string"),
    fewValues(col("album_type", "string")),
    col("release_date", "string"),
    fewValues(col("release_date_precision", "string")),
    col("release_year", "int32", true),
    col("total_tracks", "int32"),
    col("album_url", "string", true),
  ],
  artists: [
    playlistId(),
    col("artist_id", "string"),
    col("artist_name", "string"),
    col("genres", "string_list", true),
    col("followers", "int64", true),
    col("popularity", "int32", true),
    col("artist_url", "string", true),
  ],
} as const satisfies Record<string, readonly ColumnDef[]>;

export type TableName = keyof typeof TABLES;
export const TABLE_NAMES = Object.keys(TABLES) as TableName[];

export const PARTITION_COLUMN = "snapshot_date";

/** A cell value: timestamps are Date (UTC), lists are string arrays, missing is null. */
export type Cell = string | number | boolean | Date | string[] | null;

/** What a column of each type holds in a row. */
interface CellOfType {
  string: string;
  int32: number;
  int64: number;
  boolean: boolean;
  timestamp: Date;
  string_list: string[];
}
type CellOf<C extends ColumnDef> = CellOfType[C["type"]] | (C["nullable"] extends true ? null : never);

/** One row of a table: exactly its columns, each with its type, null only where the column is nullable. */
export type RowOf<T extends TableName> = { [C in (typeof TABLES)[T][number] as C["name"]]: CellOf<C> };
export type TableRows = { [T in TableName]: RowOf<T>[] };

/** Any table's row as the encoders see it, after the row check (lib/formats/rowCheck.ts) matched it to its columns. */
export type Row = Readonly<Record<string, Cell>>;
