/**
 * Text from the data on one line of the terminal: a line break in a playlist or song name
 * would start a line that looks like the report's own (a forged "Warning:" or chart row), so it
 * is shown as ⏎, as the query tables show it. Control characters are neutralised by
 * terminalSafe when the line is printed.
 */
export function oneLine(text: string): string {
  return text.replace(/\r\n|[\r\n\u0085\u2028\u2029]/g, "⏎");
}
