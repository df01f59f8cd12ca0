/**
 * `string-width` for Ink, with a fast path: the dash's bundle uses this module
 * wherever Ink and its helpers import string-width 8 (scripts/build-cli.mjs).
 *
 * Why: string-width measures any text that is not printable ASCII grapheme by
 * grapheme with Intl.Segmenter and a `\p{RGI_Emoji}` regular expression. The
 * first such call builds both (~60 ms), and the dash's first frame always has
 * one (its rules are "─"); then ~1 ms per 100-character line.
 *
 * The fast path (narrow-width.ts) covers the usual text of the dash: anything
 * else (options, other escapes, emoji, combining marks, CJK…) goes to
 * string-width unchanged.
 */
import stringWidth, { type Options } from "string-width";
import { narrowWidth } from "./narrow-width.js";

export { NARROW } from "./narrow-width.js";

export default function width(input: string, options: Options = {}): number {
  if (typeof input === "string" && !options.countAnsiEscapeCodes && options.ambiguousIsNarrow !== false) {
    const narrow = narrowWidth(input);
    if (narrow !== undefined) return narrow;
  }
  return stringWidth(input, options);
}
