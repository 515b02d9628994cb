/**
 * The fan-out Lambda's contract: its entry, its environment, where the stack keeps the playlist
 * list, and the one rule that reads that list (Pulumi config at deploy time, the fan-out at run
 * time: the same ids, normalized and checked the same way).
 *
 * Why an S3 object in the lake bucket, not an environment variable or an SSM parameter: the list
 * grows with the user's data. Lambda quotas: "The total size of all environment variables doesn't
 * exceed 4 KB"; Systems Manager quotas: a String parameter's value is at most 4 KB (standard tier)
 * or 8 KB (advanced tier). 1,000 playlist ids are about 24 KB of JSON; an S3 object holds up to
 * 5 TB and the fan-out already reads from the lake bucket, so one object written by the stack
 * (aws.s3.BucketObjectv2) holds any list with no new service or quota.
 */
import { normalizePlaylistId } from "../lib/lake/layout";
import { requireEnv, type Env } from "./env";

export const FANOUT_HANDLER = { entry: "fanout", exportName: "fanoutHandlerFromEnv" } as const;

export const FANOUT_ENV = {
  bucket: "LAKE_BUCKET",
  playlistsKey: "PLAYLISTS_KEY",
  queueUrl: "EXTRACT_QUEUE_URL",
} as const;

/**
 * The object the stack writes with the configured playlists. Outside raw_data/ (the transform's
 * trigger), transformed_data/ (the crawlers' roots) and cache/ (the extractor's): nothing else reads it.
 */
export const PLAYLISTS_OBJECT_KEY = "pipeline/playlists.json";

/**
 * SQS API reference, SendMessageBatch: "You can send up to 10 messages in a single request"
 * (TooManyEntriesInBatchRequest: "the maximum number of entries you can include in a single
 * SendMessageBatch ... request is 10").
 */
export const SQS_MAX_BATCH_ENTRIES = 10;

export interface FanoutEnv {
  bucket: string;
  playlistsKey: string;
  queueUrl: string;
}

export function parseFanoutEnv(env: Env): FanoutEnv {
  return {
    bucket: requireEnv(env, FANOUT_ENV.bucket, "fan-out"),
    playlistsKey: requireEnv(env, FANOUT_ENV.playlistsKey, "fan-out"),
    queueUrl: requireEnv(env, FANOUT_ENV.queueUrl, "fan-out"),
  };
}

/** The JSON document at PLAYLISTS_OBJECT_KEY. */
export interface PlaylistsDocument {
  playlists: string[];
}

/**
 * The playlists rule: a non-empty list of playlist ids (bare ids, spotify:playlist: URIs or
 * open.spotify.com links, normalized to the id), none twice. `where` names the source in errors.
 */
export function parsePlaylists(value: unknown, where: string, fix: string): string[] {
  if (!Array.isArray(value) || value.length === 0 || value.some((p) => typeof p !== "string")) {
    throw new Error(`${where} must be a non-empty list of playlist ids: ${fix}.`);
  }
  const ids = (value as string[]).map((p) => {
    try {
      return normalizePlaylistId(p);
    } catch (err) {
      throw new Error(`${where}: ${(err as Error).message} (${fix})`);
    }
  });
  const seen = new Set<string>();
  const twice = ids.filter((id) => (seen.has(id) ? true : (seen.add(id), false)));
  if (twice.length > 0) throw new Error(`${where} lists ${[...new Set(twice)].join(", ")} more than once: keep one entry per playlist (${fix}).`);
  return ids;
}

export function playlistsDocument(playlists: string[]): string {
  const doc: PlaylistsDocument = { playlists };
  return `${JSON.stringify(doc, null, 1)}\n`;
}

/** Reads the stack's object; the message says how to repair it (it is the stack's, so `pulumi up` rewrites it). */
export function parsePlaylistsDocument(text: string, location: string): string[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new Error(`${location} is not JSON: run \`pulumi up\` to write it again from the stack's "playlists" config.`);
  }
  return parsePlaylists((doc as Partial<PlaylistsDocument> | null)?.playlists, `"playlists" in ${location}`, "run `pulumi up` to write it again from the stack's config");
}

export const FANOUT_LOG = {
  queued: "extraction requests queued",
  notQueued: "extraction requests not queued",
} as const;
