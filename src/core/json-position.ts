/**
 * Where a `JSON.parse` failure is, as `line L, column C` (1-based), for messages that name the spot.
 * V8 says `… at position N` for most errors; for an unexpected token it quotes the text around it
 * instead (`Unexpected token '}', …"oops" }]" is not valid JSON`), which is found in the text when it
 * occurs there once: `near` the token's first place in that excerpt.
 */
export function jsonErrorPosition(message: string, text: string): string | undefined {
  if (/\bline \d+/.test(message)) return undefined; // already located
  const at = /at position (\d+)/.exec(message);
  if (at !== null) return lineAndColumn(text, Math.min(Number(at[1]), text.length));
  const quoted = /Unexpected token '(.+?)', (?:\.\.\.)?"([\s\S]*)"(?:\.\.\.)? is not valid JSON/.exec(
    message,
  );
  if (quoted === null) return undefined;
  const [, token, excerpt] = quoted as unknown as [string, string, string];
  const start = text.indexOf(excerpt);
  if (excerpt.length === 0 || start === -1 || text.indexOf(excerpt, start + 1) !== -1) return undefined;
  return `near ${lineAndColumn(text, start + Math.max(excerpt.indexOf(token), 0))}`;
}

function lineAndColumn(text: string, position: number): string {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < position; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return `line ${line}, column ${position - lineStart + 1}`;
}
