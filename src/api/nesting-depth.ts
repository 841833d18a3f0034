// Nesting depth of request bodies, measured in one linear pass before any parser or recursive
// walk sees them: a 3 MiB body can nest a million levels, which overflows recursive code (a
// 500) or keeps a YAML parser busy for seconds and gigabytes.
//
// Upstream: encoding/json's scanner stops at 10,000 levels (`invalid character '[' exceeded
// max depth`), go-yaml at 10,000 flow levels or block indents (`exceeded max depth of 10000`).
// Skiff cannot go that deep: V8's own structuredClone overflows its stack near 2,000 nested
// objects and the `yaml` package near 800 levels. So skiff refuses past 1,000 levels of JSON
// and 500 of YAML, in upstream's words. No Kubernetes object comes near either.

const MAX_JSON_DEPTH = 1_000;
const MAX_YAML_DEPTH = 500;

/** Go's scanner error for JSON nested deeper than `max` levels, or undefined. Strings are skipped. */
export function jsonDepthError(text: string, max = MAX_JSON_DEPTH): string | undefined {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) { // a string: skip to its closing quote
      for (i++; i < text.length; i++) {
        const s = text.charCodeAt(i);
        if (s === 0x5c) i++;
        else if (s === 0x22) break;
      }
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) return `invalid character '${text[i]}' exceeded max depth`;
    } else if (c === 0x5d || c === 0x7d) {
      depth--;
    }
  }
  return undefined;
}

/**
 * `exceeded max depth of <max>` (go-yaml's words) when YAML nests deeper than `max` levels,
 * counting flow collections ([ {) and block collections (by indentation and the compact
 * `- ` / `? ` indicators); undefined otherwise. A bound, not a parser: it may overcount odd
 * documents, never undercount.
 */
export function yamlDepthError(text: string, max = MAX_YAML_DEPTH): string | undefined {
  const tooDeep = `exceeded max depth of ${max}`;
  const blocks: number[] = []; // columns of the open block collections
  let flow = 0;
  let quote = ''; // an open quoted scalar, which may span lines
  let scalarIndent = -1; // inside a block scalar (| or >) owned by a line at this indent
  let lineStart = 0;
  while (lineStart <= text.length) {
    let end = text.indexOf('\n', lineStart);
    if (end < 0) end = text.length;
    let i = lineStart;
    while (i < end && text[i] === ' ') i++;
    const indent = i - lineStart;
    const blank = i >= end || text[i] === '#' || text[i] === '\r';
    if (scalarIndent >= 0 && (blank || indent > scalarIndent)) { lineStart = end + 1; continue; }
    scalarIndent = -1;
    if (!blank && !quote && flow === 0) {
      while (blocks.length && blocks[blocks.length - 1]! >= indent) blocks.pop();
      // Compact indicators open one level each: `- - - x`, `? - x`.
      while ((text[i] === '-' || text[i] === '?') && (i + 1 >= end || text[i + 1] === ' ')) {
        blocks.push(i - lineStart);
        if (blocks.length > max) return tooDeep;
        i += 2;
        while (i < end && text[i] === ' ') i++;
      }
      blocks.push(i - lineStart); // the node itself (a mapping, or a scalar: one more is a safe overcount)
      if (blocks.length > max) return tooDeep;
    }
    // Flow collections, quotes and comments on the rest of the line.
    let tokenStart = true;
    for (; i < end; i++) {
      const c = text[i]!;
      if (quote) {
        if (quote === '"' && c === '\\') i++;
        else if (c === quote) {
          if (quote === "'" && text[i + 1] === "'") i++;
          else quote = '';
        }
        continue;
      }
      if (c === '#' && tokenStart) break;
      if ((c === '"' || c === "'") && tokenStart) { quote = c; continue; }
      if ((c === '[' || c === '{') && (tokenStart || flow > 0)) {
        if (++flow > max) return tooDeep;
        tokenStart = true;
        continue;
      } else if ((c === ']' || c === '}') && flow > 0) {
        flow--;
      } else if ((c === '|' || c === '>') && tokenStart && flow === 0 && blockScalarHeader(text, i + 1, end)) {
        scalarIndent = indent;
        break;
      }
      tokenStart = c === ' ' || c === '\t' || c === ',' || c === ':';
    }
    lineStart = end + 1;
  }
  return undefined;
}

/** Whether text[from, end) finishes a block scalar header: indicators, then blanks, then nothing or a comment. */
function blockScalarHeader(text: string, from: number, end: number): boolean {
  let i = from;
  while (i < end && /[-+0-9]/.test(text[i]!)) i++;
  while (i < end && (text[i] === ' ' || text[i] === '\t')) i++;
  return i >= end || text[i] === '#' || text[i] === '\r';
}
