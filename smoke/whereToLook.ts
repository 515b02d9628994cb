/**
 * Where a user looks when a step fails: the log group of the function responsible and a link
 * to it in the CloudWatch console.
 */
import type { StepContext } from "./settings";

/**
 * Lambda's default log group (Lambda Developer Guide, "Configuring CloudWatch log groups":
 * "CloudWatch automatically creates a log group named /aws/lambda/<function name>"), named when
 * the function's own LoggingConfig cannot be read (logGroups.ts).
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

const FUNCTIONS = {
  extract: { setting: "extractFunction", who: "the extract function", output: "extractFunctionName" },
  transform: { setting: "transformFunction", who: "the transform function", output: "transformFunctionName" },
  views: { setting: "viewsFunction", who: "the views function", output: "viewsFunctionName" },
} as const;

/**
 * The hint for one of the stack's functions: its log group as Lambda reports it (logGroups.ts),
 * else the default; a function whose name was not given names the output that holds it.
 */
export function functionLogsHint(ctx: StepContext, fn: keyof typeof FUNCTIONS, role = ""): string[] {
  const { setting, who, output } = FUNCTIONS[fn];
  const name = ctx.settings[setting];
  const label = role ? `${who}, ${role}` : who;
  if (!name) return [`the log group of ${label} (its name: \`pulumi stack output ${output}\`)`];
  return logGroupHint(ctx.settings.region, ctx.logGroups?.get(name) ?? lambdaLogGroup(name), label);
}
