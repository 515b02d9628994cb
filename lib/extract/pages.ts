/**
 * Every page of a playlist's entries, read lazily and defensively. `total` from the first page
 * sets the offsets, which the workers take one at a time (never one promise per page up front),
 * so a lying `total` costs nothing before it is refused. Pages beyond `total` (the playlist grew
 * while we read it) are reached through `next`, which is followed only on the configured API
 * origin and playlist path, never twice, and for a bounded number of pages.
 *
 * Spotify's paging object (Web API reference, "Get Playlist Items", response: `href`, `items`,
 * `limit`, `next` "URL to the next page of items (null if none)", `offset`, `total` "the total
 * number of items available to return"; https://developer.spotify.com/documentation/web-api/reference/get-playlists-items).
 */
import { PAGE_LIMIT, type SpotifyClient } from "../spotify/client";
import { InvalidResponseError } from "../spotify/errors";
import type { PlaylistEntry, PlaylistItemsPage } from "../spotify/schemas";
import { runPool, type Deadline } from "./deadline";

/**
 * The most entries one playlist may have for this extractor (docs/spotify-client.md, "When Spotify misbehaves"): far above what
 * Spotify's apps let a user build, low enough that a lying `total` cannot exhaust the run.
 */
export const MAX_PLAYLIST_ENTRIES = 100_000;
/** Pages we follow through `next` beyond what `total` announced: 10 % more, at least 10. */
export const growthSlackPages = (announcedPages: number) => Math.max(10, Math.ceil(announcedPages / 10));

/** Pages fetched so far, by the offset of their first entry (a checkpoint keeps them). */
export type FetchedPages = Map<number, PlaylistItemsPage>;

export interface PagesResult {
  /** False when the deadline stopped the reading; the pages fetched are in the map. */
  complete: boolean;
  entries: PlaylistEntry[];
}

