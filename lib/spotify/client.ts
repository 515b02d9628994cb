/**
 * The Spotify Web API client the extractor uses: one token, one rate controller and one
 * concurrency limit shared by every request, call counts per endpoint, and errors that
 * explain themselves. Endpoint names match the stand-in's (lib/standin/spotifyStandIn.ts).
 * `withSignal` gives a view of the same client whose requests end when the signal aborts
 * (one playlist's work, dropped when the playlist fails while the others go on).
 */
import type { SpotifyConfig } from "./config";
import { TokenProvider, type AuthMode } from "./auth";
import { EditorialPlaylistError, InvalidResponseError, PlaylistForbiddenError, SpotifyApiError, SpotifyError, isEditorialPlaylistId } from "./errors";
import { SpotifyHttp } from "./http";
import { Album, Artist, Playlist, PlaylistItemsPage, SeveralAlbums, SeveralArtists } from "./schemas";
import type { RateControllerState } from "./rateGate";
import { newStats, type ClientStats } from "./stats";

/**
 * Spotify's documented maxima (Web API reference): "Get Playlist Items" limit "Range: 0 - 50";
 * "Get Several Artists" ids "Maximum: 50 IDs"; "Get Several Albums" ids "Maximum: 20 IDs".
 */
export const PAGE_LIMIT = 50;
export const ARTISTS_BATCH = 50;
export const ALBUMS_BATCH = 20;

type CatalogObjectKind = "artist" | "album";

/**
 * The objects answered for `asked`, checked against the request: one answer per id, in order
 * (the batch endpoints answer "in the order requested", null for an id they do not know), each
 * object carrying the id asked for and, when it says, the kind asked for. Anything else is a lie
 * that would be cached for the whole reuse period: an error, nothing kept.
 */
export function checkAnswers<T extends { id: string; type?: unknown }>(kind: CatalogObjectKind, asked: string[], answers: (T | null)[], endpoint: string): (T | null)[] {
  const fail = (what: string) =>
    new InvalidResponseError(`Spotify's answer to ${endpoint} ${what}; nothing of it was kept or cached. Run again; if it persists, report it.`);
  if (answers.length !== asked.length) throw fail(`has ${answers.length} ${kind}(s) for the ${asked.length} id(s) asked`);
  answers.forEach((object, i) => {
    if (object === null) return;
    if (object.id !== asked[i]) throw fail(`gives ${kind} ${JSON.stringify(String(object.id).slice(0, 64))} at position ${i}, where ${asked[i]} was asked`);
    if (object.type !== undefined && object.type !== kind) throw fail(`gives an object of type ${JSON.stringify(String(object.type).slice(0, 32))} for ${kind} ${asked[i]}`);
  });
  return answers;
}

export interface SpotifyClientHooks {
  /** Spotify rotated the refresh token: store it where the next run looks (`replaced` is the one it replaces). */
  onRefreshToken?: (token: string, replaced: string) => Promise<void> | void;
}

/** What every view of one client shares. */
interface Shared {
  stats: ClientStats;
  tokens: TokenProvider;
  http: SpotifyHttp;
  enrichmentMode: "batch" | "single";
}

export class SpotifyClient {
  readonly authMode: AuthMode;
  private readonly shared: Shared;

  constructor(
    readonly config: SpotifyConfig,
    hooks: SpotifyClientHooks = {},
    private readonly signal?: AbortSignal,
    shared?: Shared,
  ) {
    if (shared) this.shared = shared;
    else {
      const stats = newStats();
      const tokens = new TokenProvider(config, stats, hooks.onRefreshToken);
      this.shared = { stats, tokens, http: new SpotifyHttp(config, tokens, stats), enrichmentMode: "batch" };
    }
    this.authMode = this.shared.tokens.mode;
  }

  /** The same client (token, rate controller, concurrency, stats), with requests that end when `signal` aborts. */
  withSignal(signal: AbortSignal): SpotifyClient {
    return new SpotifyClient(this.config, {}, signal, this.shared);
  }

  /**
   * Runs one unit of work (a playlist) on a view of this client with its own AbortSignal. When the
   * work fails, its requests still queued, waiting for the rate controller or in flight end at once,
   * so a failed playlist stops spending the quota while other work of the client goes on.
   */
  async scoped<T>(work: (client: SpotifyClient) => Promise<T>): Promise<T> {
    const controller = new AbortController();
    try {
      return await work(this.withSignal(controller.signal));
    } catch (err) {
      controller.abort(new SpotifyError(`abandoned: other work of the same playlist failed (${err instanceof Error ? err.message : String(err)})`));
      throw err;
    }
  }

  get stats(): ClientStats {
    return this.shared.stats;
  }

  /** "batch" until a batch endpoint answers 403/404; then one id per call for the rest of the run. */
  get enrichmentMode(): "batch" | "single" {
    return this.shared.enrichmentMode;
  }

