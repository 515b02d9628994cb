import { chmodSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

/**
 * The folder the tests start the command line in: empty, so that a developer's own `.env` or
 * `pipeline.config.json` in the project folder (which cli/launch.js and the CLI read from the
 * current folder) never reaches a test run, where real credentials would turn the offline sample
 * into calls to Spotify. Readable by every user: one test runs the CLI as `nobody`.
 */
export const CLI_CWD = mkdtempSync(path.join(tmpdir(), "cli-cwd-"));
chmodSync(CLI_CWD, 0o755);
