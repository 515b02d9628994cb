/**
 * The fan-out handler with aws-sdk-client-mock: the list read from the stack's object, one
 * extraction request per playlist, ten per SendMessageBatch, partial failures retried for the
 * failed entries only, and a failure that stays a failure of the invocation (what Lambda's Errors
 * metric, and so the fan-out's alarm, counts).
 *
 * The mocked SQS follows SendMessageBatch as documented (SQS API reference): at most 10 entries
 * per call (TooManyEntriesInBatchRequest otherwise), entry ids distinct within the call
 * (BatchEntryIdsNotDistinct otherwise), and each entry reported in either `Successful` or
 * `Failed` ({Id, Code, SenderFault, Message}) with HTTP 200.
 */
import { expect } from "chai";
import { mockClient } from "aws-sdk-client-mock";
import { GetObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { SendMessageBatchCommand, SQSClient, type SendMessageBatchCommandInput, type SendMessageBatchCommandOutput } from "@aws-sdk/client-sqs";
import { Logger } from "@aws-lambda-powertools/logger";
import { createFanoutHandler, FanoutError, MAX_SEND_ATTEMPTS, snapshotDateOf } from "../handlers/fanout";
import { FANOUT_LOG, PLAYLISTS_OBJECT_KEY, playlistsDocument, parsePlaylistsDocument } from "../contracts/fanout";
import * as sinon from "sinon";
import { LAMBDA_CONTEXT } from "./support/logCapture";
import { s3Body } from "./support/s3Body";

const QUEUE_URL = "https://sqs.eu-west-1.amazonaws.com/123456789012/extract-requests";
const SETTINGS = { bucket: "lake", playlistsKey: PLAYLISTS_OBJECT_KEY, queueUrl: QUEUE_URL };
const SCHEDULED = { "detail-type": "Scheduled Event", time: "2026-11-25T06:00:00Z" };

/** 22-character base62-looking ids, distinct. */
function playlistIds(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `pl${String(i).padStart(20, "0")}`);
}

/** SendMessageBatch as SQS answers it; `fail(entryBody, attempt)` returns a failure for an entry, or nothing. */
function sqsModel(sent: { playlist_id: string; snapshot_date: string }[], fail: (playlistId: string, attempt: number) => { Code: string; SenderFault: boolean } | undefined) {
  const attempts = new Map<string, number>();
  return (input: SendMessageBatchCommandInput): SendMessageBatchCommandOutput => {
    const entries = input.Entries ?? [];
    if (entries.length > 10) throw Object.assign(new Error("Maximum number of entries per request are 10."), { name: "TooManyEntriesInBatchRequest" });
    if (new Set(entries.map((e) => e.Id)).size !== entries.length) throw Object.assign(new Error("Ids not distinct"), { name: "BatchEntryIdsNotDistinct" });
    const Successful: NonNullable<SendMessageBatchCommandOutput["Successful"]> = [];
    const Failed: NonNullable<SendMessageBatchCommandOutput["Failed"]> = [];
    for (const e of entries) {
      const body = JSON.parse(e.MessageBody!) as { playlist_id: string; snapshot_date: string };
      const attempt = (attempts.get(body.playlist_id) ?? 0) + 1;
      attempts.set(body.playlist_id, attempt);
      const failure = fail(body.playlist_id, attempt);
      if (failure) Failed.push({ Id: e.Id, Code: failure.Code, SenderFault: failure.SenderFault, Message: `${failure.Code} (modelled)` });
      else {
        sent.push(body);
        Successful.push({ Id: e.Id, MessageId: `m-${body.playlist_id}-${attempt}`, MD5OfMessageBody: "x" });
      }
    }
    return { Successful, Failed, $metadata: { httpStatusCode: 200 } };
  };
}

