#!/usr/bin/env node
/**
 * The `spotify-pipeline` command (package.json "bin"): `npx spotify-pipeline <command> [args]`
 * runs what `npm start`, `npm run query`, ... run, without npm's banner lines on stdout, so
 * `npx spotify-pipeline query --format json "..." | jq` gets the JSON alone.
 */
"use strict";
const path = require("node:path");

/** Subcommand -> the cli/<name>.ts that cli/launch.js runs. */
const SUBCOMMANDS = { start: "main", query: "query", report: "report", status: "status", auth: "auth" };

const USAGE = `Usage: spotify-pipeline <command> [args...]

  start    extract, transform and report (npm start)
  query    run SQL or a saved query on the lake (npm run query)
  report   write the lake's history page (npm run report)
  status   playlists, days, gaps, last run and rejected files (npm run status)
  auth     get a Spotify refresh token (npm run auth)

  spotify-pipeline <command> --help   the command's own options
  spotify-pipeline --version          the version`;

const [first] = process.argv.slice(2);
if (first === "--version" || first === "-V") {
  process.stdout.write(`${require(path.join(__dirname, "..", "package.json")).version}\n`);
} else if (first === undefined || first === "--help" || first === "-h") {
  process.stdout.write(`${USAGE}\n`);
} else if (!Object.hasOwn(SUBCOMMANDS, first)) {
  process.stderr.write(`Unknown command "${first}".\n\n${USAGE}\n`);
  process.exitCode = 2;
} else {
  process.argv.splice(1, 2, path.join(__dirname, "launch.js"), SUBCOMMANDS[first]);
  require("./launch.js").launch(SUBCOMMANDS[first]);
}
