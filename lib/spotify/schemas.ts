/**
 * The Spotify Web API responses we rely on, checked at the boundary. Only the fields the
 * pipeline uses are required; everything else passes through untouched (loose objects),
 * because the raw snapshot keeps responses as the API returned them.
 * Fields Spotify removed for development-mode apps (popularity, followers, genres, label)
 * are optional and nullable: never a crash, never a fake 0.
 */
import { z } from "zod";

const ExternalUrls = z.looseObject({ spotify: z.string().optional() });

export const SimplifiedArtist = z.looseObject({
  id: z.string(),
  name: z.string(),
  external_urls: ExternalUrls.optional(),
});

export const ReleaseDatePrecision = z.enum(["year", "month", "day"]);

export const SimplifiedAlbum = z.looseObject({
  id: z.string(),
  name: z.string(),
  album_type: z.string(),
  total_tracks: z.number().int().nonnegative(),
  release_date: z.string(),
  release_date_precision: ReleaseDatePrecision,
  artists: z.array(SimplifiedArtist),
  external_urls: ExternalUrls.optional(),
});

export const Track = z.looseObject({
  type: z.literal("track"),
  id: z.string(),
  name: z.string(),
  duration_ms: z.number().int().nonnegative(),
  explicit: z.boolean(),
  disc_number: z.number().int(),
  track_number: z.number().int(),
  is_local: z.boolean().optional(),
  popularity: z.number().int().nullish(),
  external_ids: z.looseObject({ isrc: z.string().nullish() }).nullish(),
  external_urls: ExternalUrls.optional(),
  album: SimplifiedAlbum,
  artists: z.array(SimplifiedArtist).min(1),
});

export const Artist = z.looseObject({
  id: z.string(),
  name: z.string(),
  genres: z.array(z.string()).nullish(),
  popularity: z.number().int().nullish(),
  followers: z.looseObject({ total: z.number().int().nullable() }).nullish(),
  external_urls: ExternalUrls.optional(),
});

export const Album = SimplifiedAlbum.extend({
  label: z.string().nullish(),
  popularity: z.number().int().nullish(),
});

/**
 * One playlist entry. The 2026 API sends `item` (and, during the transition, the deprecated
 * `track` too); older responses only `track`. The item is checked per entry (see readEntry),
 * because null items, local files and episodes are legal and skipped.
 */
export const PlaylistEntry = z.looseObject({
  added_at: z.string().nullish(),
  added_by: z.looseObject({ id: z.string().nullish() }).nullish(),
  is_local: z.boolean().nullish(),
  item: z.unknown().optional(),
  track: z.unknown().optional(),
});

export const PlaylistItemsPage = z.looseObject({
  items: z.array(PlaylistEntry),
  next: z.string().nullable(),
  total: z.number().int().nonnegative(),
  offset: z.number().int().nonnegative().optional(),
  limit: z.number().int().optional(),
});

/** The playlist object. Its embedded page (`items` new, `tracks` old) may be absent or only {href,total}. */
export const Playlist = z.looseObject({
  id: z.string(),
  name: z.string(),
  snapshot_id: z.string(),
  description: z.string().nullish(),
  owner: z.looseObject({ id: z.string(), display_name: z.string().nullish() }),
  external_urls: ExternalUrls.optional(),
  items: z.unknown().optional(),
  tracks: z.unknown().optional(),
});

export const SeveralArtists = z.looseObject({ artists: z.array(Artist.nullable()) });
export const SeveralAlbums = z.looseObject({ albums: z.array(Album.nullable()) });

/**
 * A token goes into an Authorization header (RFC 6750 §2.1: b64token, visible ASCII only): one
 * with a space or a control character (CR/LF) could never be sent, so it is refused where it
 * arrives, once, without its value in the message.
 */
const HeaderSafeToken = z.string().regex(/^[\x21-\x7E]+$/, "not a token that can be sent in a header (it holds spaces or control characters)");

export const TokenResponse = z.looseObject({
  access_token: HeaderSafeToken,
  token_type: z.string(),
  expires_in: z.number().positive(),
  refresh_token: HeaderSafeToken.optional(),
  scope: z.string().optional(),
});

/** Web API error body: {"error": {"status", "message", "reason"?}}. */
export const ApiErrorBody = z.looseObject({
  error: z.looseObject({ status: z.number().optional(), message: z.string().optional(), reason: z.string().optional() }),
});
/** Token endpoint error body (OAuth): {"error": "invalid_client", "error_description"}. */
export const OAuthErrorBody = z.looseObject({ error: z.string(), error_description: z.string().optional() });

export type SimplifiedArtist = z.infer<typeof SimplifiedArtist>;
export type SimplifiedAlbum = z.infer<typeof SimplifiedAlbum>;
export type Track = z.infer<typeof Track>;
export type Artist = z.infer<typeof Artist>;
export type Album = z.infer<typeof Album>;
export type PlaylistEntry = z.infer<typeof PlaylistEntry>;
export type PlaylistItemsPage = z.infer<typeof PlaylistItemsPage>;
export type Playlist = z.infer<typeof Playlist>;
export type TokenResponse = z.infer<typeof TokenResponse>;

export type EntryKind = "track" | "null_item" | "local_file" | "episode";

/** Classifies one entry: `item ?? track`, skipping null items, local files and episodes; throws a z.ZodError for a track that does not fit. */
export function readEntry(entry: PlaylistEntry): { kind: "track"; track: Track } | { kind: Exclude<EntryKind, "track"> } {
  const raw = entry.item ?? entry.track ?? null;
  if (raw === null || raw === undefined) return { kind: "null_item" };
  const item = raw as { type?: unknown; is_local?: unknown };
  if (entry.is_local === true || item.is_local === true) return { kind: "local_file" };
  if (item.type === "episode") return { kind: "episode" };
  return { kind: "track", track: Track.parse(raw) };
}

/** Names the first failing field of a zod error, e.g. `items[3].item.album.release_date_precision`. */
export function describeZodError(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return "invalid value";
  const where = issue.path.reduce<string>(
    (acc, part) => (typeof part === "number" ? `${acc}[${part}]` : acc ? `${acc}.${String(part)}` : String(part)),
    "",
  );
  return `${where || "(root)"}: ${issue.message}`;
}
