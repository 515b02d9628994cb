/**
 * The stack configuration: Pulumi.yaml's schema is where defaults live (the Pulumi CLI applies
 * them), and the code's CONFIG_DEFAULTS must agree with it key for key; then each setting is
 * checked once, with an error that says what to run.
 */
import { expect } from "chai";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { CONFIG_DEFAULTS, readPipelineConfig, RETIRED_KEYS, WHOLE_NUMBER_RANGES } from "../components/pipelineConfig";
import { parseWholeNumber } from "../contracts/env";

// js-yaml comes with @pulumi/pulumi (which reads Pulumi.yaml with it); it has no bundled types.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const yaml = require("js-yaml") as { load(text: string): unknown };

interface ConfigSchema {
  config: Record<string, { type: string; default?: unknown; items?: unknown }>;
}
const schema = yaml.load(readFileSync(path.join(__dirname, "..", "Pulumi.yaml"), "utf8")) as ConfigSchema;

/** Just what readPipelineConfig reads from a pulumi.Config, over plain values. */
function fakeConfig(values: Record<string, unknown>): pulumi.Config {
  const get = (k: string) => (values[k] === undefined ? undefined : typeof values[k] === "string" ? (values[k] as string) : JSON.stringify(values[k]));
  const require = (k: string) => {
    const v = get(k);
    if (v === undefined) throw new Error(`Missing required configuration variable '${k}'`);
    return v;
  };
  return {
    get,
    getBoolean: (k: string) => (values[k] === undefined ? undefined : values[k] === true || values[k] === "true"),
    require,
    requireObject: (k: string) => JSON.parse(require(k)),
    requireSecret: (k: string) => pulumi.secret(require(k)),
    getSecret: (k: string) => (get(k) === undefined ? undefined : pulumi.secret(get(k)!)),
  } as unknown as pulumi.Config;
}

const MINIMAL = { playlists: ["1Cp6VQCKf2VL4sP09jN9oX"], spotifyClientId: "id", spotifyRefreshToken: "token" };
const read = (extra: Record<string, unknown> = {}) => readPipelineConfig(fakeConfig({ ...MINIMAL, ...extra }), "spotify-pipeline", "dev");

