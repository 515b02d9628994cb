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
    throw err;
  }
  try {
    return JSON.parse(Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString("utf8"));
  } catch {
    return undefined;
  }
}
