/**
 * Which Parquet writer, by measurement: parquet-wasm (what lib/formats/parquet.ts uses) against
 * parquetjs-lite, on the same rows of a generated 10,000-entry snapshot.
 * Run: npx ts-node --transpile-only bench/parquetWriters.ts [entries]
 * Sizes are exact; times are one machine's wall clock and only indicative.
 */
import { printResult } from "./script";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { performance } from "node:perf_hooks";
import { encodeParquet } from "../lib/formats/parquet";
import { RAW_SNAPSHOT_FORMAT, RawSnapshot } from "../lib/snapshot/rawSnapshot";
import { loadRecordedData, THE_CORE_ID, type Json } from "../lib/standin/recordedData";
import { TABLES, type ColumnType, type Row, type TableName } from "../lib/tables/schema";
import { snapshotToTables } from "../lib/transform/toTables";

interface ParquetjsWriter {
  appendRow(row: Record<string, unknown>): Promise<void>;
  close(): Promise<void>;
}
interface Parquetjs {
  ParquetSchema: new (fields: Record<string, unknown>) => unknown;
  ParquetWriter: { openFile(schema: unknown, file: string): Promise<ParquetjsWriter> };
}
// parquetjs-lite ships no types; this is the part of its API used here.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const parquetjs = require("parquetjs-lite") as Parquetjs;

export interface WriterMeasurement {
  table: TableName;
  rows: number;
  writer: string;
  bytes: number;
  ms: number;
}

/** A snapshot with `entries` distinct songs, cloned from the recorded "The Core" with new ids. */
export function generatedSnapshot(entries = 10_000): RawSnapshot {
  const data = loadRecordedData();
  const recorded = data.playlists[THE_CORE_ID];
  const generated: Json[] = Array.from({ length: entries }, (_, i) => {
    const entry = JSON.parse(JSON.stringify(recorded.entries[i % recorded.entries.length])) as Json;
    const track = entry.track as Json;
    track.id = `${String(track.id).slice(0, 14)}${String(i).padStart(8, "0")}`;
    track.name = `${String(track.name)} (take ${Math.floor(i / recorded.entries.length) + 1})`;
    return entry;
  });
  const artistIds = new Set<string>();
  const albumIds = new Set<string>();
  for (const e of recorded.entries) {
    const t = e.track as { artists: { id: string }[]; album: { id: string; artists: { id: string }[] } };
    [...t.artists, ...t.album.artists].forEach((a) => artistIds.add(a.id));
    albumIds.add(t.album.id);
  }
  return RawSnapshot.parse({
    format: RAW_SNAPSHOT_FORMAT,
    snapshot_date: "2026-11-20",
    playlist_id: THE_CORE_ID,
    playlist: recorded.playlist,
    entries: generated,
    artists: [...artistIds].map((id) => data.artists[id]),
    albums: [...albumIds].map((id) => data.albums[id]),
    extraction: {
      started_at: "2026-11-20T06:00:00.000Z",
      finished_at: "2026-11-20T06:01:00.000Z",
      auth_mode: "sample",
      calls: {},
      retries: 0,
      http_429: 0,
      skipped: { null_items: 0, local_files: 0, episodes: 0 },
      response_shape: "tracks",
      enrichment_mode: "batch",
    },
  });
}

const PARQUETJS_TYPES: Record<ColumnType, string> = {
  string: "UTF8",
  int32: "INT32",
  int64: "INT64",
  boolean: "BOOLEAN",
  timestamp: "TIMESTAMP_MILLIS",
  string_list: "UTF8",
};

async function writeWithParquetjs(table: TableName, rows: Row[], file: string, compression?: string): Promise<number> {
  const fields = Object.fromEntries(
    TABLES[table].map((c) => [c.name, { type: PARQUETJS_TYPES[c.type], optional: c.nullable, repeated: c.type === "string_list", ...(compression ? { compression } : {}) }]),
  );
  const writer = await parquetjs.ParquetWriter.openFile(new parquetjs.ParquetSchema(fields), file);
  for (const row of rows) {
    // parquetjs-lite wants absent optional fields left out rather than null.
    await writer.appendRow(Object.fromEntries(Object.entries(row).filter(([, v]) => v !== null)));
  }
  await writer.close();
  return readFileSync(file).length;
}

async function timed<T>(f: () => Promise<T> | T): Promise<{ value: T; ms: number }> {
  const start = performance.now();
  const value = await f();
  return { value, ms: Math.round(performance.now() - start) };
}

/** Sizes and times of each writer on the same rows. */
export async function compareParquetWriters(tables: Partial<Record<TableName, Row[]>>): Promise<WriterMeasurement[]> {
  const dir = mkdtempSync(path.join(tmpdir(), "parquet-bench-"));
  const results: WriterMeasurement[] = [];
  try {
    for (const [name, rows] of Object.entries(tables) as [TableName, Row[]][]) {
      const wasm = await timed(() => encodeParquet(name, rows).length);
      results.push({ table: name, rows: rows.length, writer: "parquet-wasm (Snappy)", bytes: wasm.value, ms: wasm.ms });
      const lite = await timed(() => writeWithParquetjs(name, rows, path.join(dir, `${name}.default.parquet`)));
      results.push({ table: name, rows: rows.length, writer: "parquetjs-lite (default: uncompressed)", bytes: lite.value, ms: lite.ms });
      const liteSnappy = await timed(() => writeWithParquetjs(name, rows, path.join(dir, `${name}.snappy.parquet`), "SNAPPY"));
      results.push({ table: name, rows: rows.length, writer: "parquetjs-lite (Snappy)", bytes: liteSnappy.value, ms: liteSnappy.ms });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return results;
}

export function formatMeasurements(results: WriterMeasurement[]): string {
  const lines = ["| table | rows | writer | bytes | vs parquet-wasm | ms |", "| --- | ---: | --- | ---: | ---: | ---: |"];
  for (const r of results) {
    const base = results.find((x) => x.table === r.table && x.writer.startsWith("parquet-wasm"))!;
    lines.push(`| ${r.table} | ${r.rows} | ${r.writer} | ${r.bytes} | ${(r.bytes / base.bytes).toFixed(1)}x | ${r.ms} |`);
  }
  return lines.join("\n");
}

if (require.main === module) {
  const entries = Number(process.argv[2] ?? 10_000);
  const tables = snapshotToTables(generatedSnapshot(entries));
  printResult(compareParquetWriters({ songs: tables.songs, playlist_tracks: tables.playlist_tracks }), (results) =>
    `Parquet writers on a generated ${entries}-entry snapshot:\n\n${formatMeasurements(results)}`,
  );
}
