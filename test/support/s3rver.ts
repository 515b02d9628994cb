/**
 * Starts s3rver (an S3 stand-in) on 127.0.0.1, on a free port, with a fresh temp directory
 * and the given buckets already created. For tests only.
 *
 *   const s3 = await startS3rver(["lake"]);
 *   after(() => s3.close());
 *   const store = new S3Store({ bucket: "lake", client: s3.client });
 *
 * S3 notifications: s3rver emits an "event" on `server` for every PutObject, POST, copy and
 * delete, shaped like an S3 notification (`{ Records: [{ eventName: "ObjectCreated:Put",
 * s3: { bucket: { name }, object: { key, size, eTag } } }] }`), so a test can hand it to a
 * Lambda handler as its S3Event:
 *
 *   s3.server.on("event", (event) => void handler(event));
 *
 * Unlike real S3, s3rver puts keys in those records as they are, not URL-encoded (real S3
 * writes "snapshot_date%3D2026-11-25", spaces as "+"). Lake keys have no "%" or "+", so a
 * handler that decodes with decodeURIComponent(key.replace(/\+/g, " ")) reads both the same.
 * The event is emitted while s3rver handles the PutObject, before the client's put resolves.
 */
import crypto = require("node:crypto");
import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { EventEmitter } from "node:events";
import type { AddressInfo } from "node:net";
import { S3Client } from "@aws-sdk/client-s3";

/** The part of s3rver's API the tests use (the package ships no types). */
export interface S3rver extends EventEmitter {
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
}

interface S3rverOptions {
  address: string;
  port: number;
  silent: boolean;
  directory: string;
  configureBuckets: { name: string }[];
}

/**
 * s3rver encrypts ListObjectsV2 continuation tokens with single DES, which OpenSSL 3 (Node >= 17)
 * moved to the legacy provider: without this every truncated listing answers 500. Triple DES
 * with three equal keys is exactly single DES, so "des" is mapped to "des-ede3-cbc" — only
 * when "des" is unavailable, and only for that algorithm name.
 */
function supportS3rverContinuationTokens(): void {
  try {
    crypto.createCipheriv("des", Buffer.alloc(8), Buffer.alloc(8));
    return;
  } catch {
    // unavailable: install the mapping below
  }
  const mapped = (algorithm: string, key: crypto.CipherKey, iv: crypto.BinaryLike | null): [string, crypto.CipherKey, crypto.BinaryLike | null] =>
    algorithm === "des" ? ["des-ede3-cbc", Buffer.concat([key as Buffer, key as Buffer, key as Buffer]), iv] : [algorithm, key, iv];
  const cryptoModule = crypto as { createCipheriv: unknown; createDecipheriv: unknown };
  const { createCipheriv, createDecipheriv } = crypto;
  cryptoModule.createCipheriv = (algorithm: string, key: crypto.CipherKey, iv: crypto.BinaryLike | null, options?: unknown) =>
    createCipheriv(...mapped(algorithm, key, iv), options as undefined);
  cryptoModule.createDecipheriv = (algorithm: string, key: crypto.CipherKey, iv: crypto.BinaryLike | null, options?: unknown) =>
    createDecipheriv(...mapped(algorithm, key, iv), options as undefined);
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
const S3rverClass = require("s3rver") as new (options: S3rverOptions) => S3rver;

/** s3rver accepts any well-formed signature made with these. */
export const S3RVER_CREDENTIALS = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" };

export interface RunningS3rver {
  /** e.g. http://127.0.0.1:41234 */
  endpoint: string;
  /** A path-style client with the dummy credentials, ready to use against this server. */
  client: S3Client;
  /** The temp directory s3rver stores objects in; removed by close(). */
  dir: string;
  /** The s3rver instance: listen to its "event" for S3 notifications. */
  server: S3rver;
  close(): Promise<void>;
}

export async function startS3rver(buckets: string[]): Promise<RunningS3rver> {
  supportS3rverContinuationTokens();
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "s3rver-"));
  const server = new S3rverClass({
    address: "127.0.0.1",
    port: 0,
    silent: process.env.S3RVER_VERBOSE !== "1",
    directory: dir,
    configureBuckets: buckets.map((name) => ({ name })),
  });
  let address: AddressInfo;
  try {
    address = await server.run();
  } catch (err) {
    await fs.rm(dir, { recursive: true, force: true });
    throw err;
  }
  const endpoint = `http://127.0.0.1:${address.port}`;
  const client = new S3Client({
    endpoint,
    region: "us-east-1",
    forcePathStyle: true,
    credentials: S3RVER_CREDENTIALS,
  });
  return {
    endpoint,
    client,
    dir,
    server,
    async close() {
      client.destroy();
      await server.close();
      await fs.rm(dir, { recursive: true, force: true });
    },
  };
}
