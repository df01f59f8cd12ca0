/**
 * `string-width` for Ink, with a fast path: the dash's bundle uses this module
 * wherever Ink and its helpers import string-width 8 (scripts/build-cli.mjs).
 *
 * Why: string-width measures any text that is not printable ASCII grapheme by
 * grapheme with Intl.Segmenter and a `\p{RGI_Emoji}` regular expression. The
 * first such call builds both (~60 ms), and the dash's first frame always has
 * one (its rules are "─"); then ~1 ms per 100-character line.
 *
 * The fast path covers text made only of the code points in NARROW (Latin,
 * Greek, Cyrillic, punctuation, arrows, technical symbols, box drawing, blocks,
 * shapes, some dingbats), with SGR colour codes: each of those code points is a
 * grapheme cluster on its own and one column wide, so the width is the count.
 * test/unit/string-width.test.ts checks that claim for every code point in
 * NARROW against string-width itself. Anything else (options, other escapes,
 * emoji, combining marks, CJK…) goes to string-width unchanged.
 */
import stringWidth, { type Options } from "string-width";

export const NARROW =
  /^[\u0020-\u007e\u00a0-\u00ac\u00ae-\u02ff\u0370-\u0482\u2010-\u2027\u2030-\u205e\u2070-\u20cf\u2100-\u2319\u231c-\u2328\u232b-\u23e8\u23ed-\u23ef\u23f1-\u23f2\u23f4-\u25fc\u2700-\u2704\u2706-\u2709\u270c-\u2727\u2729-\u274b]*$/;

/** SGR sequences (colours, bold…) exactly as strip-ansi matches them: numbers of up to 3 digits. */
const SGR = /\u001b\[(?:\d{1,3}(?:;\d{1,3})*)?m/g;

export default function width(input: string, options: Options = {}): number {
  if (typeof input === "string" && !options.countAnsiEscapeCodes && options.ambiguousIsNarrow !== false) {
    const plain = input.includes("\u001b") ? input.replace(SGR, "") : input;
    if (!plain.includes("\u001b") && NARROW.test(plain)) return plain.length;
  }
  return stringWidth(input, options);
}
