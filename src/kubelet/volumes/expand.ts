// $(VAR) references as upstream's third_party/forked/golang/expansion: `$$` is a literal `$`,
// an unclosed `$(` and a `$` before anything else stay as written.

export function expand(input: string, mapping: (name: string) => string): string {
  let out = '';
  let i = 0;
  while (i < input.length) {
    const ch = input[i]!;
    if (ch !== '$' || i + 1 >= input.length) {
      out += ch;
      i++;
      continue;
    }
    const next = input[i + 1]!;
    if (next === '$') {
      out += '$';
      i += 2;
    } else if (next === '(') {
      const close = input.indexOf(')', i + 2);
      if (close < 0) {
        out += '$(';
        i += 2;
      } else {
        out += mapping(input.slice(i + 2, close));
        i = close + 1;
      }
    } else {
      out += `$${next}`;
      i += 2;
    }
  }
  return out;
}
