/**
 * What the handlers read from Lambda's context object: the request id and cold start for every
 * log line (Powertools Logger, addContext: "To enrich the log items with information from the
 * Lambda context, you can use the addContext() method"), and the time left before the timeout
 * (Lambda developer guide, "Using the Lambda context object to retrieve Node.js function
 * information": getRemainingTimeInMillis()).
 */
import type { Context } from "aws-lambda";
import type { Logger } from "@aws-lambda-powertools/logger";

/** Lambda's context, or the part of it a test or a local call passes (possibly none). */
export type InvocationContext = Partial<Omit<Context, "getRemainingTimeInMillis">> & { getRemainingTimeInMillis?: () => number };

/** Adds the request id, function and cold start to every later log line; a call without a request id adds nothing. */
export function logWithContext(logger: Logger, context: InvocationContext | undefined): void {
  if (context?.awsRequestId) logger.addContext(context as Context);
}

/** Milliseconds left in this invocation; without a context (a test, a local call), no bound. */
export function remainingMs(context: InvocationContext | undefined): number {
  return context?.getRemainingTimeInMillis ? context.getRemainingTimeInMillis() : Number.POSITIVE_INFINITY;
}
