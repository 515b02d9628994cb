/**
 * `npm run auth`: log in to Spotify with Authorization Code + PKCE on a loopback redirect and
 * store the refresh token where `npm start` reads it (SPOTIFY_TOKEN_FILE, default ./.spotify-token.json).
 *
 * Environment:
 * - SPOTIFY_CLIENT_ID (required): the Client ID of your app at developer.spotify.com/dashboard.
 * - SPOTIFY_ACCOUNTS_URL (default https://accounts.spotify.com).
 * - SPOTIFY_REDIRECT_PORT (default 8888): the redirect URI is http://127.0.0.1:PORT/callback and
 *   must be registered exactly so in the app's settings.
 * - SPOTIFY_AUTH_TIMEOUT_SECONDS (default 300): how long to wait for the browser to come back.
 * - SPOTIFY_TOKEN_FILE: where to store the refresh token.
 * - SPOTIFY_AUTH_NO_BROWSER=1: only print the URL, never try to open a browser.
 */
import { spawn } from "node:child_process";
import { defaultTokenFile, writeRefreshToken } from "../lib/spotify/tokenFile";
import { DEFAULT_LOGIN_TIMEOUT_MS, DEFAULT_REDIRECT_PORT, runPkceLogin } from "../lib/spotify/pkce";

const DEFAULT_ACCOUNTS_URL = "https://accounts.spotify.com";

export interface AuthIo {
  out(line: string): void;
  err(line: string): void;
  /** Opens the authorize URL (a browser; in tests, the code that plays the browser). */
  openBrowser?: (url: string) => void;
}

export interface AuthConfig {
  clientId: string;
  accountsUrl: string;
  port: number;
  timeoutMs: number;
  tokenFile: string;
}

export class AuthConfigError extends Error {}

export function readAuthConfig(env: NodeJS.ProcessEnv): AuthConfig {
  const clientId = env.SPOTIFY_CLIENT_ID?.trim();
  if (!clientId) {
    throw new AuthConfigError(
      [
        "SPOTIFY_CLIENT_ID is not set.",
        "Create an app at https://developer.spotify.com/dashboard (Create app; tick Web API),",
        `add the Redirect URI http://127.0.0.1:${env.SPOTIFY_REDIRECT_PORT?.trim() || DEFAULT_REDIRECT_PORT}/callback in its settings,`,
        "then copy its Client ID and run: SPOTIFY_CLIENT_ID=<client id> npm run auth",
      ].join("\n"),
    );
  }
  return {
    clientId,
    accountsUrl: env.SPOTIFY_ACCOUNTS_URL?.trim() || DEFAULT_ACCOUNTS_URL,
    port: readInteger(env, "SPOTIFY_REDIRECT_PORT", DEFAULT_REDIRECT_PORT, 0, 65535),
    timeoutMs: readInteger(env, "SPOTIFY_AUTH_TIMEOUT_SECONDS", DEFAULT_LOGIN_TIMEOUT_MS / 1000, 1, 24 * 3600) * 1000,
    tokenFile: defaultTokenFile(env),
  };
}

function readInteger(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new AuthConfigError(`${name} is "${raw}": use a whole number from ${min} to ${max} (default ${fallback}).`);
  }
  return value;
}

export const AUTH_USAGE = [
  "Usage: npm run auth [-- --help]",
  "",
  "Signs in to Spotify (Authorization Code with PKCE) and stores the refresh token where npm start reads it.",
  "It takes no arguments; it is configured by the environment:",
  "  SPOTIFY_CLIENT_ID             (required) the Client ID of your app at https://developer.spotify.com/dashboard",
  `  SPOTIFY_REDIRECT_PORT         loopback port of the redirect URI http://127.0.0.1:PORT/callback (default ${DEFAULT_REDIRECT_PORT}); register it exactly so`,
  `  SPOTIFY_AUTH_TIMEOUT_SECONDS  how long to wait for the browser to come back (default ${DEFAULT_LOGIN_TIMEOUT_MS / 1000})`,
  "  SPOTIFY_TOKEN_FILE            where to store the refresh token (default ./.spotify-token.json)",
  `  SPOTIFY_ACCOUNTS_URL          the accounts service (default ${DEFAULT_ACCOUNTS_URL})`,
  "  SPOTIFY_AUTH_NO_BROWSER=1     only print the URL, never open a browser",
].join("\n");

