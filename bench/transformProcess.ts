/**
 * The transform as whole processes, against the tool it replaces:
 * - `npm start -- --stage transform` (the real CLI: start-up, transform of six tables in both
 *   formats, the DuckDB report) on a lake holding one 10,000-entry raw snapshot, and beside it,
 *   in the same loop (paired runs, order alternated, medians), the pandas port of the original
 *   project's transform Lambda (bench/baseline/transform_pandas.py: three tables, CSV only) on
 *   the same raw file, when a python3 with pandas is present (else it says so and skips it);
 * - peak RSS of each: GNU time's maximum resident set size of the process tree's largest process;
 * - the CLI's peak RSS at 1k, 10k and 50k entries, and its growth per 1,000 entries (least squares);
 * - the transform Lambda's cold start plus a 10k transform, as a fresh process (bench/handlerColdChild.ts);
 * - the warm ratio to the floor "read + parse + write", from bench/transform.ts.
 *
 * Every process runs without NODE_EXTRA_CA_CERTS when it is set (this machine's sandbox points it at
 * the system bundle): Node then parses every certificate of the bundle before any JavaScript runs,
 * twice per `npm start` (npm's Node and the command's; the cost is in results.json), and a
 * user's shell does not set it. The CLI is also run with the environment as it is, in the same
 * paired loop, and both figures are reported, with the start-up cost itself (STARTUP_WITH_CA).
 */
import { printResult } from "./script";
import { spawn, spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { performance } from "node:perf_hooks";
import { buildSync } from "esbuild";
import { bundleHandler, PROJECT_ROOT } from "../components/handlerBundle";
import { parsePartitionFolder, rawSnapshotKey, RAW_PREFIX } from "../lib/lake/layout";
import { BENCH_OUT_DIR, benchRawSnapshot } from "./rawSnapshot";
import { runTransformBench } from "./transform";

const GNU_TIME = "/usr/bin/time";
const PANDAS_PORT = path.join(__dirname, "baseline", "transform_pandas.py");
/** Where a python3 with pandas may be: BENCH_PYTHON if set, Debian's (python3-pandas), then the one on PATH. */
const PYTHON_CANDIDATES = [process.env.BENCH_PYTHON, "/usr/bin/python3", "python3"].filter((p): p is string => !!p);
/** The environment the processes are measured in: this one without NODE_EXTRA_CA_CERTS (see the header). */
const MEASURED_ENV: NodeJS.ProcessEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== "NODE_EXTRA_CA_CERTS"));

export interface ProcessRun {
  wall_s: number;
  peak_rss_mb: number;
  /** User + system CPU time: on a shared machine it moves less than wall time. */
  cpu_s: number;
}

export interface TransformProcessResult {
  items: number;
  /** Median over the paired runs. */
  wall_s: number;
  peak_rss_mb: number;
  seed_wall_s: number | null;
  /** The CLI's median wall with the environment as it is (NODE_EXTRA_CA_CERTS kept), or null when it is not set. */
  wall_s_with_extra_ca_certs: number | null;
  /** How the processes were run (the environment). */
  environment: string;
  /** Median start-up of `node -e 0` without and with NODE_EXTRA_CA_CERTS, when it is set. */
  node_start_s: { without_extra_ca_certs: number; with_extra_ca_certs: number } | null;
  seed_peak_rss_mb: number | null;
  /** Medians of user + system CPU seconds over the same paired runs. */
  cpu_s: number;
  seed_cpu_s: number | null;
  /** The baseline: what ran, or why it was skipped. */
  seed: string;
  rss_mb_per_1k_entries: number;
  peak_rss_mb_by_entries: Record<string, number>;
  handler_cold_s: number;
  warm: { wall_s: number; floor_s: number; ratio: number; floor: string };
  paired_runs: number;
  runs: { cli: ProcessRun[]; seed: ProcessRun[]; cli_with_extra_ca_certs: ProcessRun[] };
  targets: Record<string, { target: number; value: number | null; pass: boolean | null }>;
}

const round = (x: number, digits = 3) => Number(x.toFixed(digits));
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const roundRun = (r: ProcessRun): ProcessRun => ({ wall_s: round(r.wall_s), peak_rss_mb: round(r.peak_rss_mb, 1), cpu_s: round(r.cpu_s, 2) });

