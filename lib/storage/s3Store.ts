/**
 * The S3 implementation of ObjectStore: the one file under lib/ allowed to import the AWS SDK.
 * The Lambdas pass their own S3Client (built once per container); the local runner and the
 * tests build one from an endpoint, so s3rver or MinIO on 127.0.0.1 can stand in for S3.
 */
import {
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
  type S3ClientConfig,
} from "@aws-sdk/client-s3";
import { ObjectNotFoundError, contentTypeFor, type ObjectStore } from "./objectStore";

export interface S3StoreOptions {
  bucket: string;
  /** A ready client (Lambda handlers); when absent one is built from the options below on first use. */
  client?: S3Client;
  /** e.g. http://127.0.0.1:4568 for s3rver or MinIO; absent means real S3. */
  endpoint?: string;
  region?: string;
  /** Path-style URLs (http://host/bucket/key): needed by most S3 stand-ins. Defaults to true when an endpoint is set. */
  forcePathStyle?: boolean;
  /** Keys per ListObjectsV2 page (S3 caps it at 1000). Small values exercise pagination in tests. */
  pageSize?: number;
}

export class S3Store implements ObjectStore {
  readonly bucket: string;
  private clientInstance: S3Client | undefined;
  private readonly clientConfig: S3ClientConfig;
  private readonly pageSize: number | undefined;

  constructor(opts: S3StoreOptions) {
    if (!opts.bucket) throw new Error("S3Store needs a bucket name (set LAKE_BUCKET).");
    this.bucket = opts.bucket;
    this.clientInstance = opts.client;
    this.pageSize = opts.pageSize;
    this.clientConfig = {
      region: opts.region,
      endpoint: opts.endpoint,
      forcePathStyle: opts.forcePathStyle ?? opts.endpoint !== undefined,
    };
  }

  get location(): string {
    return `s3://${this.bucket}`;
  }

  /** Built lazily so that constructing a store costs nothing until the first request. */
  get client(): S3Client {
    this.clientInstance ??= new S3Client(this.clientConfig);
    return this.clientInstance;
  }

  /** One PutObject: S3 makes an object visible whole or not at all, and replaces any older version of the key. */
  async put(key: string, body: Uint8Array | string, contentType?: string): Promise<void> {
    const bytes = typeof body === "string" ? new TextEncoder().encode(body) : body;
    await this.client.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: key,
        Body: bytes,
        ContentLength: bytes.byteLength,
        ContentType: contentType ?? contentTypeFor(key),
      }),
    );
  }

  /**
   * ObjectStore.create as a conditional PutObject: with If-None-Match "*" S3 writes the object only
   * if the key does not exist, and answers 412 Precondition Failed when it does, or 409
   * ConditionalRequestConflict while a concurrent conditional write of the key is in progress
   * (Amazon S3 User Guide, "How to prevent object overwrites with conditional writes"). Both: not ours.
   */
  async create(key: string, body: Uint8Array | string, contentType?: string): Promise<boolean> {
    const bytes = typeof body === "string" ? new TextEncoder().encode(body) : body;
    try {
      await this.client.send(
        new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: bytes, ContentLength: bytes.byteLength, ContentType: contentType ?? contentTypeFor(key), IfNoneMatch: "*" }),
      );
      return true;
    } catch (err) {
      if (err instanceof S3ServiceException && (err.$metadata.httpStatusCode === 412 || err.$metadata.httpStatusCode === 409)) return false;
      throw err;
    }
  }

  async get(key: string): Promise<Uint8Array> {
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      if (!out.Body) return new Uint8Array(0);
      return await out.Body.transformToByteArray();
    } catch (err) {
      if (isNotFound(err)) throw new ObjectNotFoundError(key, this.location);
      throw err;
    }
  }

  /**
   * The object's bytes in the chunks GetObject's body streams them in (ObjectStore.getPieces), so
   * a raw snapshot is transformed as it arrives, never whole in memory. In Node.js the body is the
   * HTTP response's Readable with the SDK's stream mixin (@smithy/util-stream sdkStreamMixin:
   * Object.assign(stream, { transformToByteArray, ... })): an async iterable of Buffers. A loop
   * that stops early ends the iteration, which destroys the stream and frees its connection.
   */
  async *getPieces(key: string): AsyncIterable<Uint8Array> {
    let body: unknown;
    try {
      body = (await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }))).Body;
    } catch (err) {
      if (isNotFound(err)) throw new ObjectNotFoundError(key, this.location);
      throw err;
    }
    if (body === undefined) return;
    if (typeof (body as AsyncIterable<Uint8Array>)[Symbol.asyncIterator] !== "function") {
      throw new Error(`GetObject's body for ${key} is not a Node.js stream; read it whole with get().`);
    }
    yield* body as AsyncIterable<Uint8Array>;
  }

  async exists(key: string): Promise<boolean> {
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  }

  async list(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    let continuationToken: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({
          Bucket: this.bucket,
          Prefix: prefix,
          ContinuationToken: continuationToken,
          MaxKeys: this.pageSize,
        }),
      );
      for (const object of page.Contents ?? []) if (object.Key !== undefined) keys.push(object.Key);
      continuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (continuationToken);
    return keys.sort();
  }
}

/** GetObject answers NoSuchKey; HeadObject has no body, so only the 404 status tells. A missing bucket is a setup error, not a missing object. */
function isNotFound(err: unknown): boolean {
  if (!(err instanceof S3ServiceException) || err.name === "NoSuchBucket") return false;
  return err.name === "NoSuchKey" || err.name === "NotFound" || err.$metadata.httpStatusCode === 404;
}

/**
 * Builds the lake store from the environment:
 * - LAKE_BUCKET (required): the bucket holding raw_data/ and transformed_data/.
 * - S3_ENDPOINT (optional): a non-AWS endpoint such as http://127.0.0.1:4568 (s3rver, MinIO).
 * - S3_FORCE_PATH_STYLE (optional, "true"/"false"): defaults to true when S3_ENDPOINT is set.
 * - AWS_REGION (optional): otherwise the SDK's usual region chain.
 * Credentials come from the SDK's default provider chain (AWS_ACCESS_KEY_ID, profiles, the Lambda role).
 */
export function s3StoreFromEnv(env: NodeJS.ProcessEnv = process.env, client?: S3Client): S3Store {
  const bucket = env.LAKE_BUCKET?.trim();
  if (!bucket) throw new Error("LAKE_BUCKET is not set: set it to the name of the lake bucket (for example LAKE_BUCKET=my-lake).");
  const pathStyle = env.S3_FORCE_PATH_STYLE?.trim().toLowerCase();
  if (pathStyle !== undefined && pathStyle !== "" && pathStyle !== "true" && pathStyle !== "false") {
    throw new Error(`S3_FORCE_PATH_STYLE is "${env.S3_FORCE_PATH_STYLE}": use true or false.`);
  }
  return new S3Store({
    bucket,
    client,
    endpoint: env.S3_ENDPOINT?.trim() || undefined,
    region: env.AWS_REGION?.trim() || undefined,
    forcePathStyle: pathStyle === "true" ? true : pathStyle === "false" ? false : undefined,
  });
}