  set enrichmentMode(mode: "batch" | "single") {
    this.shared.enrichmentMode = mode;
  }

  /** The rate controller now: its rate (undefined before the first 429), cuts and 429s. */
  rateState(): RateControllerState {
    return this.shared.http.rate.state();
  }

  private get http(): { get: SpotifyHttp["get"] } {
    const { http } = this.shared;
    const signal = this.signal;
    return { get: (endpoint, path, schema, params) => http.get(endpoint, path, schema, params, signal) };
  }

  async getPlaylist(playlistId: string): Promise<Playlist> {
    try {
      return await this.http.get("playlist", `playlists/${encodeURIComponent(playlistId)}`, Playlist, { additional_types: "track" });
    } catch (err) {
      throw this.explainPlaylistError(err, playlistId, "the playlist");
    }
  }

  /** One page of entries; `next` is an absolute URL from a previous page, else the page at `offset`. */
  /** One page of entries, at most PAGE_LIMIT of them (a page holding more is refused: `total` alone cannot be trusted). */
  async getPlaylistItems(playlistId: string, offset: number, next?: string): Promise<PlaylistItemsPage> {
    let page: PlaylistItemsPage;
    try {
      page = next
        ? await this.http.get("playlist_items", next, PlaylistItemsPage)
        : await this.http.get("playlist_items", `playlists/${encodeURIComponent(playlistId)}/items`, PlaylistItemsPage, { limit: PAGE_LIMIT, offset, additional_types: "track" });
    } catch (err) {
      throw this.explainPlaylistError(err, playlistId, "the playlist's items");
    }
    if (page.items.length > PAGE_LIMIT) {
      throw new InvalidResponseError(
        `Spotify's page of playlist ${playlistId} at offset ${offset} holds ${page.items.length} entries, more than the ${PAGE_LIMIT} a page may have (the limit asked, Spotify's maximum); ` +
          `the answer is not believable, so nothing was written. Run again later; if it persists, report it.`,
      );
    }
    return page;
  }

  async getArtist(id: string): Promise<Artist> {
    const [artist] = checkAnswers("artist", [id], [await this.http.get("artist", `artists/${encodeURIComponent(id)}`, Artist)], `GET /artists/${id}`);
    return artist!;
  }

  async getAlbum(id: string): Promise<Album> {
    const [album] = checkAnswers("album", [id], [await this.http.get("album", `albums/${encodeURIComponent(id)}`, Album)], `GET /albums/${id}`);
    return album!;
  }

  async getArtistsBatch(ids: string[]): Promise<(Artist | null)[]> {
    return checkAnswers("artist", ids, (await this.http.get("artists_batch", "artists", SeveralArtists, { ids: ids.join(",") })).artists, "GET /artists?ids=");
  }

  async getAlbumsBatch(ids: string[]): Promise<(Album | null)[]> {
    return checkAnswers("album", ids, (await this.http.get("albums_batch", "albums", SeveralAlbums, { ids: ids.join(",") })).albums, "GET /albums?ids=");
  }

  private explainPlaylistError(err: unknown, playlistId: string, what: string): unknown {
    if (!(err instanceof SpotifyApiError) || err instanceof EditorialPlaylistError || err instanceof PlaylistForbiddenError) return err;
    if (err.status === 404 && isEditorialPlaylistId(playlistId)) {
      return new EditorialPlaylistError(
        `Playlist ${playlistId} answered 404: it is a Spotify-owned editorial or algorithmic playlist (ids starting 37i9dQZF1 or 37i9dQZEVXb), ` +
          `and Spotify closed those to apps created after 27 November 2024. The id is probably right; the app cannot read it. ` +
          `Use a playlist created by a user (for example a copy of this one in your own account).`,
        err.status, err.endpoint, err.url, err.reason,
      );
    }
    if (err.status === 404) {
      return new SpotifyApiError(
        `Playlist ${playlistId} was not found (404 on ${what}): check the id (the 22 characters after open.spotify.com/playlist/). ` +
          `A private playlist is visible only with a refresh token of its owner or a collaborator ("npm run auth").`,
        err.status, err.endpoint, err.url, err.reason,
      );
    }
    if (err.status === 403) {
      const who = this.authMode === "client_credentials"
        ? "This run uses client credentials, which have no user, so a development-mode app gets no playlist items at all"
        : "The signed-in user neither owns nor collaborates on this playlist";
      return new PlaylistForbiddenError(
        `Spotify refused ${what} of playlist ${playlistId} (403). Since February 2026 a development-mode app can read the items only of playlists ` +
          `that the signed-in user owns or collaborates on. ${who}. Run "npm run auth" and sign in as the playlist's owner or a collaborator ` +
          `(or copy its tracks into a playlist of your own); apps with extended quota can also use client credentials.`,
        err.status, err.endpoint, err.url, err.reason,
      );
    }
    return err;
  }
}
