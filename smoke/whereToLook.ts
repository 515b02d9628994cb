/**
 * Where a user looks when a step fails: the log group of the function responsible and a link
 * to it in the CloudWatch console.
 */

/**
 * Lambda's default log group (Lambda Developer Guide, "Configuring CloudWatch log groups":
 * "CloudWatch automatically creates a log group named /aws/lambda/<function name>"); the stack
 * keeps that default (contract C3).
 */
export function lambdaLogGroup(functionName: string): string {
  return `/aws/lambda/${functionName}`;
}

/**
 * Crawler runs log to this group, one stream per crawler (AWS Glue Developer Guide,
 * "Troubleshooting AWS Glue", "Error: Running Crawler Failed").
 */
export const GLUE_CRAWLER_LOG_GROUP = "/aws-glue/crawlers";

/**
 * The CloudWatch console's page for a log group. The console is not an API: its fragment
 * holds the name URI-encoded twice with "%" written "$" (the form the console itself links to,
 * e.g. "$252Faws$252Flambda$252F<name>", described at https://qiita.com/yoohya/items/3ef1124ae9dd945e3b9f).
 */
export function logGroupConsoleUrl(region: string, logGroup: string): string {
  const encoded = encodeURIComponent(encodeURIComponent(logGroup)).replace(/%/g, "$");
  return `https://${region}.console.aws.amazon.com/cloudwatch/home?region=${region}#logsV2:log-groups/log-group/${encoded}`;
}

/** Lines that name a log group and its console link. */
export function logGroupHint(region: string, logGroup: string, who: string): string[] {
  return [`log group ${logGroup} (${who})`, `  ${logGroupConsoleUrl(region, logGroup)}`];
}

/** The hint for one of the stack's functions; a name not given says which output holds it. */
export function functionLogsHint(region: string, functionName: string | undefined, who: string, output: string): string[] {
  if (!functionName) return [`log group /aws/lambda/<${who}> (name: \`pulumi stack output ${output}\`)`];
  return logGroupHint(region, lambdaLogGroup(functionName), who);
}