/** Runs a command to its end; wall time from spawn to exit, peak RSS from GNU time. Throws on a non-zero exit. */
export function measure(command: string, args: string[], env: NodeJS.ProcessEnv = MEASURED_ENV, cwd = PROJECT_ROOT): Promise<ProcessRun & { stdout: string }> {
  const dir = mkdtempSync(path.join(tmpdir(), "bench-time-"));
  const timeFile = path.join(dir, "time.txt");
  return new Promise((resolve, reject) => {
    const start = performance.now();
    // %M: the maximum resident set size (KiB) of the largest process GNU time waited for, descendants
    // included; %U + %S: CPU seconds of the process and its descendants.
    const child = spawn(GNU_TIME, ["-f", "%M %U %S", "-o", timeFile, command, ...args], { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    child.on("error", reject);
    child.on("close", (code) => {
      const wallS = (performance.now() - start) / 1000;
      try {
        if (code !== 0) throw new Error(`${command} ${args.join(" ")} exited ${code}: ${stderr.slice(-800)}${stdout.slice(-800)}`);
        const [kib, user, system] = (readFileSync(timeFile, "utf8").trim().split("\n").pop() ?? "").split(" ").map(Number);
        resolve({ wall_s: wallS, peak_rss_mb: kib / 1024, cpu_s: user + system, stdout });
      } catch (err) {
        reject(err as Error);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}

/** The first python3 that imports pandas, or why there is none. */
export function findPandas(): { python: string; version: string } | { skipped: string } {
  for (const python of PYTHON_CANDIDATES) {
    const probe = spawnSync(python, ["-c", "import pandas; print(pandas.__version__)"], { encoding: "utf8", env: MEASURED_ENV });
    if (probe.status === 0) return { python, version: probe.stdout.trim() };
  }
  return { skipped: `no python3 with pandas (tried ${PYTHON_CANDIDATES.join(", ")}); on Debian: apt-get install python3-pandas, or set BENCH_PYTHON` };
}

/** A lake folder holding only the raw snapshot, at its key. */
function lakeWith(rawFile: string, playlistId: string, snapshotDate: string): { lake: string; key: string } {
  const lake = mkdtempSync(path.join(tmpdir(), "bench-process-lake-"));
  const key = rawSnapshotKey(snapshotDate, playlistId);
  mkdirSync(path.dirname(path.join(lake, key)), { recursive: true });
  copyFileSync(rawFile, path.join(lake, key));
  return { lake, key };
}

async function runCli(lake: string, env: NodeJS.ProcessEnv = MEASURED_ENV): Promise<ProcessRun> {
  // The day given, so every run transforms it again (without --date only new or changed snapshots are).
  const [day] = readdirSync(path.join(lake, RAW_PREFIX)).map(parsePartitionFolder).filter((d) => d !== undefined);
  const run = await measure("npm", ["start", "--", "--stage", "transform", "--date", day, "--lake", lake], env);
  if (!/\b1 raw snapshot\(s\) -> tables, 0 rejected/.test(run.stdout)) throw new Error(`npm start did not transform the snapshot:\n${run.stdout.slice(-1500)}`);
  return { wall_s: run.wall_s, peak_rss_mb: run.peak_rss_mb, cpu_s: run.cpu_s };
}

async function runSeed(python: string, rawFile: string): Promise<ProcessRun> {
  const out = mkdtempSync(path.join(tmpdir(), "bench-pandas-"));
  try {
    const run = await measure(python, [PANDAS_PORT, rawFile, out]);
    return { wall_s: run.wall_s, peak_rss_mb: run.peak_rss_mb, cpu_s: run.cpu_s };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

/** Cold start of the transform Lambda's bundle plus one transform, spawn to exit. */
async function handlerCold(lake: string, key: string): Promise<number> {
  const handlerBundle = path.join(PROJECT_ROOT, bundleHandler("transform").relativePath);
  const child = path.join(BENCH_OUT_DIR, "handlerColdChild.js");
  buildSync({ entryPoints: [path.join(__dirname, "handlerColdChild.ts")], outfile: child, bundle: true, platform: "node", target: "node20", format: "cjs", packages: "external", logLevel: "silent" });
  const run = await measure(process.execPath, [child, handlerBundle, lake, key]);
  if (!run.stdout.includes('OUTCOMES ["transformed"]')) throw new Error(`the transform handler did not transform the snapshot: ${run.stdout.slice(-800)}`);
  return run.wall_s;
}

/** Median wall of `node -e 0` without, then with, NODE_EXTRA_CA_CERTS (what it adds to every Node start). */
async function nodeStartCost(): Promise<{ without_extra_ca_certs: number; with_extra_ca_certs: number }> {
  const without: number[] = [];
  const withCa: number[] = [];
  for (let i = 0; i < 5; i++) {
    without.push((await measure(process.execPath, ["-e", "0"])).wall_s);
    withCa.push((await measure(process.execPath, ["-e", "0"], process.env)).wall_s);
  }
  return { without_extra_ca_certs: round(median(without)), with_extra_ca_certs: round(median(withCa)) };
}

/** Slope of the least-squares line through (entries / 1000, MiB). */
function slopePer1k(points: [number, number][]): number {
  const xs = points.map(([n]) => n / 1000);
  const ys = points.map(([, y]) => y);
  const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
  const my = ys.reduce((a, b) => a + b, 0) / ys.length;
  const num = xs.reduce((a, x, i) => a + (x - mx) * (ys[i] - my), 0);
  const den = xs.reduce((a, x) => a + (x - mx) ** 2, 0);
  return num / den;
}

/** Pairs of runs: single runs of either side vary a lot on a shared machine (docs/performance.md), so medians of pairs. */
const PAIRED_RUNS = 9;

export async function runTransformProcessBench(items = 10_000, pairedRuns = PAIRED_RUNS): Promise<TransformProcessResult> {
  if (!existsSync(GNU_TIME)) throw new Error(`${GNU_TIME} is missing: it measures peak RSS (Debian: apt-get install time).`);
  const raw = await benchRawSnapshot(items);
  const pandas = findPandas();
  const { lake, key } = lakeWith(raw.file, raw.playlistId, raw.snapshotDate);
  const cli: ProcessRun[] = [];
  const seed: ProcessRun[] = [];
  const cliWithCa: ProcessRun[] = [];
  const extraCa = process.env.NODE_EXTRA_CA_CERTS !== undefined;
  try {
    await runCli(lake); // a first run outside the figures: warms the page cache and builds the CLI bundle if stale
    for (let i = 0; i < pairedRuns; i++) {
      // Alternate the order, so none always runs right after another's load.
      const pair = [
        () => runCli(lake).then((r) => cli.push(r)),
        ...("python" in pandas ? [() => runSeed(pandas.python, raw.file).then((r) => seed.push(r))] : []),
        ...(extraCa ? [() => runCli(lake, process.env).then((r) => cliWithCa.push(r))] : []),
      ];
      for (const run of i % 2 ? pair.reverse() : pair) await run();
    }

    const peakByEntries: Record<string, number> = { [items]: median(cli.map((r) => r.peak_rss_mb)) };
    for (const n of [1_000, 50_000]) {
      const other = await benchRawSnapshot(n);
      const at = lakeWith(other.file, other.playlistId, other.snapshotDate);
      try {
        const runs: number[] = [];
        for (let i = 0; i < (n > items ? 1 : 3); i++) runs.push((await runCli(at.lake)).peak_rss_mb);
        peakByEntries[n] = median(runs);
      } finally {
        rmSync(at.lake, { recursive: true, force: true });
      }
    }
    const growth = slopePer1k(Object.entries(peakByEntries).map(([n, mb]) => [Number(n), mb]));

    const nodeStart = extraCa ? await nodeStartCost() : null;
    const coldRuns: number[] = [];
    for (let i = 0; i < 3; i++) coldRuns.push(await handlerCold(lake, key));
    const warm = await runTransformBench(items);

    const wallS = median(cli.map((r) => r.wall_s));
    const peak = peakByEntries[items];
    const seedWall = seed.length ? median(seed.map((r) => r.wall_s)) : null;
    const seedPeak = seed.length ? median(seed.map((r) => r.peak_rss_mb)) : null;
    const ratio = warm.wall_s / warm.floor_s;
    return {
      items,
      wall_s: round(wallS),
      peak_rss_mb: round(peak, 1),
      seed_wall_s: seedWall === null ? null : round(seedWall),
      seed_peak_rss_mb: seedPeak === null ? null : round(seedPeak, 1),
      wall_s_with_extra_ca_certs: cliWithCa.length ? round(median(cliWithCa.map((r) => r.wall_s))) : null,
      environment: extraCa
        ? "every process without NODE_EXTRA_CA_CERTS, which this environment sets (each Node start parses the whole CA bundle first); the CLI also with it, as wall_s_with_extra_ca_certs"
        : "the environment as it is (NODE_EXTRA_CA_CERTS not set)",
      node_start_s: nodeStart,
      cpu_s: round(median(cli.map((r) => r.cpu_s)), 2),
      seed_cpu_s: seed.length ? round(median(seed.map((r) => r.cpu_s)), 2) : null,
      seed: "python" in pandas ? `${pandas.python} with pandas ${pandas.version}: ${path.relative(PROJECT_ROOT, PANDAS_PORT)}` : `skipped: ${pandas.skipped}`,
      rss_mb_per_1k_entries: round(growth, 2),
      peak_rss_mb_by_entries: Object.fromEntries(Object.entries(peakByEntries).map(([n, mb]) => [n, round(mb, 1)])),
      handler_cold_s: round(median(coldRuns)),
      warm: { wall_s: warm.wall_s, floor_s: warm.floor_s, ratio: round(ratio, 2), floor: "read + parse + write" },
      paired_runs: pairedRuns,
      runs: { cli: cli.map(roundRun), seed: seed.map(roundRun), cli_with_extra_ca_certs: cliWithCa.map(roundRun) },
      targets: {
        // Issue 16's targets: at most 1.1x the pandas original's median wall time, 170 MiB, 5 MiB per 1,000 entries, 1.5 s for the Lambda.
        wall_max_1_1x_seed: { target: seedWall === null ? NaN : round(1.1 * seedWall), value: round(wallS), pass: seedWall === null ? null : wallS <= 1.1 * seedWall },
        peak_rss_max_170_mib: { target: 170, value: round(peak, 1), pass: peak <= 170 },
        growth_max_5_mib_per_1k: { target: 5, value: round(growth, 2), pass: growth <= 5 },
        warm_max_3x_floor: { target: 3, value: round(ratio, 2), pass: ratio <= 3 },
        handler_cold_max_1_5_s: { target: 1.5, value: round(median(coldRuns)), pass: median(coldRuns) <= 1.5 },
      },
    };
  } finally {
    rmSync(lake, { recursive: true, force: true });
  }
}

/** The lines `npm run bench` prints for this section. */
export function transformProcessLines(r: TransformProcessResult, mark: (pass: boolean) => string): string[] {
  const t = r.targets;
  const seedLine =
    r.seed_wall_s === null
      ? [`transform_process  pandas baseline ${r.seed}`]
      : [
          `transform_process  npm start --stage transform ${r.wall_s} s vs pandas ${r.seed_wall_s} s (median of ${r.paired_runs} paired runs, ${round(r.wall_s / r.seed_wall_s, 2)}x, target <= 1.1x)  ${mark(t.wall_max_1_1x_seed.pass === true)}`,
          `transform_process  CPU ${r.cpu_s} s vs pandas ${r.seed_cpu_s} s; peak RSS ${r.peak_rss_mb} MiB vs pandas ${r.seed_peak_rss_mb} MiB`,
        ];
  const envLines =
    r.wall_s_with_extra_ca_certs === null || r.node_start_s === null
      ? []
      : [
          `transform_process  measured without NODE_EXTRA_CA_CERTS; with it (as this environment sets it) npm start took ${r.wall_s_with_extra_ca_certs} s (node -e 0: ${r.node_start_s.without_extra_ca_certs} s without, ${r.node_start_s.with_extra_ca_certs} s with)`,
        ];
  return [
    ...seedLine,
    ...envLines,
    `transform_process  peak RSS ${r.peak_rss_mb} MiB at ${r.items} entries (target <= 170 MiB)  ${mark(t.peak_rss_max_170_mib.pass === true)}`,
    `transform_process  growth ${r.rss_mb_per_1k_entries} MiB per 1,000 entries (${Object.entries(r.peak_rss_mb_by_entries).map(([n, mb]) => `${n}: ${mb}`).join(", ")} MiB; target <= 5)  ${mark(t.growth_max_5_mib_per_1k.pass === true)}`,
    `transform_process  handler cold start + ${r.items} transform ${r.handler_cold_s} s (fresh process, target <= 1.5 s)  ${mark(t.handler_cold_max_1_5_s.pass === true)}`,
    `transform_process  warm ${r.warm.wall_s} s vs floor (${r.warm.floor}) ${r.warm.floor_s} s = ${r.warm.ratio}x (target <= 3x)  ${mark(t.warm_max_3x_floor.pass === true)}`,
  ];
}

if (require.main === module) printResult(runTransformProcessBench());
