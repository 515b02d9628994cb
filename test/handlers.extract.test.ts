/**
 * The extract handler against the Spotify stand-in on 127.0.0.1, with Secrets Manager mocked:
 * credentials from the secret, one playlist per invocation, a rotated refresh token written
 * back with PutSecretValue and used by the next invocation, and failures that say why.
 */
import { expect } from "chai";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { mockClient } from "aws-sdk-client-mock";
import { GetSecretValueCommand, PutSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { Logger } from "@aws-lambda-powertools/logger";
import { createExtractHandler, extractHandlerFromEnv, QueuedExtractionsFailedError, type ExtractSettings } from "../handlers/extract";
import { captureJsonLogs, LAMBDA_CONTEXT } from "./support/logCapture";
import { EXTRACT_LOG } from "../contracts/extract";
import { rawSnapshotKey, SPOTIFY_CACHE_PREFIX } from "../lib/lake/layout";
import { ExtractionIncompleteError } from "../lib/extract/errors";
import { parseRawSnapshot } from "../lib/snapshot/rawSnapshot";
import { startSpotifyStandIn, type StandIn, type StandInOptions } from "../lib/standin/spotifyStandIn";
import { LocalStore } from "../lib/storage/localStore";
import { testData, THE_CORE_ID, TO_FIND_ID } from "./support/spotifyTestData";

const SECRET_ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:spotify-credentials-AbCdEf";
const TOKEN_SECRET_ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:spotify-refresh-token-GhIjKl";
const REFRESH_TOKEN = "initial-refresh-token";
const NOW = new Date("2026-11-25T06:00:05Z");

const mockSecretsManagerClient = () => mockClient(SecretsManagerClient);

describe("extract handler (Spotify stand-in, mocked Secrets Manager)", function () {
  this.timeout(20_000);
  let secrets: ReturnType<typeof mockSecretsManagerClient>;
  let standIn: StandIn | undefined;
  let dir: string;
  /** What the mocked secret holds now: PutSecretValue replaces it, as Secrets Manager would. */
  let secretString: string;

  before(() => (secrets = mockSecretsManagerClient()));
  after(() => secrets.restore());
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), "extract-handler-"));
    secretString = JSON.stringify({ client_id: "client", refresh_token: REFRESH_TOKEN });
    secrets.on(GetSecretValueCommand, { SecretId: SECRET_ARN }).callsFake(() => ({ ARN: SECRET_ARN, SecretString: secretString }));
    secrets.on(PutSecretValueCommand, { SecretId: SECRET_ARN }).callsFake((input: { SecretString: string }) => {
      secretString = input.SecretString;
      return { ARN: SECRET_ARN };
    });
  });
  afterEach(async () => {
    secrets.reset();
    await standIn?.close();
    standIn = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  /** A handler as one Lambda execution environment (container) holds it, against the running stand-in. */
  function containerHandler(store: LocalStore, settings: Partial<ExtractSettings> = {}) {
    return createExtractHandler(
      { bucket: "lake", secretArn: SECRET_ARN, authMode: "refresh_token", apiUrl: standIn!.apiUrl, accountsUrl: standIn!.accountsUrl, concurrency: 4, timeoutMs: 3000, maxWaitS: 2, ...settings },
      { store, secretsManager: new SecretsManagerClient({ region: "eu-west-1" }), logger: new Logger({ serviceName: "test", logLevel: "SILENT" }), now: () => NOW },
    );
  }

  async function handlerFor(options: Partial<StandInOptions>, settings: Partial<ExtractSettings> = {}) {
    standIn = await startSpotifyStandIn({ data: testData(), credentials: { clientId: "client", refreshToken: REFRESH_TOKEN }, ...options });
    const store = new LocalStore(dir);
    return { handler: containerHandler(store, settings), store };
  }

  it("lands the playlist of its event as a raw snapshot, signed in with the secret's refresh token", async () => {
    const { handler, store } = await handlerFor({});
    const result = await handler({ playlist_id: TO_FIND_ID });
    expect(result.key).to.equal(rawSnapshotKey("2026-11-25", TO_FIND_ID));
    expect(await store.list("raw_data/")).to.deep.equal([result.key]);
    // Everything else it wrote is its artist and album cache.
    expect((await store.list("")).filter((k) => !k.startsWith("raw_data/") && !k.startsWith(SPOTIFY_CACHE_PREFIX))).to.deep.equal([]);
    expect(result.cache).to.deep.equal({ reused: 0, fetched_new: 3, refreshed: 0 });
    const snapshot = parseRawSnapshot(await store.get(result.key));
    expect(snapshot.playlist_id).to.equal(TO_FIND_ID);
    expect(snapshot.extraction.auth_mode).to.equal("refresh_token");
    expect(result.refreshTokenRotated).to.equal(false);
    expect(secrets.commandCalls(GetSecretValueCommand)).to.have.length(1);
    expect(secrets.commandCalls(PutSecretValueCommand)).to.have.length(0);
  });

  it("takes its request from the extract queue's SQS message as from a direct invocation (contract C3: key and snapshotDate)", async () => {
    const { handler, store } = await handlerFor({});
    // The shape Lambda's SQS event source delivers (Lambda developer guide, "Using Lambda with Amazon SQS": example event).
    const sqsEvent = { Records: [{ messageId: "m-1", eventSource: "aws:sqs", body: JSON.stringify({ playlist_id: TO_FIND_ID, snapshot_date: "2026-11-24" }) }] };
    const fromQueue = await handler(sqsEvent, { awsRequestId: "req-1", functionName: "extract", getRemainingTimeInMillis: () => 300_000 });
    // A partial batch response with nothing to deliver again (Lambda developer guide, "Implementing partial batch responses").
    expect(fromQueue).to.deep.equal({ batchItemFailures: [] });
    const direct = await handler({ playlist_id: TO_FIND_ID });
    expect(direct).to.include({ key: rawSnapshotKey("2026-11-25", TO_FIND_ID), snapshotDate: "2026-11-25" });
    expect(await store.list("raw_data/")).to.have.members([rawSnapshotKey("2026-11-24", TO_FIND_ID), direct.key]);
  });

  it("logs every line with the Lambda context: request id and cold start (Powertools addContext)", async () => {
    standIn = await startSpotifyStandIn({ data: testData(), credentials: { clientId: "client", refreshToken: REFRESH_TOKEN } });
    const handler = createExtractHandler(
      { bucket: "lake", secretArn: SECRET_ARN, authMode: "refresh_token", apiUrl: standIn.apiUrl, accountsUrl: standIn.accountsUrl, concurrency: 4, timeoutMs: 3000, maxWaitS: 2 },
      { store: new LocalStore(dir), secretsManager: new SecretsManagerClient({ region: "eu-west-1" }), logger: new Logger({ serviceName: "test", logLevel: "INFO" }), now: () => NOW },
    );
    const { error, records } = await captureJsonLogs(() => handler({ playlist_id: TO_FIND_ID }, LAMBDA_CONTEXT));
    expect(error).to.equal(undefined);
    expect(records.map((r) => r.message)).to.include(EXTRACT_LOG.landed);
    for (const r of records) expect(r).to.include({ function_request_id: LAMBDA_CONTEXT.awsRequestId }).and.have.property("cold_start");
  });

  it("reports each bad queue message for redelivery (then the dead-letter queue) and still lands the good ones: no body, not JSON, a null record, a date the CLI refuses", async () => {
    const { handler, store } = await handlerFor({});
    const event = {
      Records: [
        { messageId: "m-nobody", eventSource: "aws:sqs" },
        { messageId: "m-text", eventSource: "aws:sqs", body: "playlist please" },
        null,
        { messageId: "m-good", eventSource: "aws:sqs", body: JSON.stringify({ playlist_id: TO_FIND_ID, snapshot_date: "2026-11-24" }) },
      ],
    };
    const answer = await handler(event);
    expect(answer).to.deep.equal({ batchItemFailures: [{ itemIdentifier: "m-nobody" }, { itemIdentifier: "m-text" }] });
    expect(await store.list("raw_data/")).to.deep.equal([rawSnapshotKey("2026-11-24", TO_FIND_ID)]);
    // One date rule for the CLI and the Lambda (lib/lake/layout.ts, assertSnapshotDateInRange): a typo'd year is refused, not landed.
    for (const date of ["9999-12-31", "0001-01-01"]) {
      const err = await handler({ playlist_id: TO_FIND_ID, snapshot_date: date }).catch((e: Error) => e);
      expect((err as Error).message, date).to.include(`Snapshot date ${date} is out of range`);
    }
    // From the queue, a real failure (here the date) fails the invocation, named by message, after the others ran.
    const bad = await handler({ Records: [{ messageId: "m-9999", eventSource: "aws:sqs", body: JSON.stringify({ playlist_id: TO_FIND_ID, snapshot_date: "9999-12-31" }) }] }).catch((e: Error) => e);
    expect(bad).to.be.instanceOf(QueuedExtractionsFailedError);
    expect((bad as Error).message).to.include("m-9999").and.include("out of range");
    expect(await store.list("raw_data/")).to.deep.equal([rawSnapshotKey("2026-11-24", TO_FIND_ID)]);
  });

  it("from the queue, an extraction stopped before the deadline (C4) is a message to deliver again, not a failed invocation (no Errors alarm)", async () => {
    const { handler, store } = await handlerFor({});
    const requests = standIn!.requests;
    const event = { Records: [{ messageId: "m-slow", eventSource: "aws:sqs", body: JSON.stringify({ playlist_id: TO_FIND_ID, snapshot_date: "2026-11-25" }) }] };
    const answer = await handler(event, { getRemainingTimeInMillis: () => 40_000 - 5_000 * requests.length });
    expect(answer).to.deep.equal({ batchItemFailures: [{ itemIdentifier: "m-slow" }] });
    expect(await store.list("raw_data/")).to.deep.equal([]);
    // The redelivery resumes and lands it.
    expect(await handler(event, { getRemainingTimeInMillis: () => 600_000 })).to.deep.equal({ batchItemFailures: [] });
    expect(await store.list("raw_data/")).to.deep.equal([rawSnapshotKey("2026-11-25", TO_FIND_ID)]);
  });

  it("with the refresh token in its own secret, reads it there and writes a rotation only there: the app credentials' secret (the stack's) is never written", async () => {
    let tokenString = JSON.stringify({ refresh_token: REFRESH_TOKEN });
    secretString = JSON.stringify({ client_id: "client" });
    secrets.on(GetSecretValueCommand, { SecretId: TOKEN_SECRET_ARN }).callsFake(() => ({ ARN: TOKEN_SECRET_ARN, SecretString: tokenString }));
    secrets.on(PutSecretValueCommand, { SecretId: TOKEN_SECRET_ARN }).callsFake((input: { SecretString: string }) => {
      tokenString = input.SecretString;
      return { ARN: TOKEN_SECRET_ARN };
    });
    const { handler } = await handlerFor({ rotateRefreshToken: true, editorial404: false }, { refreshTokenSecretArn: TOKEN_SECRET_ARN });
    const first = await handler({ playlist_id: TO_FIND_ID });
    expect(first.refreshTokenRotated).to.equal(true);
    const puts = secrets.commandCalls(PutSecretValueCommand).map((c) => c.args[0].input);
    expect(puts.map((p) => p.SecretId)).to.deep.equal([TOKEN_SECRET_ARN]);
    expect(JSON.parse(tokenString)).to.deep.equal({ refresh_token: standIn!.refreshTokens()[0] });
    expect(JSON.parse(secretString)).to.deep.equal({ client_id: "client" });
    const second = await handler({ playlist_id: THE_CORE_ID });
    expect(second.entries).to.be.greaterThan(0);
  });

  it("writes a rotated refresh token back to the secret, and the next invocation signs in with it", async () => {
    const { handler } = await handlerFor({ rotateRefreshToken: true, editorial404: false });
    const first = await handler({ playlist_id: TO_FIND_ID });
    expect(first.refreshTokenRotated).to.equal(true);
    const puts = secrets.commandCalls(PutSecretValueCommand).map((c) => c.args[0].input);
    expect(puts).to.have.length(1);
    const stored = JSON.parse(puts[0].SecretString!);
    expect(stored.client_id).to.equal("client");
    expect(stored.refresh_token).to.not.equal(REFRESH_TOKEN);
    expect(standIn!.refreshTokens()).to.deep.equal([stored.refresh_token]);

    // A new execution environment reads the secret again. The stand-in no longer accepts the initial token: this
    // succeeds only with the rotated one.
    const second = await containerHandler(new LocalStore(dir))({ playlist_id: THE_CORE_ID });
    expect(second.key).to.equal(rawSnapshotKey("2026-11-25", THE_CORE_ID));
    expect(second.calls.token).to.equal(1);
    expect(JSON.parse(secretString).refresh_token).to.equal(standIn!.refreshTokens()[0]);
  });

  it("reuses its container's access token: the next invocation exchanges no token, and each reports its own calls", async () => {
    const { handler } = await handlerFor({ rotateRefreshToken: true, editorial404: false });
    const first = await handler({ playlist_id: TO_FIND_ID });
    const second = await handler({ playlist_id: THE_CORE_ID });
    expect(standIn!.requests.filter((r) => r.endpoint === "token")).to.have.length(1);
    expect(first.calls.token).to.equal(1);
    expect(second.calls.token).to.equal(undefined);
    expect(second.calls.playlist).to.equal(1);
    expect(first.refreshTokenRotated).to.equal(true);
    expect(second.refreshTokenRotated).to.equal(false);
    // The one rotation was stored once, and is what the stand-in accepts now.
    expect(secrets.commandCalls(PutSecretValueCommand)).to.have.length(1);
    expect(JSON.parse(secretString).refresh_token).to.equal(standIn!.refreshTokens()[0]);
  });

  it("makes a new client when the secret's credentials change (a new refresh token seeded by the stack)", async () => {
    const { handler } = await handlerFor({ editorial404: false }, { secretMaxAgeS: 0 });
    await handler({ playlist_id: TO_FIND_ID });
    secretString = JSON.stringify({ client_id: "client", refresh_token: "someone-else" });
    const error = await handler({ playlist_id: THE_CORE_ID }).catch((err: Error) => err);
    // The stand-in knows only REFRESH_TOKEN: the new credentials were used, and refused.
    expect(error).to.be.instanceOf(Error);
    expect(standIn!.requests.filter((r) => r.endpoint === "token")).to.have.length(2);
  });

  it("lands a given snapshot_date for a run by hand, and refuses a bad one", async () => {
    const { handler, store } = await handlerFor({});
    const result = await handler({ playlist_id: TO_FIND_ID, snapshot_date: "2026-11-20" });
    expect(result.key).to.equal(rawSnapshotKey("2026-11-20", TO_FIND_ID));
    const bad = await handler({ playlist_id: TO_FIND_ID, snapshot_date: "20-11-2026" }).catch((err: Error) => err);
    expect((bad as Error).message).to.include('Invalid snapshot date "20-11-2026"');
    expect(await store.list("raw_data/")).to.deep.equal([result.key]);
  });

  it("stops before Lambda's deadline with ExtractionIncompleteError, and the retry resumes from the cache (C4)", async () => {
    const { handler, store } = await handlerFor({});
    // 40 s at the start, 5 s less per request: below the 30 s reserve after the token, the playlist and its page.
    const requests = standIn!.requests;
    const error = await handler({ playlist_id: TO_FIND_ID }, { getRemainingTimeInMillis: () => 40_000 - 5_000 * requests.length }).catch((err: Error) => err);
    expect(error).to.be.instanceOf(ExtractionIncompleteError);
    expect(await store.list("raw_data/")).to.deep.equal([]);
    const result = await handler({ playlist_id: TO_FIND_ID }, { getRemainingTimeInMillis: () => 600_000 });
    expect(result.attempts).to.equal(2);
    expect(await store.list("raw_data/")).to.deep.equal([result.key]);
  });

  it("fails with Spotify's explanation and lands nothing when the playlist cannot be read", async () => {
    const { handler, store } = await handlerFor({ editorial404: true });
    const error = await handler({ playlist_id: THE_CORE_ID }).catch((err: Error) => err);
    expect((error as Error).message).to.match(/editorial|Spotify-owned|27 Nov/i);
    expect(await store.list("")).to.deep.equal([]);
  });

  it("explains a wrong event and a secret without a refresh token, without printing the secret", async () => {
    const { handler } = await handlerFor({});
    const badEvent = await handler({} as never).catch((err: Error) => err);
    expect((badEvent as Error).message).to.include('{"playlist_id": "<22-character id>"}');
    secretString = JSON.stringify({ client_id: "client", client_secret: "very-secret-value" });
    const noToken = await handler({ playlist_id: TO_FIND_ID }).catch((err: Error) => err);
    expect((noToken as Error).message).to.include("no refresh_token").and.include("pulumi config set --secret");
    expect((noToken as Error).message).to.not.include("very-secret-value");
  });

  it("refuses to start without the bucket and the secret's ARN, or with an unknown auth mode", () => {
    expect(() => extractHandlerFromEnv({ LAKE_BUCKET: "lake" })).to.throw(/SPOTIFY_SECRET_ARN/);
    expect(() => extractHandlerFromEnv({ LAKE_BUCKET: "lake", SPOTIFY_SECRET_ARN: SECRET_ARN, SPOTIFY_AUTH_MODE: "password" })).to.throw(/refresh_token or client_credentials/);
  });
});
