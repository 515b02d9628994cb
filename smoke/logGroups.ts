/**
 * Where each of the stack's functions logs. Lambda's LoggingConfig names the log group
 * (Lambda API Reference, "LoggingConfig", LogGroup: "By default, Lambda functions send logs to a
 * default log group named /aws/lambda/<function name>"); the stack may set its own, so the check
 * asks GetFunctionConfiguration, and falls back to the default when it cannot.
 */
import { GetFunctionConfigurationCommand, type LambdaClient } from "@aws-sdk/client-lambda";
import { lambdaLogGroup } from "./whereToLook";

export async function resolveLogGroups(lambda: LambdaClient, functionNames: (string | undefined)[]): Promise<Map<string, string>> {
  const names = [...new Set(functionNames.filter((n): n is string => Boolean(n)))];
  const entries = await Promise.all(
    names.map(async (name) => {
      try {
        const config = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: name }));
        return [name, config.LoggingConfig?.LogGroup || lambdaLogGroup(name)] as const;
      } catch {
        return [name, lambdaLogGroup(name)] as const;
      }
    }),
  );
  return new Map(entries);
}
