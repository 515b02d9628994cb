/** Errors of the Spotify client. Each message says what failed and what to do about it. */

export class SpotifyError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

export class SpotifyConfigError extends SpotifyError {}

/** The token endpoint refused us. */
export class SpotifyAuthError extends SpotifyError {
  constructor(
    message: string,
    readonly status?: number,
    readonly oauthError?: string,
  ) {
    super(message);
  }
}

/** A Web API answer we do not retry (400, 403, 404, a second 401, or 5xx after all retries). */
export class SpotifyApiError extends SpotifyError {
  constructor(
    message: string,
    readonly status: number,
    readonly endpoint: string,
    readonly url: string,
    readonly reason?: string,
  ) {
    super(message);
  }
}

/** 404 on a Spotify-owned editorial or algorithmic playlist. */
export class EditorialPlaylistError extends SpotifyApiError {}
/** 403 on the items of a playlist the user neither owns nor collaborates on (development mode). */
export class PlaylistForbiddenError extends SpotifyApiError {}

export class RateLimitWaitTooLongError extends SpotifyError {
  constructor(
    readonly retryAfterS: number,
    readonly maxWaitS: number,
    url: string,
  ) {
    super(
      `Spotify rate limit: GET ${url} answered 429 with Retry-After ${retryAfterS} s, longer than this run may wait (${maxWaitS} s). ` +
        `Nothing was written for this playlist; run again later, or raise SPOTIFY_MAX_WAIT_S.`,
    );
  }
}

export class QuotaExceededError extends SpotifyError {
  constructor(url: string, readonly retryAfterS?: number) {
    super(
      `Spotify quota exceeded (429 QUOTA_EXCEEDED) on GET ${url}: the app has used up its request quota` +
        (retryAfterS !== undefined ? ` (Retry-After ${retryAfterS} s)` : "") +
        `. Retrying would not help; run again when the quota resets, or use another Spotify app's credentials.`,
    );
  }
}

export class SpotifyTimeoutError extends SpotifyError {}
/** Connection failures and bodies cut off in transit, after all retries. */
export class SpotifyNetworkError extends SpotifyError {}

/** A response whose body does not fit the schema; the message names the field. */
export class InvalidResponseError extends SpotifyError {}

export const EDITORIAL_ID_RE = /^(37i9dQZF1|37i9dQZEVXb)/;

export function isEditorialPlaylistId(id: string): boolean {
  return EDITORIAL_ID_RE.test(id);
}
