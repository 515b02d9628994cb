/**
 * A raw snapshot written one top-level array element per line (jsonInLines.ts) parsed from its
 * bytes in pieces (ObjectStore.getPieces), so the whole file is never in memory: each element
 * line is parsed as it comes, and the other lines, the skeleton
 *
 *   {"format":"…","entries":[
 *   ],"artists":[
 *   ],"extraction":{…}}
 *
 * are parsed at the end by parseJsonInParts, whose top-level "[\n]" arrays take the elements.
 * Same value as JSON.parse of the whole text. Undefined when the text is not laid out so (a
 * compact snapshot written before, or any other layout or invalid JSON): the caller reads it
 * whole then (parseRawSnapshot), which also gives JSON.parse's own error for invalid text.
 *
 * Checked as it goes: an element line must parse once its one trailing comma is cut, every
 * element line but an array's last ends with a comma, and the skeleton must be a valid document
 * with exactly one "[\n]" top-level array per array of lines. JSON has no raw line break inside a
 * value, so those lines together are that valid document with those elements.
 *
 * A caller may take an array's element lines itself (a LineSink, chosen by the skeleton line that
 * opens the array): the raw snapshot's entries are digested as they come (snapshotInPieces.ts),
 * so their objects die young.
 */
import { parseJsonInParts } from "./parseJsonInParts";

const NEWLINE = 0x0a;
const COMMA = 0x2c;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
/**
 * A longer line is not this layout's: each line holds one API object or the document's small
 * frame. A compact snapshot (one line) is then declined early and read whole, rather than
 * gathered piece by piece into a copy of itself.
 */
const MAX_LINE_BYTES = 8 * 1024 * 1024;

/** Where the element lines of one array go. */
export interface LineSink {
  /** One element's bytes, its trailing comma cut; false when it is not one (the parse then gives undefined). */
  line(buf: Buffer, start: number, end: number): boolean;
  /** What stands for the array in the document once its lines are read. */
  finish(): unknown;
}

/** The default sink: each line is JSON.parse'd into an array. */
function parsedElements(): LineSink {
  const elements: unknown[] = [];
  return {
    line(buf, start, end) {
      try {
        elements.push(JSON.parse(buf.toString("utf8", start, end)));
      } catch {
        return false;
      }
      return true;
    },
    finish: () => elements,
  };
}

/**
 * @param sinkFor who takes the element lines of the array a skeleton line opens (the line, up
 *   to its "["); undefined for the default, an array of the parsed elements.
 */
export async function parseJsonLinesInPieces(pieces: AsyncIterable<Uint8Array>, sinkFor?: (openingLine: Buffer) => LineSink | undefined): Promise<unknown> {
  const skeleton: Buffer[] = [];
  const sinks: LineSink[] = [];
  let sink: LineSink | undefined; // takes the element lines being read
  let lines = 0; // element lines of that array so far
  let commaBefore = false; // the previous element line ended with a comma
  /** One line (without its "\n"); false when the layout is not the one described above. */
  const onLine = (buf: Buffer, start: number, end: number): boolean => {
    if (sink && buf[start] !== CLOSE_BRACKET) {
      if (lines++ > 0 && !commaBefore) return false;
      commaBefore = buf[end - 1] === COMMA;
      return sink.line(buf, start, commaBefore ? end - 1 : end);
    }
    if (sink && commaBefore) return false; // "[1,\n]" is not JSON
    const copy = Buffer.from(buf.subarray(start, end));
    skeleton.push(copy, Buffer.of(NEWLINE));
    sink = undefined;
    if (end > start && buf[end - 1] === OPEN_BRACKET) sinks.push((sink = sinkFor?.(copy) ?? parsedElements()));
    lines = 0;
    commaBefore = false;
    return true;
  };

  // The start of a line the previous pieces ended in, piece by piece (copied: a piece may be
  // overwritten by the next), joined once when the line ends: joining at every piece would copy a
  // long line over and over.
  let carry: Buffer[] = [];
  let carryBytes = 0;
  for await (const piece of pieces) {
    const buf = Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength);
    let start = 0;
    let nl = buf.indexOf(NEWLINE);
    if (carry.length > 0) {
      if (nl < 0) {
        carry.push(Buffer.from(buf));
        carryBytes += buf.length;
        if (carryBytes > MAX_LINE_BYTES) return undefined;
        continue;
      }
      const line = Buffer.concat([...carry, buf.subarray(0, nl)]);
      carry = [];
      carryBytes = 0;
      if (!onLine(line, 0, line.length)) return undefined;
      start = nl + 1;
      nl = buf.indexOf(NEWLINE, start);
    }
    for (; nl >= 0; nl = buf.indexOf(NEWLINE, start)) {
      if (!onLine(buf, start, nl)) return undefined;
      start = nl + 1;
    }
    if (start < buf.length) {
      carry = [Buffer.from(buf.subarray(start))];
      carryBytes = buf.length - start;
      if (carryBytes > MAX_LINE_BYTES) return undefined;
    }
  }
  // The last line, with no "\n" after it, closes the document: never inside an array of lines.
  const last = Buffer.concat(carry);
  if (last.length > 0 && !onLine(last, 0, last.length)) return undefined;
  if (sink) return undefined;
  skeleton.pop(); // the "\n" onLine put after the last line (or a trailing one, only white space)
  return parseJsonInParts(Buffer.concat(skeleton), sinks.map((s) => s.finish()));
}