/** A URL reduced to what names the page: origin, path and sorted query. */
function pageKey(url: URL): string {
  const q = [...url.searchParams.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `${url.origin}${url.pathname}?${new URLSearchParams(q).toString()}`;
}

export async function fetchPages(
  client: SpotifyClient,
  playlistId: string,
  pages: FetchedPages,
  deadline: Deadline,
  report: (done: number, total: number) => void,
  maxEntries: number = MAX_PLAYLIST_ENTRIES,
): Promise<PagesResult> {
  const api = new URL(client.config.apiUrl);
  const itemsPath = `${api.pathname.replace(/\/+$/, "")}/playlists/${encodeURIComponent(playlistId)}/`;
  const offsetUrl = (offset: number) => {
    const url = new URL(`${client.config.apiUrl}/playlists/${encodeURIComponent(playlistId)}/items`);
    for (const [k, v] of Object.entries({ limit: PAGE_LIMIT, offset, additional_types: "track" })) url.searchParams.set(k, String(v));
    return url;
  };
  const incomplete = (): PagesResult => ({ complete: false, entries: [] });
  const count = () => [...pages.values()].reduce((n, p) => n + p.items.length, 0);

  if (!pages.has(0)) {
    if (deadline.passed) return incomplete();
    pages.set(0, await client.getPlaylistItems(playlistId, 0));
  }
  const total = pages.get(0)!.total;
  if (total > maxEntries) {
    throw new InvalidResponseError(
      `Spotify says playlist ${playlistId} has ${total} entries, more than the ${maxEntries} this extractor reads (MAX_PLAYLIST_ENTRIES, docs/spotify-client.md, "When Spotify misbehaves"); ` +
        `the answer is not believable, so nothing was fetched further and nothing was written. Run again later; if it persists, report it.`,
    );
  }
  report(count(), total);

  // An empty page before `total` means the list ended early (it shrank, or `total` lied): stop there.
  let endsAt = Infinity;
  for (const [offset, page] of pages) if (page.items.length === 0 && offset > 0) endsAt = Math.min(endsAt, offset);
  function* offsets(): Generator<number> {
    for (let offset = PAGE_LIMIT; offset < total && offset < endsAt; offset += PAGE_LIMIT) if (!pages.has(offset)) yield offset;
  }
  await runPool(offsets(), client.config.concurrency, deadline, async (offset) => {
    const page = await client.getPlaylistItems(playlistId, offset);
    pages.set(offset, page);
    if (page.items.length === 0) endsAt = Math.min(endsAt, offset);
    report(count(), total);
  });
  for (let offset = PAGE_LIMIT; offset < total && offset < endsAt; offset += PAGE_LIMIT) if (!pages.has(offset)) return incomplete();

  // The playlist grew while we read it: follow `next` from the last page, within bounds.
  const seen = new Set<string>([...pages.keys()].map((offset) => pageKey(offsetUrl(offset))));
  for (const page of pages.values()) {
    try {
      if (typeof page.href === "string") seen.add(pageKey(new URL(page.href, api)));
    } catch {
      // an unreadable href names no page
    }
  }
  const announcedPages = Math.ceil(total / PAGE_LIMIT);
  const ordered = () => [...pages.keys()].filter((o) => o < endsAt).sort((a, b) => a - b);
  let lastOffset = ordered().at(-1)!;
  let last = pages.get(lastOffset)!;
  while (endsAt === Infinity && last.next && last.items.length > 0) {
    const next = checkNext(last.next, api, itemsPath, playlistId, lastOffset);
    const key = pageKey(next);
    if (seen.has(key)) {
      throw new InvalidResponseError(
        `Spotify's page at offset ${lastOffset} of playlist ${playlistId} points "next" back to a page already read (${next.pathname}${next.search}): ` +
          `the answer loops, so the reading stopped and nothing was written. Run again later; if it persists, report it.`,
      );
    }
    if (pages.size >= announcedPages + growthSlackPages(announcedPages) || count() >= maxEntries) {
      throw new InvalidResponseError(
        `Playlist ${playlistId} announced ${total} entries (${announcedPages} pages) but its "next" links went on past ${pages.size} pages and ${count()} entries: ` +
          `more than a playlist growing during the read explains, so the reading stopped and nothing was written. Run again; if it persists, report it.`,
      );
    }
    if (deadline.passed) return incomplete();
    seen.add(key);
    const page = await client.getPlaylistItems(playlistId, lastOffset + last.items.length, next.toString());
    lastOffset += last.items.length;
    pages.set(lastOffset, page);
    last = page;
    report(count(), Math.max(total, count()));
  }
  return { complete: true, entries: ordered().flatMap((o) => pages.get(o)!.items) };
}

/** `next` as a URL if it points at this playlist on the configured API origin; a clear error otherwise. */
function checkNext(next: string, api: URL, itemsPath: string, playlistId: string, offset: number): URL {
  let url: URL;
  try {
    url = new URL(next, api);
  } catch {
    url = new URL("invalid:");
  }
  if (url.username || url.password) {
    // fetch would refuse it (a TypeError on every retry): refused once, the credentials not repeated.
    throw new InvalidResponseError(
      `Spotify's page at offset ${offset} of playlist ${playlistId} gives a "next" link with a user name or password in it (${url.origin}${url.pathname}); ` +
        `it was not followed and nothing was written. Run again later; if it persists, report this answer.`,
    );
  }
  if (url.origin !== api.origin || !url.pathname.startsWith(itemsPath)) {
    const where = url.protocol === "invalid:" ? JSON.stringify(next.slice(0, 120)) : `${url.origin}${url.pathname}`;
    throw new InvalidResponseError(
      `Spotify's page at offset ${offset} of playlist ${playlistId} gives a "next" link to ${where}, outside the configured API (${api.origin}${itemsPath}); ` +
        `it was not followed (the access token is only sent to ${api.origin}) and nothing was written. Check SPOTIFY_API_URL; if it is right, report this answer.`,
    );
  }
  return url;
}
