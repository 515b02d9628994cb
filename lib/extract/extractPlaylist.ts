/**
 * One playlist into one raw snapshot: metadata, every page of entries (as returned), and the
 * full artists and albums the tracks name, with a record of how it went. Nothing is written
 * here; lib/extract/land.ts stores the document.
 */
import { z } from "zod";
import { assertPlaylistId, assertSnapshotDate } from "../lake/layout";
import { RAW_SNAPSHOT_FORMAT, type RawSnapshot, type ResponseShape, type SkippedCounts } from "../snapshot/rawSnapshot";
import { PAGE_LIMIT, type SpotifyClient } from "../spotify/client";
import { InvalidResponseError } from "../spotify/errors";
import { describeZodError, readEntry, type PlaylistEntry, type PlaylistItemsPage } from "../spotify/schemas";
import { copyStats, statsSince } from "../spotify/stats";
import { fetchCatalog } from "./fetchCatalog";

export type ProgressEvent = { playlistId: string; phase: "playlist" | "items" | "artists" | "albums" | "done"; done: number; total?: number };

/** Which entry field the API sent: `item` (2026), `track` (before), or both (transition). */
export function responseShapeOf(entries: PlaylistEntry[], playlist: Record<string, unknown>): ResponseShape {
  let item = false;
  let track = false;
  for (const e of entries) {
    if ("item" in e) item = true;
    if ("track" in e) track = true;
  }
  if (!item && !track) {
    item = "items" in playlist;
    track = "tracks" in playlist;
  }
  if (item && track) return "both";
  return track ? "tracks" : "items";
}

async function fetchAllEntries(client: SpotifyClient, playlistId: string, report: (done: number, total: number) => void): Promise<PlaylistEntry[]> {
  const first = await client.getPlaylistItems(playlistId, 0);
  const pages: PlaylistItemsPage[] = [first];
  let done = first.items.length;
  report(done, first.total);
  if (first.next) {
    // `total` tells every offset up front: fetch the remaining pages concurrently (the client bounds concurrency).
    const offsets: number[] = [];
    for (let offset = PAGE_LIMIT; offset < first.total; offset += PAGE_LIMIT) offsets.push(offset);
    const rest = await Promise.all(
      offsets.map(async (offset) => {
        const page = await client.getPlaylistItems(playlistId, offset);
        done += page.items.length;
        report(done, first.total);
        return page;
      }),
    );
    pages.push(...rest);
    // The playlist grew while we read it: follow `next` from the last page until it ends.
    let last = pages[pages.length - 1];
    while (last.next && last.items.length > 0) {
      last = await client.getPlaylistItems(playlistId, 0, last.next);
      pages.push(last);
      done += last.items.length;
      report(done, Math.max(first.total, done));
    }
  }
  return pages.flatMap((p) => p.items);
}

export async function extractPlaylist(client: SpotifyClient, playlistId: string, snapshotDate: string, onProgress?: (e: ProgressEvent) => void): Promise<RawSnapshot> {
  assertPlaylistId(playlistId);
  assertSnapshotDate(snapshotDate);
  const emit = (phase: ProgressEvent["phase"], done: number, total?: number) => onProgress?.({ playlistId, phase, done, total });
  const before = copyStats(client.stats);
  const startedAt = new Date();

  emit("playlist", 0, 1);
  const fullPlaylist = await client.getPlaylist(playlistId);
  const { items: _embeddedItems, tracks: _embeddedTracks, ...playlist } = fullPlaylist;
  emit("playlist", 1, 1);

  const entries = await fetchAllEntries(client, playlistId, (done, total) => emit("items", done, total));

  const skipped: SkippedCounts = { null_items: 0, local_files: 0, episodes: 0 };
  const artistIds = new Set<string>();
  const albumIds = new Set<string>();
  entries.forEach((entry, i) => {
    let read: ReturnType<typeof readEntry>;
    try {
      read = readEntry(entry);
    } catch (err) {
      if (!(err instanceof z.ZodError)) throw err;
      const field = entry.item !== undefined && entry.item !== null ? "item" : "track";
      throw new InvalidResponseError(
        `Spotify's entry ${i} of playlist ${playlistId} (page offset ${Math.floor(i / PAGE_LIMIT) * PAGE_LIMIT}, items[${i % PAGE_LIMIT}]) does not have the expected shape at ` +
          `${field}.${describeZodError(err)}; nothing was written. The API may have changed: please report it with this message.`,
      );
    }
    if (read.kind === "track") {
      const track = read.track;
      for (const a of track.artists) if (a.id) artistIds.add(a.id);
      for (const a of track.album.artists) if (a.id) artistIds.add(a.id);
      if (track.album.id) albumIds.add(track.album.id);
    } else if (read.kind === "null_item") skipped.null_items++;
    else if (read.kind === "local_file") skipped.local_files++;
    else skipped.episodes++;
  });

  const catalog = await fetchCatalog(client, [...artistIds], [...albumIds], (kind, done, total) => emit(kind, done, total));
  const finishedAt = new Date();
  const used = statsSince(before, client.stats);

  const snapshot: RawSnapshot = {
    format: RAW_SNAPSHOT_FORMAT,
    snapshot_date: snapshotDate,
    playlist_id: playlistId,
    playlist,
    entries,
    artists: catalog.artists,
    albums: catalog.albums,
    extraction: {
      started_at: startedAt.toISOString(),
      finished_at: finishedAt.toISOString(),
      auth_mode: client.authMode,
      calls: used.calls,
      retries: used.retries,
      http_429: used.http429,
      skipped,
      response_shape: responseShapeOf(entries, fullPlaylist),
      enrichment_mode: client.enrichmentMode,
      ...(catalog.missingArtistIds.length > 0 ? { missing_artist_ids: catalog.missingArtistIds } : {}),
      ...(catalog.missingAlbumIds.length > 0 ? { missing_album_ids: catalog.missingAlbumIds } : {}),
    },
  };
  emit("done", entries.length, entries.length);
  return snapshot;
}
