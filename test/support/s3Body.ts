/**
 * A GetObject body as the AWS SDK for JavaScript v3 returns it in Node.js, for mocked S3 clients:
 * the HTTP response's Readable with the SDK's stream mixin assigned onto it
 * (@smithy/util-stream, sdk-stream-mixin.js: `Object.assign(stream, { transformToByteArray,
 * transformToString, transformToWebStream })`), so it can be iterated as a stream or collected
 * once; a second transform throws "The stream has already been transformed.", as the SDK's does.
 * The bytes come in chunks of `chunkBytes`, as an HTTP body does.
 */
import { Readable } from "node:stream";

export function s3Body(bytes: Uint8Array | string, chunkBytes = 16 * 1024): Readable & { transformToByteArray(): Promise<Uint8Array>; transformToString(): Promise<string> } {
  const all = typeof bytes === "string" ? Buffer.from(bytes, "utf8") : Buffer.from(bytes);
  const chunks: Buffer[] = [];
  for (let at = 0; at < all.length; at += chunkBytes) chunks.push(all.subarray(at, at + chunkBytes));
  const stream = Readable.from(chunks, { objectMode: false });
  let transformed = false;
  const transformToByteArray = async (): Promise<Uint8Array> => {
    if (transformed) throw new Error("The stream has already been transformed.");
    transformed = true;
    const read: Buffer[] = [];
    for await (const chunk of stream) read.push(chunk as Buffer);
    return new Uint8Array(Buffer.concat(read));
  };
  return Object.assign(stream, {
    transformToByteArray,
    transformToString: async () => Buffer.from(await transformToByteArray()).toString("utf8"),
  });
}
