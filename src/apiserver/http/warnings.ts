// The Warning headers of one response, as upstream's warning recorder writes them
// (k8s.io/apiserver endpoints/filters/warning.go): deduplicated by text, at most 4 KiB of text
// in all; once past that, every warning is cut to 256 characters (runes) and those that no
// longer fit are dropped. Linear in the number of warnings offered.

/** Upstream's limits, in runes (code points) of warning text. */
const WARNING_TOTAL_RUNES = 4 * 1024;
const WARNING_ITEM_RUNES = 256;

export class WarningRecorder {
  private readonly seen = new Set<string>();
  private readonly texts: string[] = [];
  private headers: string[] = [];
  private written = 0;
  private truncating = false;

  /** `limits` in runes: upstream's unless a test asks for small ones. */
  constructor(private readonly limits = { total: WARNING_TOTAL_RUNES, item: WARNING_ITEM_RUNES }) {}

  /** Records `text` unless it is empty, a repeat, not printable (upstream drops those), or past the limit. */
  add(text: string): void {
    const { total, item } = this.limits;
    if (!text || (this.truncating && this.written >= total)) return;
    if (this.seen.has(text)) return;
    this.seen.add(text);
    this.texts.push(text);
    const runes = [...text];
    const cut = this.truncating && runes.length > item ? runes.slice(0, item) : runes;
    const header = warningHeader(cut.join(''));
    if (header === undefined) return;
    if (this.written + cut.length <= total || this.truncating) {
      this.written += cut.length;
      this.headers.push(header);
      return;
    }
    // Over the limit for the first time: replay everything so far, each cut to the item limit.
    this.truncating = true;
    this.written = 0;
    this.headers = [];
    for (const t of this.texts) {
      const r = [...t].slice(0, item);
      const h = warningHeader(r.join(''));
      if (h === undefined) continue;
      this.written += r.length;
      this.headers.push(h);
    }
  }

  /** The Warning header values, in the order the warnings came. */
  get values(): readonly string[] {
    return this.headers;
  }
}

/** RFC 7234 warn-text with upstream's agent "-"; undefined for text with control characters (upstream refuses it). */
function warningHeader(text: string): string | undefined {
  if (/[\u0000-\u001f\u007f-\u009f]/.test(text)) return undefined;
  return `299 - "${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}
