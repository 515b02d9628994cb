import { expect } from "chai";
import * as sinon from "sinon";
import { HeadObjectCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { S3Store, s3StoreFromEnv } from "../lib/storage/s3Store";
import { ObjectNotFoundError } from "../lib/storage/objectStore";
import { rawSnapshotKey } from "../lib/lake/layout";
import { S3RVER_CREDENTIALS, startS3rver, type RunningS3rver } from "./support/s3rver";

const BUCKET = "lake";

describe("S3Store against s3rver", () => {
  let s3: RunningS3rver;
  let store: S3Store;

  beforeEach(async () => {
    s3 = await startS3rver([BUCKET]);
    store = new S3Store({ bucket: BUCKET, client: s3.client });
  });
  afterEach(async () => {
    sinon.restore();
    await s3.close();
  });

  it("reads back UTF-8 text byte for byte, with the content type of the key", async () => {
    const key = rawSnapshotKey("2026-11-25", "3cEYpjA9oz9GiPac4AsH4n");
    const text = JSON.stringify({ name: "Beyoncé – 🎧 “Déjà vu”", n: 1 });
    await store.put(key, text);

    const back = await store.get(key);
    expect(back).to.be.instanceOf(Uint8Array);
    expect(Buffer.from(back).equals(Buffer.from(text, "utf8"))).to.equal(true);
    expect(new TextDecoder().decode(back)).to.equal(text);

    const head = await s3.client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }));
    expect(head.ContentType).to.equal("application/json");
    expect(head.ContentLength).to.equal(Buffer.byteLength(text, "utf8"));
  });

  it("reads back binary bytes exactly (every byte value), with an explicit content type kept", async () => {
    const bytes = new Uint8Array(512).map((_, i) => (i * 7 + 3) % 256);
    await store.put("transformed_data/tracks/parquet/x.parquet", bytes);
    await store.put("misc/blob.bin", bytes, "application/x-custom");

    expect(Array.from(await store.get("transformed_data/tracks/parquet/x.parquet"))).to.deep.equal(Array.from(bytes));
    const parquetHead = await s3.client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: "transformed_data/tracks/parquet/x.parquet" }));
    expect(parquetHead.ContentType).to.equal("application/vnd.apache.parquet");
    const blobHead = await s3.client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: "misc/blob.bin" }));
    expect(blobHead.ContentType).to.equal("application/x-custom");
  });

  it("replaces an object written again under the same key: new content, still one key", async () => {
    const key = rawSnapshotKey("2026-11-25", "playlistA");
    await store.put(key, '{"run":1,"padding":"a longer first version"}');
    await store.put(key, '{"run":2}');

    expect(new TextDecoder().decode(await store.get(key))).to.equal('{"run":2}');
    expect(await store.list("raw_data/")).to.deep.equal([key]);
  });

  it("lists every key under a prefix, sorted, and nothing outside it", async () => {
    const keys = [
      rawSnapshotKey("2026-11-25", "zzz"),
      rawSnapshotKey("2026-11-25", "aaa"),
      rawSnapshotKey("2026-11-24", "mmm"),
      "transformed_data/tracks/csv/snapshot_date=2026-11-25/part.csv",
      "raw_data/rejected/snapshot_date=2026-11-25/bad.json",
    ];
    for (const key of keys) await store.put(key, "{}");

    expect(await store.list("raw_data/snapshot_date=2026-11-25/")).to.deep.equal([
      rawSnapshotKey("2026-11-25", "aaa"),
      rawSnapshotKey("2026-11-25", "zzz"),
    ]);
    expect(await store.list("raw_data/snapshot_date=")).to.deep.equal([
      rawSnapshotKey("2026-11-24", "mmm"),
      rawSnapshotKey("2026-11-25", "aaa"),
      rawSnapshotKey("2026-11-25", "zzz"),
    ]);
    expect(await store.list("")).to.deep.equal([...keys].sort());
    expect(await store.list("nothing/here/")).to.deep.equal([]);
  });

  it("follows continuation tokens across pages until the listing is complete", async () => {
    const paged = new S3Store({ bucket: BUCKET, client: s3.client, pageSize: 2 });
    const keys = ["e", "a", "d", "b", "c"].map((id) => rawSnapshotKey("2026-11-25", id));
    for (const key of keys) await paged.put(key, "{}");
    await paged.put("transformed_data/outside.csv", "x");
    const send = sinon.spy(s3.client, "send");

    expect(await paged.list("raw_data/")).to.deep.equal([...keys].sort());

    const listCalls = send.getCalls().map((c) => c.args[0]).filter((cmd) => cmd instanceof ListObjectsV2Command) as ListObjectsV2Command[];
    expect(listCalls).to.have.length(3); // 2 + 2 + 1 keys
    expect(listCalls[0]!.input.ContinuationToken).to.equal(undefined);
    expect(listCalls[1]!.input.ContinuationToken).to.be.a("string").and.not.equal("");
    expect(listCalls[2]!.input.ContinuationToken).to.be.a("string").and.not.equal(listCalls[1]!.input.ContinuationToken);
    expect(listCalls.every((cmd) => cmd.input.MaxKeys === 2 && cmd.input.Prefix === "raw_data/")).to.equal(true);
  });

  it("throws ObjectNotFoundError for a missing key, naming the key and the bucket", async () => {
    const err = await store.get("raw_data/snapshot_date=2026-01-01/playlist_id=none.json").then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(ObjectNotFoundError);
    expect((err as ObjectNotFoundError).key).to.equal("raw_data/snapshot_date=2026-01-01/playlist_id=none.json");
    expect((err as Error).message).to.include("s3://lake");
  });

  it("streams an object in pieces whose bytes, in order, are the object's; a missing key is ObjectNotFoundError", async () => {
    const key = rawSnapshotKey("2026-11-20", "37i9dQZF1DXcBWIGoYBM5M");
    const text = Array.from({ length: 40_000 }, (_, i) => `{"i":${i},"name":"Ünïcode 藝術家 ${i}"}`).join(",\n");
    await store.put(key, text);
    const pieces: Uint8Array[] = [];
    for await (const piece of store.getPieces(key)) pieces.push(Buffer.from(piece));
    expect(pieces.length, "more than one piece").to.be.greaterThan(1);
    expect(Buffer.concat(pieces).toString("utf8")).to.equal(text);
    const missing = async () => {
      for await (const piece of store.getPieces("raw_data/none.json")) void piece;
    };
    const err = await missing().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(ObjectNotFoundError);
  });

  // The SDK's Node.js handler keeps at most 50 sockets per agent (@smithy/node-http-handler,
  // NodeHttpHandler.resolveDefaultConfig: `const maxSockets = 50`), so a stream left open holds one
  // of them: past 50 such reads, a further request would wait forever.
  it("frees the connection of a stream left after its first piece: 60 such reads (more than the SDK's 50 sockets), then a whole one", async () => {
    const key = "raw_data/big.json";
    await store.put(key, "x".repeat(2 * 1024 * 1024));
    for (let i = 0; i < 60; i++) {
      for await (const piece of store.getPieces(key)) {
        expect(piece.byteLength).to.be.greaterThan(0);
        break;
      }
    }
    expect((await store.get(key)).byteLength).to.equal(2 * 1024 * 1024);
  });

  it("does not mistake a missing bucket for a missing object", async () => {
    const wrongBucket = new S3Store({ bucket: "no-such-bucket", client: s3.client });
    const err = await wrongBucket.get("a.json").then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(Error);
    expect(err).not.to.be.instanceOf(ObjectNotFoundError);
    expect((err as Error).name).to.equal("NoSuchBucket");
  });

  it("says whether a key exists", async () => {
    await store.put("raw_data/here.json", "{}");
    expect(await store.exists("raw_data/here.json")).to.equal(true);
    expect(await store.exists("raw_data/not-here.json")).to.equal(false);
    expect(await store.exists("raw_data/her")).to.equal(false); // a prefix is not an object
  });

  it("builds its own path-style client from the environment (S3_ENDPOINT, LAKE_BUCKET, AWS_REGION)", async () => {
    // The SDK reads credentials from process.env; s3rver's dummy ones, restored afterwards.
    sinon.stub(process, "env").value({
      ...process.env,
      AWS_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey,
    });
    const fromEnv = s3StoreFromEnv({ LAKE_BUCKET: BUCKET, S3_ENDPOINT: s3.endpoint, AWS_REGION: "eu-west-1" });
    expect(fromEnv.location).to.equal("s3://lake");

    await fromEnv.put("raw_data/env.json", '{"ok":true}');
    expect(new TextDecoder().decode(await store.get("raw_data/env.json"))).to.equal('{"ok":true}');
    expect(await fromEnv.list("raw_data/")).to.deep.equal(["raw_data/env.json"]);
    fromEnv.client.destroy();
  });
});

describe("s3StoreFromEnv", () => {
  it("asks for LAKE_BUCKET when it is missing", () => {
    expect(() => s3StoreFromEnv({})).to.throw(/LAKE_BUCKET is not set/);
  });

  it("rejects an S3_FORCE_PATH_STYLE that is not true or false", () => {
    expect(() => s3StoreFromEnv({ LAKE_BUCKET: "b", S3_FORCE_PATH_STYLE: "yes" })).to.throw(/S3_FORCE_PATH_STYLE.*true or false/);
  });

  it("uses the client it is given (a Lambda's) and points at s3://bucket", () => {
    const client = new S3Client({ region: "eu-west-1" });
    const store = s3StoreFromEnv({ LAKE_BUCKET: " my-lake " }, client);
    expect(store.location).to.equal("s3://my-lake");
    expect(store.client).to.equal(client);
    client.destroy();
  });
});
