import { ObjectNotFoundError, type ObjectStore } from "../storage/objectStore";

/**
 * The JSON at `key`, or undefined when there is no such object or it is not JSON: the cache and
 * the checkpoint are the extractor's own scratch, so a damaged one is read as absent (and
 * rewritten), never an error. Other storage errors (access denied, network) propagate.
 */
export async function readStoredJson(store: ObjectStore, key: string): Promise<unknown> {
  let body: Uint8Array;
  try {
    body = await store.get(key);
  } catch (err) {
    if (err instanceof ObjectNotFoundError) return undefined;
    throw new CacheStorageError("read", key, store, err);
  }
  try {
    return JSON.parse(Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString("utf8"));
  } catch {
    return undefined;
  }
}

/** Writes JSON at `key`, in one atomic put of the store. */
export async function writeStoredJson(store: ObjectStore, key: string, value: unknown): Promise<void> {
  try {
    await store.put(key, JSON.stringify(value), "application/json");
  } catch (err) {
    throw new CacheStorageError("write", key, store, err);
  }
}

/** The cache or checkpoint could not be read or written: says where, why, and what access the extractor needs. */
export class CacheStorageError extends Error {
  constructor(verb: "read" | "write", key: string, store: ObjectStore, cause: unknown) {
    super(
      `Could not ${verb} ${key} in ${store.location} (${cause instanceof Error ? cause.message : String(cause)}). ` +
        `The extractor needs to read and write under cache/spotify/ (on AWS its role's s3:GetObject and s3:PutObject on that prefix); ` +
        `nothing was written to raw_data/. Fix the access and run again.`,
      { cause },
    );
    this.name = "CacheStorageError";
  }
}
