/**
 * The storage the pipeline writes to: a local folder or an S3 bucket. Keys are lake keys
 * from lib/lake/layout.ts ("raw_data/...", "transformed_data/...").
 */
export interface ObjectStore {
  /** Writes the whole object or nothing: a reader never sees half a file. Replaces an existing key. */
  put(key: string, body: Uint8Array | string, contentType?: string): Promise<void>;
  /** Throws ObjectNotFoundError when the key does not exist. */
  get(key: string): Promise<Uint8Array>;
  /**
   * The object's bytes in pieces, in order: for reading a large object without holding all of it
   * (lib/snapshot/jsonLinesInPieces.ts). A piece may be overwritten by the next one: copy what
   * you keep. Optional; throws ObjectNotFoundError as get does.
   */
  getPieces?(key: string): AsyncIterable<Uint8Array>;
  /**
   * Writes the object only if the key does not exist yet; true when this call created it. Of
   * writers racing for one key exactly one gets true: concurrent extractions claim work with it
   * (lib/extract/claims.ts). Optional: without it a store offers no coordination.
   */
  create?(key: string, body: Uint8Array | string, contentType?: string): Promise<boolean>;
  exists(key: string): Promise<boolean>;
  /** Every key under the prefix, sorted. */
  list(prefix: string): Promise<string[]>;
  /** Where this store points, for messages: "/home/me/lake" or "s3://bucket". */
  readonly location: string;
}

export class ObjectNotFoundError extends Error {
  constructor(readonly key: string, location: string) {
    super(`No object "${key}" in ${location}.`);
    this.name = "ObjectNotFoundError";
  }
}

export function contentTypeFor(key: string): string {
  if (key.endsWith(".json")) return "application/json";
  if (key.endsWith(".csv")) return "text/csv; charset=utf-8";
  if (key.endsWith(".parquet")) return "application/vnd.apache.parquet";
  return "application/octet-stream";
}