/** Runs the whole login; returns the process exit code. `args`: the command line after `npm run auth --`, read before anything listens. */
export async function runAuth(env: NodeJS.ProcessEnv, io: AuthIo, args: readonly string[] = []): Promise<number> {
  if (args.some((a) => a === "--help" || a === "-h")) {
    io.out(AUTH_USAGE);
    return 0;
  }
  if (args.length > 0) {
    io.err(`npm run auth takes no arguments, got ${args.map((a) => JSON.stringify(a.slice(0, 40))).join(" ")}: nothing was started.\n\n${AUTH_USAGE}`);
    return 2;
  }
  let config: AuthConfig;
  try {
    config = readAuthConfig(env);
  } catch (err) {
    if (!(err instanceof AuthConfigError)) throw err;
    io.err(err.message);
    return 2;
  }

  try {
    const result = await runPkceLogin({
      clientId: config.clientId,
      accountsUrl: config.accountsUrl,
      port: config.port,
      timeoutMs: config.timeoutMs,
      openUrl: (url) => {
        const redirectUri = new URL(url).searchParams.get("redirect_uri");
        io.out(`Redirect URI: ${redirectUri}`);
        io.out("  It must be listed exactly so (127.0.0.1, not localhost) under Redirect URIs in your app's settings");
        io.out("  at https://developer.spotify.com/dashboard; otherwise Spotify answers INVALID_CLIENT: Invalid redirect URI.");
        io.out("");
        io.out("Open this URL in a browser on this machine and log in with the Spotify account that owns the playlists:");
        io.out(url);
        io.out("");
        io.out(`Waiting for the login (up to ${Math.round(config.timeoutMs / 1000)} s)...`);
        io.openBrowser?.(url);
      },
    });
    await writeRefreshToken(config.tokenFile, result.refreshToken, config.clientId);
    io.out("");
    io.out(`Logged in${result.scope ? ` (scope: ${result.scope})` : ""}.`);
    io.out(`Refresh token: ${result.refreshToken}`);
    io.out(`Stored in ${config.tokenFile} (readable by you only); "npm start" reads it from there.`);
    io.out("Keep it secret: it gives read access to your playlists until you remove the app's access in your Spotify account.");
    return 0;
  } catch (err) {
    io.err(`Spotify login failed: ${(err as Error).message}`);
    return 1;
  }
}

/** Best effort, and only where it is plainly safe: no shell, a desktop session, never on failure. */
function openInBrowser(url: string): void {
  if (process.env.SPOTIFY_AUTH_NO_BROWSER === "1" || !process.stdout.isTTY) return;
  const command =
    process.platform === "darwin" ? "open" : process.platform === "linux" && (process.env.DISPLAY || process.env.WAYLAND_DISPLAY) ? "xdg-open" : undefined;
  if (!command) return;
  try {
    const child = spawn(command, [url], { stdio: "ignore", detached: true });
    child.on("error", () => undefined); // printing the URL is enough
    child.unref();
  } catch {
    // printing the URL is enough
  }
}

/** What cli/launch.js calls to run this command with the process's arguments. */
export function runFromCommandLine(): void {
  runAuth(
    process.env,
    {
      out: (line) => console.log(line),
      err: (line) => console.error(line),
      openBrowser: openInBrowser,
    },
    process.argv.slice(2),
  ).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    },
  );
}

if (require.main === module) runFromCommandLine();
