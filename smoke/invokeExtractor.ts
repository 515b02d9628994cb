/**
 * Step 1: invoke the extract function for one playlist and read where it landed the raw snapshot
 * (contract C3: {"playlist_id": id} in, JSON with `key` and `snapshotDate` out).
 */
import { InvokeCommand } from "@aws-sdk/client-lambda";
import { parseRawSnapshotKey } from "../lib/lake/layout";
import type { StepContext } from "./settings";
import { describeError, StepFailure } from "./stepFailure";
import { functionLogsHint } from "./whereToLook";

export interface LandedSnapshot {
  key: string;
  snapshotDate: string;
  playlistId: string;
}

/**
 * Contract C4: an extraction that must stop before the function's time runs out saves what it
 * fetched and fails with ExtractionIncompleteError (lib/extract/errors.ts), so that a new
 * invocation resumes it. The Node.js runtime reports `error.name` as errorType
 * (aws-lambda-nodejs-runtime-interface-client, Errors.js, toRapidResponse); the class sets it.
 */
export const EXTRACTION_INCOMPLETE = "ExtractionIncompleteError";

export async function invokeExtractor(ctx: StepContext, print: (line: string) => void = () => {}): Promise<LandedSnapshot> {
  const { extractFunction, playlistId, extractAttempts } = ctx.settings;
  const payload = { playlist_id: playlistId };
  const waitedFor = [`Lambda Invoke ${extractFunction} (RequestResponse) with ${JSON.stringify(payload)}`];
  const lookAt = functionLogsHint(ctx, "extract");
  const fail = (detail: string) => new StepFailure(detail, waitedFor, lookAt);

  for (let attempt = 1; ; attempt++) {
    let out;
    try {
      out = await ctx.clients.lambda.send(
        new InvokeCommand({ FunctionName: extractFunction, InvocationType: "RequestResponse", Payload: JSON.stringify(payload) }),
      );
    } catch (err) {
      const credentials = (err as { name?: string }).name === "CredentialsProviderError" ? " Set AWS credentials first (AWS_PROFILE, `aws sso login`, or the AWS_* variables)." : "";
      throw fail(`Lambda did not run the function: ${describeError(err)}.${credentials}`);
    }
    const text = out.Payload ? new TextDecoder().decode(out.Payload) : "";
    // Lambda API reference, Invoke, response "X-Amz-Function-Error": present when the function
    // failed; the status code is still 200 and the Payload holds the runtime's error document
    // {"errorType", "errorMessage", "trace"} (Lambda Developer Guide, "AWS Lambda function errors
    // in Node.js"). Unhandled errors (timeouts, out of memory) carry Lambda's own message.
    if (!out.FunctionError) return readLanded(text, playlistId, fail);
    const error = functionError(text);
    if (error.type === EXTRACTION_INCOMPLETE && attempt < extractAttempts) {
      print(`      invocation ${attempt} stopped early (${error.message}); invoking again to resume (${attempt + 1} of at most ${extractAttempts})`);
      continue;
    }
    const bound = error.type === EXTRACTION_INCOMPLETE ? ` It was still incomplete after ${attempt} invocations (--extract-attempts).` : "";
    throw fail(`the function failed (${out.FunctionError}): ${error.type ? `${error.type}: ` : ""}${error.message.replace(/\.?$/, ".")}${bound}`);
  }
}

function functionError(text: string): { type?: string; message: string } {
  try {
    const doc = JSON.parse(text) as { errorType?: unknown; errorMessage?: unknown };
    if (typeof doc.errorMessage === "string") return { type: typeof doc.errorType === "string" ? doc.errorType : undefined, message: doc.errorMessage };
  } catch {
    // Not JSON: show the text as Lambda sent it.
  }
  return { message: text === "" ? "no error document in the response" : text.slice(0, 500) };
}

function readLanded(text: string, playlistId: string, fail: (detail: string) => StepFailure): LandedSnapshot {
  let answer: unknown;
  try {
    answer = JSON.parse(text);
  } catch {
    throw fail(`the function answered ${JSON.stringify(text.slice(0, 200))}, not JSON with "key" and "snapshotDate" (contract C3).`);
  }
  const { key, snapshotDate } = (answer ?? {}) as { key?: unknown; snapshotDate?: unknown };
  if (typeof key !== "string" || typeof snapshotDate !== "string") {
    throw fail(`the function's answer has no "key" and "snapshotDate" strings (contract C3): ${text.slice(0, 200)}`);
  }
  const ref = parseRawSnapshotKey(key);
  if (!ref || ref.snapshotDate !== snapshotDate || ref.playlistId !== playlistId) {
    throw fail(`the function landed "${key}" for ${snapshotDate}, which is not the raw snapshot key of playlist ${playlistId} on that date.`);
  }
  return { key, snapshotDate, playlistId };
}
