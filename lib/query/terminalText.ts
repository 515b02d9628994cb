/**
 * Text from the data (playlist, song and artist names written by Spotify users) made safe to
 * print on a terminal. Control characters would reach the terminal as commands: ESC starts the
 * ANSI/ECMA-48 escape and control sequences (colours, cursor moves, OSC 8 hyperlinks, OSC 52
 * clipboard writes, window titles), C1 characters (U+0080–U+009F, e.g. CSI U+009B) do the same
 * on terminals that read them, and bidirectional overrides reorder what is shown (CVE-2021-42574,
 * "Trojan Source"). Each is shown as a visible stand-in instead; printable text, newlines
 * between lines, and every other Unicode character stay as they are.
 * Only the terminal views use this: JSON and CSV output keep the data exactly.
 */

/** C0 controls but newline, DEL, C1 controls, and the bidi embedding/override/isolate characters. */
const UNSAFE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

function standIn(ch: string): string {
  const code = ch.charCodeAt(0);
  // C0 and DEL have Unicode control pictures (U+2400–U+2421): ESC shows as ␛, BEL as ␇.
  if (code < 0x20) return String.fromCharCode(0x2400 + code);
  if (code === 0x7f) return "\u2421";
  return `<U+${code.toString(16).toUpperCase().padStart(4, "0")}>`;
}

/** The text with every control character shown as a visible stand-in; "\n" kept. */
export function terminalSafe(text: string): string {
  return text.replace(UNSAFE, standIn);
}
