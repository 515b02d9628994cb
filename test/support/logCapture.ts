/**
 * Runs `fn` while capturing what Powertools Logger prints (JSON lines on stdout) and returns the
 * parsed records, so a test can check the Lambda context reached every line (Powertools Logger,
 * addContext: function_request_id, cold_start, function_name, ...).
 */
export const LAMBDA_CONTEXT = {
  awsRequestId: "req-test-1",
  functionName: "test-function",
  functionVersion: "$LATEST",
  invokedFunctionArn: "arn:aws:lambda:eu-west-1:123456789012:function:test-function",
  memoryLimitInMB: "512",
  getRemainingTimeInMillis: () => 60_000,
};

export async function captureJsonLogs<T>(fn: () => Promise<T>): Promise<{ result: T | undefined; error: unknown; records: Record<string, unknown>[] }> {
  const lines: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array) => (lines.push(String(chunk)), true)) as typeof process.stdout.write;
  let result: T | undefined;
  let error: unknown;
  try {
    result = await fn();
  } catch (err) {
    error = err;
  } finally {
    process.stdout.write = write;
  }
  const records = lines
    .flatMap((l) => l.split("\n"))
    .filter((l) => l.trim().startsWith("{"))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  return { result, error, records };
}
