/**
 * The dash's string-width fast path (src/cli/dash/string-width.ts) must agree
 * with string-width, which it stands in for inside Ink.
 */
import stringWidth from "string-width";
import { describe, expect, it } from "vitest";
import width, { NARROW } from "../../src/cli/dash/string-width.js";

const narrow: string[] = [];
for (let cp = 0; cp < 0x10000; cp++) if (NARROW.test(String.fromCharCode(cp))) narrow.push(String.fromCharCode(cp));
const segments = (s: string) => [...new Intl.Segmenter().segment(s)].length;

describe("the dash's string-width", () => {
  it("covers only code points that are one column and a grapheme cluster of their own", () => {
    expect(narrow.length).toBeGreaterThan(2000);
    const wrong = narrow.filter((c) => stringWidth(c) !== 1 || segments(`a${c}a`) !== 3 || segments(`${c}${c}`) !== 2);
    expect(wrong.map((c) => c.codePointAt(0)!.toString(16))).toEqual([]);
  });

  it("measures as string-width does: text, colours, and everything outside the fast path", () => {
    const samples = [
      "",
      "ao dash  12 sessions, 3 need you",
      "── ma-3 (waiting) ─────────",
      "↑↓/jk select  ⏎ attach  s send",
      "\u001b[33m\u001b[1mwaiting\u001b[22m\u001b[39m  2m  feat/x…",
      "\u001b[38;5;208mθ→λ\u001b[0m",
      "\u001b[12345m too long for SGR",
      "\u001b]8;;https://example.com\u0007link\u001b]8;;\u0007",
      "日本語 and emoji 👍🏽 ✅ ⌚ ☀️ e\u0301",
      "\u00ad soft hyphen, \u200b zero width, tab\there",
      "\u001b[31m日本\u001b[39m",
    ];
    for (let i = 0; i < 200; i++) samples.push(Array.from({ length: 40 }, (_, j) => narrow[(i * 7919 + j * 104729) % narrow.length]).join(""));
    for (const s of samples) expect(width(s), JSON.stringify(s)).toBe(stringWidth(s));
    expect(width("─╮", { ambiguousIsNarrow: false })).toBe(stringWidth("─╮", { ambiguousIsNarrow: false }));
    expect(width("\u001b[31mab\u001b[39m", { countAnsiEscapeCodes: true })).toBe(stringWidth("\u001b[31mab\u001b[39m", { countAnsiEscapeCodes: true }));
  });
});
