import { expect } from "chai";
import { Writable } from "node:stream";
import { createProgressReporter } from "../cli/progress";
import type { ProgressEvent } from "../lib/extract/extractPlaylist";

function sink(isTTY: boolean): Writable & { isTTY: boolean; text: () => string } {
  let text = "";
  const w = new Writable({ write(chunk, _enc, cb) { text += String(chunk); cb(); } }) as Writable & { isTTY: boolean; text: () => string };
  w.isTTY = isTTY;
  w.text = () => text;
  return w;
}

function events(id: string): ProgressEvent[] {
  const out: ProgressEvent[] = [{ playlistId: id, phase: "playlist", done: 0, total: 1 }, { playlistId: id, phase: "playlist", done: 1, total: 1 }];
  for (let done = 50; done <= 200; done += 50) out.push({ playlistId: id, phase: "items", done, total: 200 });
  for (let done = 1; done <= 30; done++) out.push({ playlistId: id, phase: "artists", done, total: 30 });
  for (let done = 1; done <= 20; done++) out.push({ playlistId: id, phase: "albums", done, total: 20 });
  out.push({ playlistId: id, phase: "done", done: 200, total: 200 });
  return out;
}

describe("createProgressReporter", () => {
  it("writes plain lines at phase changes when not a terminal, not one per call", () => {
    const out = sink(false);
    const report = createProgressReporter(out);
    for (const e of [...events("A"), ...events("B")]) report(e);
    const lines = out.text().trimEnd().split("\n");
    expect(lines).to.have.length(10);
    expect(lines[1]).to.equal("A: fetching items (200)");
    expect(lines[4]).to.equal("A: entries 200/200, artists 30/30, albums 20/20 — done");
    expect(out.text()).to.not.include("\r");
  });

  it("writes nothing when not a terminal and not verbose (the day's summary says what landed)", () => {
    const out = sink(false);
    const report = createProgressReporter(out, Date.now, false);
    for (const e of events("A")) report(e);
    expect(out.text()).to.equal("");
  });

  it("rewrites one line per playlist on a terminal", () => {
    const out = sink(true);
    let now = 0;
    const report = createProgressReporter(out, () => (now += 1000));
    for (const e of [...events("A"), ...events("B")]) report(e);
    const text = out.text();
    expect(text).to.include("\r\x1b[2KA: entries 150/200, artists …, albums …");
    expect(text.split("\n").filter((l) => l.length > 0)).to.have.length(2);
    expect(text.split("\n")[1]).to.match(/B: entries 200\/200, artists 30\/30, albums 20\/20 — done$/);
  });

  it("redraws a terminal line at most every 100 ms, but always at phase changes and when done", () => {
    const out = sink(true);
    const report = createProgressReporter(out, () => 0);
    for (const e of events("A")) report(e);
    const draws = out.text().split("\r\x1b[2K").filter((d) => d.length > 0);
    expect(draws.map((d) => d.trimEnd())).to.deep.equal([
      "A: entries …, artists …, albums …",
      "A: entries 50/200, artists …, albums …",
      "A: entries 200/200, artists 1/30, albums …",
      "A: entries 200/200, artists 30/30, albums 1/20",
      "A: entries 200/200, artists 30/30, albums 20/20 — done",
    ]);
  });
});
