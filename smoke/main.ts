/**
 * `npm run smoke`: the post-deploy check, with the real stdin, AWS clients and clock.
 * See cli.ts for the command and README.md ("Deploy on AWS", "Check the deployment").
 */
import { AthenaClient } from "@aws-sdk/client-athena";
import { GlueClient } from "@aws-sdk/client-glue";
import { LambdaClient } from "@aws-sdk/client-lambda";
import { S3Client } from "@aws-sdk/client-s3";
import { systemClock } from "./clock";
import { runCli } from "./cli";

async function readStdin(): Promise<string | undefined> {
  if (process.stdin.isTTY) return undefined;
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/** The region the SDK would use (AWS_REGION, AWS_DEFAULT_REGION via the profile, SSO config). */
async function sdkRegion(): Promise<string | undefined> {
  try {
    return await new S3Client({}).config.region();
  } catch {
    return undefined;
  }
}

async function main(): Promise<void> {
  try {
    process.exitCode = await runCli(process.argv.slice(2), {
      readStdin,
      sdkRegion,
      makeClients: (region) => ({
        lambda: new LambdaClient({ region }),
        s3: new S3Client({ region }),
        glue: new GlueClient({ region }),
        athena: new AthenaClient({ region }),
      }),
      clock: systemClock,
      out: (line) => console.log(line),
      err: (line) => console.error(line),
    });
  } catch (err) {
    console.error(err);
    process.exitCode = 1;
  }
}

void main();
