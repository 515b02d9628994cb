/**
 * Step 2: the raw snapshot the extractor reported is in the lake. The extractor writes it before
 * it returns and S3 reads are strongly consistent after a write (S3 User Guide, "Amazon S3 data
 * consistency model"), so a short bound is enough; its Last-Modified dates this run for step 3.
 */
import { pollUntil, seconds } from "./clock";
import { headObject, S3AccessDenied, type ObjectSeen } from "./headObject";
import type { LandedSnapshot } from "./invokeExtractor";
import type { StepContext } from "./settings";
import { describeError, StepFailure } from "./stepFailure";
import { functionLogsHint } from "./whereToLook";

export async function waitForRawObject(ctx: StepContext, landed: LandedSnapshot): Promise<ObjectSeen> {
  const { lakeBucket, waits } = ctx.settings;
  const waitedFor = [`s3://${lakeBucket}/${landed.key} (HeadObject)`];
  const lookAt = functionLogsHint(ctx, "extract");
  let seen: ObjectSeen | undefined;
  try {
    seen = await pollUntil(ctx.clock, { timeoutMs: waits.rawMs, pollMs: waits.pollMs }, () => headObject(ctx.clients.s3, lakeBucket, landed.key));
  } catch (err) {
    throw new StepFailure(err instanceof S3AccessDenied ? err.message : `S3 refused HeadObject: ${describeError(err)}.`, waitedFor, lookAt);
  }
  if (!seen) {
    throw new StepFailure(
      `the raw snapshot the extractor reported did not appear within ${seconds(waits.rawMs)} (--wait-raw); check that the function writes to bucket ${lakeBucket}.`,
      waitedFor,
      lookAt,
    );
  }
  return seen;
}