describe("fan-out handler (aws-sdk-client-mock)", () => {
  const s3 = mockClient(S3Client);
  const sqs = mockClient(SQSClient);
  const sleeps: number[] = [];
  const handlerFor = () =>
    createFanoutHandler(SETTINGS, { s3: new S3Client({}), sqs: new SQSClient({}), logger: new Logger({ serviceName: "fanout-test" }), sleep: async (ms) => void sleeps.push(ms), now: () => new Date("2026-11-25T06:00:03Z") });

  beforeEach(() => {
    s3.reset();
    sqs.reset();
    sleeps.length = 0;
  });
  after(() => {
    s3.restore();
    sqs.restore();
  });

  function listHolds(ids: string[]): void {
    s3.on(GetObjectCommand, { Bucket: "lake", Key: PLAYLISTS_OBJECT_KEY }).callsFake(() => ({ Body: s3Body(playlistsDocument(ids)) }));
  }

  it("queues 1,000 playlists in 100 SendMessageBatch calls of 10, each request naming its playlist and the scheduled day", async () => {
    const ids = playlistIds(1000);
    listHolds(ids);
    const sent: { playlist_id: string; snapshot_date: string }[] = [];
    sqs.on(SendMessageBatchCommand).callsFake(sqsModel(sent, () => undefined));
    const result = await handlerFor()(SCHEDULED, LAMBDA_CONTEXT);
    const calls = sqs.commandCalls(SendMessageBatchCommand);
    expect(calls).to.have.length(100);
    for (const c of calls) {
      expect(c.args[0].input.QueueUrl).to.equal(QUEUE_URL);
      expect(c.args[0].input.Entries).to.have.length(10);
    }
    expect(sent.map((m) => m.playlist_id)).to.deep.equal(ids);
    expect(new Set(sent.map((m) => m.snapshot_date))).to.deep.equal(new Set(["2026-11-25"]));
    expect(result).to.deep.equal({ snapshotDate: "2026-11-25", queued: 1000, batches: 100, retried: 0 });
  });

  it("sends again only the entries SQS reported in Failed, and succeeds when they get through", async () => {
    const ids = playlistIds(25);
    listHolds(ids);
    const sent: { playlist_id: string; snapshot_date: string }[] = [];
    const flaky = new Set([ids[3], ids[17]]);
    sqs.on(SendMessageBatchCommand).callsFake(sqsModel(sent, (id, attempt) => (flaky.has(id) && attempt === 1 ? { Code: "InternalError", SenderFault: false } : undefined)));
    const result = await handlerFor()(SCHEDULED);
    const calls = sqs.commandCalls(SendMessageBatchCommand).map((c) => c.args[0].input.Entries!.map((e) => JSON.parse(e.MessageBody!).playlist_id as string));
    // Batches of 10, 10, 5; the first two each followed by a retry holding only their failed entry.
    expect(calls.map((c) => c.length)).to.deep.equal([10, 1, 10, 1, 5]);
    expect(calls[1]).to.deep.equal([ids[3]]);
    expect(calls[3]).to.deep.equal([ids[17]]);
    expect([...sent.map((m) => m.playlist_id)].sort()).to.deep.equal([...ids].sort());
    expect(result.retried).to.equal(2);
    expect(sleeps).to.have.length(2);
  });

  it("fails the invocation, naming the playlists, when entries still fail after the retries (the Errors alarm's signal); the others are queued", async () => {
    const ids = playlistIds(12);
    listHolds(ids);
    const sent: { playlist_id: string; snapshot_date: string }[] = [];
    sqs.on(SendMessageBatchCommand).callsFake(sqsModel(sent, (id) => (id === ids[11] ? { Code: "KmsThrottled", SenderFault: false } : undefined)));
    const logger = new Logger({ serviceName: "fanout-test" });
    const logged = sinon.spy(logger, "error");
    const error = await createFanoutHandler(SETTINGS, { s3: new S3Client({}), sqs: new SQSClient({}), logger, sleep: async () => undefined })(SCHEDULED, LAMBDA_CONTEXT).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).to.be.instanceOf(FanoutError);
    expect((error as FanoutError).message).to.include(ids[11]).and.include("KmsThrottled").and.include("11 were");
    expect((error as FanoutError).notQueued.map((f) => f.playlistId)).to.deep.equal([ids[11]]);
    expect(sent.map((m) => m.playlist_id)).to.deep.equal(ids.slice(0, 11));
    // The failing entry was sent MAX_SEND_ATTEMPTS times, nothing else more than once.
    const perPlaylist = new Map<string, number>();
    for (const c of sqs.commandCalls(SendMessageBatchCommand)) for (const e of c.args[0].input.Entries!) {
      const id = JSON.parse(e.MessageBody!).playlist_id as string;
      perPlaylist.set(id, (perPlaylist.get(id) ?? 0) + 1);
    }
    expect(perPlaylist.get(ids[11])).to.equal(MAX_SEND_ATTEMPTS);
    expect([...perPlaylist].filter(([id, n]) => id !== ids[11] && n !== 1)).to.deep.equal([]);
    expect(logged.calledWith(FANOUT_LOG.notQueued), "logged at error level").to.equal(true);
  });

  it("does not send again an entry SQS says is the sender's fault (it would fail the same way)", async () => {
    const ids = playlistIds(3);
    listHolds(ids);
    sqs.on(SendMessageBatchCommand).callsFake(sqsModel([], (id) => (id === ids[0] ? { Code: "InvalidMessageContents", SenderFault: true } : undefined)));
    const run = handlerFor()(SCHEDULED);
    const err = await run.then(() => undefined, (e: unknown) => e);
    expect(err).to.be.instanceOf(FanoutError);
    expect(sqs.commandCalls(SendMessageBatchCommand)).to.have.length(1);
  });

  it("treats a whole failed call (after the SDK's own retries) like failed entries: retried, then named", async () => {
    const ids = playlistIds(4);
    listHolds(ids);
    sqs.on(SendMessageBatchCommand).rejects(Object.assign(new Error("Rate exceeded"), { name: "RequestThrottled" }));
    const err = await handlerFor()(SCHEDULED).then(() => undefined, (e: unknown) => e);
    expect(err).to.be.instanceOf(FanoutError);
    expect((err as FanoutError).notQueued.map((f) => f.code)).to.deep.equal(Array(4).fill("RequestThrottled"));
    expect(sqs.commandCalls(SendMessageBatchCommand)).to.have.length(MAX_SEND_ATTEMPTS);
  });

  it("refuses a list that is not the stack's document, saying how to write it again", async () => {
    s3.on(GetObjectCommand).callsFake(() => ({ Body: s3Body('{"playlists": ["a b"]}') }));
    const err = await handlerFor()(SCHEDULED).then(() => undefined, (e: unknown) => e);
    expect((err as Error).message).to.match(/Invalid playlist id "a b"/).and.match(/pulumi up/);
    expect(() => parsePlaylistsDocument("not json", "s3://lake/x")).to.throw(/not JSON.*pulumi up/);
    expect(() => parsePlaylistsDocument('{"playlists":["37i9dQZF1DWXIcbzpLauPS","spotify:playlist:37i9dQZF1DWXIcbzpLauPS"]}', "s3://lake/x")).to.throw(/more than once/);
    expect(sqs.commandCalls(SendMessageBatchCommand)).to.have.length(0);
  });

  it("takes the snapshot date from the scheduled time (UTC), or today for a direct invocation", () => {
    expect(snapshotDateOf({ time: "2026-11-25T23:59:59Z" }, new Date("2026-11-26T00:00:10Z"))).to.equal("2026-11-25");
    expect(snapshotDateOf({}, new Date("2026-11-26T00:00:10Z"))).to.equal("2026-11-26");
    expect(snapshotDateOf({ time: "garbage" }, new Date("2026-11-26T00:00:10Z"))).to.equal("2026-11-26");
  });
});
