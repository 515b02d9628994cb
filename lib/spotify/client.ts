/**
 * The Spotify Web API client the extractor uses: one token, one rate gate and one
 * concurrency limit shared by every request, call counts per endpoint, and errors that
 * explain themselves. Endpoint names match the stand-in's (lib/standin/spotifyStandIn.ts).
 */
import type { SpotifyConfig } from "./config";
import { TokenProvider, type AuthMode } from "./auth";
import { EditorialPlaylistError, PlaylistForbiddenError, SpotifyApiError, isEditorialPlaylistId } from "./errors";
import { SpotifyHttp } from "./http";
import { Album, Artist, Playlist, PlaylistItemsPage, SeveralAlbums, SeveralArtists } from "./schemas";
import { newStats, type ClientStats } from "./stats";

export const PAGE_LIMIT = 50;
export const ARTISTS_BATCH = 50;
export const ALBUMS_BATCH = 20;

export interface SpotifyClientHooks {
  /** Spotify rotated the refresh token: store it where the old one came from. */
  onRefreshToken?: (token: string) => Promise<void> | void;
}

export class SpotifyClient {
  readonly stats: ClientStats = newStats();
  readonly authMode: AuthMode;
  /** "batch" until a batch endpoint answers 403/404; then one id per call for the rest of the run. */
  enrichmentMode: "batch" | "single" = "batch";
  private readonly tokens: TokenProvider;
  private readonly http: SpotifyHttp;

  constructor(
    readonly config: SpotifyConfig,
    hooks: SpotifyClientHooks = {},
  ) {
    this.tokens = new TokenProvider(config, this.stats, hooks.onRefreshToken);
    this.authMode = this.tokens.mode;
    this.http = new SpotifyHttp(config, this.tokens, this.stats);
  }

  /** The rate limit learned from 429s so far, if any. */
  learnedRateLimit(): { requests: number; windowMs: number } | undefined {
    return this.http.gate.learnedLimit();
  }

  async getPlaylist(playlistId: string): Promise<Playlist> {
    try {
      return await this.http.get("playlist", `playlists/${encodeURIComponent(playlistId)}`, Playlist, { additional_types: "track" });
    } catch (err) {
      throw this.explainPlaylistError(err, playlistId, "the playlist");
    }
  }

  /** One page of entries; `next` is an absolute URL from a previous page, else the page at `offset`. */
  async getPlaylistItems(playlistId: string, offset: number, next?: string): Promise<PlaylistItemsPage> {
    try {
      if (next) return await this.http.get("playlist_items", next, PlaylistItemsPage);
      return await this.http.get("playlist_items", `playlists/${encodeURIComponent(playlistId)}/items`, PlaylistItemsPage, {
        limit: PAGE_LIMIT,
        offset,
        additional_types: "track",
      });
    } catch (err) {
      throw this.explainPlaylistError(err, playlistId, "the playlist's items");
    }
  }

  async getArtist(id: string): Promise<Artist> {
    return this.http.get("artist", `artists/${encodeURIComponent(id)}`, Artist);
  }

  async getAlbum(id: string): Promise<Album> {
    return this.http.get("album", `albums/${encodeURIComponent(id)}`, Album);
  }

  async getArtistsBatch(ids: string[]): Promise<(Artist | null)[]> {
    return (await this.http.get("artists_batch", "artists", SeveralArtists, { ids: ids.join(",") })).artists;
  }

  async getAlbumsBatch(ids: string[]): Promise<(Album | null)[]> {
    return (await this.http.get("albums_batch", "albums", SeveralAlbums, { ids: ids.join(",") })).albums;
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
