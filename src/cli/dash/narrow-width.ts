/**
 * The width of the dash's usual text, without string-width (whose module alone
 * takes ~50 ms to load): text made only of the code points in NARROW (Latin,
 * Greek, Cyrillic, punctuation, arrows, technical symbols, box drawing, blocks,
 * shapes, some dingbats), with SGR colour codes. Each of those code points is
 * a grapheme cluster on its own and one column wide, so the width is the count.
 * test/unit/string-width.test.ts checks that claim for every code point in
 * NARROW against string-width itself.
 */
export const NARROW =
  /^[\u0020-\u007e\u00a0-\u00ac\u00ae-\u02ff\u0370-\u0482\u2010-\u2027\u2030-\u205e\u2070-\u20cf\u2100-\u2319\u231c-\u2328\u232b-\u23e8\u23ed-\u23ef\u23f1-\u23f2\u23f4-\u25fc\u2700-\u2704\u2706-\u2709\u270c-\u2727\u2729-\u274b]*$/;

/** SGR sequences (colours, bold…) exactly as strip-ansi matches them: numbers of up to 3 digits. */
const SGR = /\u001b\[(?:\d{1,3}(?:;\d{1,3})*)?m/g;

/** The columns `input` takes, when it is narrow text (SGR codes aside); otherwise undefined. */
export function narrowWidth(input: string): number | undefined {
  const plain = input.includes("\u001b") ? input.replace(SGR, "") : input;
  return !plain.includes("\u001b") && NARROW.test(plain) ? plain.length : undefined;
}
