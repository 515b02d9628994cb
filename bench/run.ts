/**
 * `npm run bench [-- section ...]`: the benchmarks, on 127.0.0.1. Prints a table and merges the
 * sections it ran into bench/results.json (the other sections keep their last figures, so one
 * section can be re-measured alone). A missed target is printed as MISSED beside its figure;
 * the run still exits 0 (it is a measurement, not a test). Generated inputs are cached under
 * bench/out/ (gitignored). Each section lives in its own file and is listed in bench/sections.ts.
 */
import { cpus, totalmem } from "node:os";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { performance } from "node:perf_hooks";
import { SECTIONS } from "./sections";

const RESULTS_FILE = path.join(__dirname, "results.json");

function readPrevious(): Record<string, unknown> {
  if (!existsSync(RESULTS_FILE)) return {};
  try {
    return JSON.parse(readFileSync(RESULTS_FILE, "utf8")) as Record<string, unknown>;
  } catch {
    return {};
  }
}

async function main(): Promise<void> {
  const asked = process.argv.slice(2).filter((a) => !a.startsWith("-"));
  const unknown = asked.filter((name) => !SECTIONS.some((s) => s.name === name));
  if (unknown.length > 0) {
    console.error(`Unknown bench section(s): ${unknown.join(", ")}. Known: ${SECTIONS.map((s) => s.name).join(", ")}.`);
    process.exitCode = 2;
    return;
  }
  const chosen = asked.length === 0 ? SECTIONS : SECTIONS.filter((s) => asked.includes(s.name));
  const started = performance.now();
  const step = (what: string) => console.error(`[bench ${((performance.now() - started) / 1000).toFixed(0)} s] ${what}`);

  const results: Record<string, unknown> = { ...readPrevious() };
  const lines: string[] = [];
  for (const section of chosen) {
    step(section.title);
    const { results: figures, lines: sectionLines } = await section.run();
    Object.assign(results, figures);
    lines.push(...sectionLines);
  }
  results.generated_at = new Date().toISOString();
  results.machine = {
    cpus: cpus().length,
    cpu_model: cpus()[0]?.model ?? "unknown",
    memory_gib: Number((totalmem() / 2 ** 30).toFixed(1)),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
  };
  results.last_run = { sections: chosen.map((s) => s.name), wall_s: Number(((performance.now() - started) / 1000).toFixed(1)) };
  writeFileSync(RESULTS_FILE, `${JSON.stringify(results, null, 2)}\n`);

  console.log(
    ["", `Benchmarks (${cpus().length} CPUs ${cpus()[0]?.model ?? ""}, node ${process.version}); details in bench/results.json`, "", ...lines, "", `bench took ${(results.last_run as { wall_s: number }).wall_s} s`].join("\n"),
  );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