describe("stack configuration (Pulumi.yaml and components/pipelineConfig.ts)", () => {
  it("has the same defaults in the code as in Pulumi.yaml's schema, key for key", () => {
    const declared = Object.fromEntries(Object.entries(schema.config).filter(([, v]) => "default" in v).map(([k, v]) => [k, v.default]));
    expect(CONFIG_DEFAULTS).to.deep.equal(declared);
  });

  it("declares every whole-number setting as an integer, and reads no key Pulumi.yaml does not declare", () => {
    for (const key of Object.keys(WHOLE_NUMBER_RANGES)) expect(schema.config[key]?.type, key).to.equal("integer");
    for (const key of Object.keys(RETIRED_KEYS)) expect(schema.config, key).to.not.have.property(key);
    const source = readFileSync(path.join(__dirname, "..", "components", "pipelineConfig.ts"), "utf8");
    const read = [...source.matchAll(/config\.(?:get|getBoolean|require|requireObject|requireSecret|getSecret)\("([A-Za-z]+)"\)/g)].map((m) => m[1]);
    // The two secrets are set with `pulumi config set --secret` (Pulumi.yaml's header says how), never with a default.
    const secrets = ["spotifyClientSecret", "spotifyRefreshToken"];
    for (const key of read.filter((k) => !secrets.includes(k))) expect(schema.config, key).to.have.property(key);
    expect(readFileSync(path.join(__dirname, "..", "Pulumi.yaml"), "utf8")).to.include("--secret spotifyRefreshToken").and.include("--secret spotifyClientSecret");
  });

  it("hands each component its slice, with the defaults", () => {
    const c = read();
    expect(c.lake).to.deep.equal({ rawInfrequentAccessAfterDays: 30, rawGlacierAfterDays: 180, noncurrentVersionExpireDays: 90, queryResultsExpireDays: 30, forceDestroyLake: false, accessLogsExpireDays: 90 });
    expect(c.tracing).to.equal(false);
    expect(c.catalog).to.deep.equal({ databaseName: "spotify_pipeline_dev", crawlSchedule: "cron(0 12 * * ? *)" });
    expect(c.extractor).to.deep.include({ playlists: MINIMAL.playlists, schedule: "cron(0 6 * * ? *)", authMode: "refresh_token", maxConcurrency: 2, spotifyConcurrency: 4, cacheMaxAgeDays: 30, cacheDailyRefresh: 250, memoryMb: 512, timeoutSeconds: 300 });
    expect(c.transformer).to.deep.equal({ memoryMb: 1024, timeoutSeconds: 120 });
    expect(c.analytics).to.deep.equal({ bytesScannedCutoffMb: 1024 });
    expect(c.monitoring).to.deep.equal({ stalenessHours: 26, alarmEmail: undefined });
    expect(c.logRetentionDays).to.equal(30);
  });

  it("takes set values as Pulumi stores them (strings), and normalizes playlist links", () => {
    const c = read({ extractMaxConcurrency: "5", playlists: ["https://open.spotify.com/playlist/37i9dQZF1DWXIcbzpLauPS?si=x"], forceDestroyLake: "true" });
    expect(c.extractor.maxConcurrency).to.equal(5);
    expect(c.extractor.playlists).to.deep.equal(["37i9dQZF1DWXIcbzpLauPS"]);
    expect(c.lake.forceDestroyLake).to.equal(true);
  });

  it("refuses what AWS or the pipeline cannot take, saying what to run", () => {
    expect(() => read({ extractMaxConcurrency: "1" })).to.throw(/extractMaxConcurrency.*2 to 1000.*pulumi config set extractMaxConcurrency/);
    expect(() => read({ athenaBytesScannedCutoffMb: "5" })).to.throw(/athenaBytesScannedCutoffMb/);
    expect(() => read({ extractTimeoutSeconds: "12.5" })).to.throw(/whole number/);
    expect(() => read({ authMode: "password" })).to.throw(/refresh_token.*client_credentials/);
    expect(() => read({ schedule: "every day" })).to.throw(/EventBridge expression/);
    expect(() => read({ playlists: [] })).to.throw(/non-empty list/);
    expect(() => read({ playlists: ["not a playlist/x"] })).to.throw(/Invalid playlist id/);
    // The same playlist twice, even written two ways (an id and its link), is one extraction: refused, named.
    expect(() => read({ playlists: ["37i9dQZF1DWXIcbzpLauPS", "https://open.spotify.com/playlist/37i9dQZF1DWXIcbzpLauPS?si=x"] })).to.throw(/lists 37i9dQZF1DWXIcbzpLauPS more than once/);
    // Pulumi.dev.yaml's example value could never sign in: say where the real one is.
    expect(() => read({ spotifyClientId: "replace-with-your-app-client-id" })).to.throw(/placeholder.*developer\.spotify\.com\/dashboard.*pulumi config set spotifyClientId/);
    expect(() => read({ authMode: "client_credentials", spotifyRefreshToken: undefined })).to.throw(/spotifyClientSecret/);
  });

  it("names the replacement of a retired key instead of ignoring it", () => {
    expect(() => read({ extractReservedConcurrency: "1" })).to.throw(/extractMaxConcurrency.*pulumi config rm extractReservedConcurrency/);
    expect(() => read({ forceDestroyBuckets: "true" })).to.throw(/forceDestroyLake/);
  });

  it("parses whole numbers one way everywhere (config and Lambda environment)", () => {
    expect(parseWholeNumber("42", "x", { min: 1, max: 100 })).to.equal(42);
    expect(parseWholeNumber(42, "x", { min: 1, max: 100 })).to.equal(42);
    for (const bad of ["", " ", "4x", "1e400", "0x10", "-1", "101", undefined]) expect(() => parseWholeNumber(bad, "x", { min: 0, max: 100 }), String(bad)).to.throw(/x is .*whole number from 0 to 100/);
  });
});
