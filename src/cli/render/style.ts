/**
 * Colours. chalk is loaded only when colour is on (a terminal, no NO_COLOR, no
 * --no-color), so scripts and cron runs never pay for it.
 */
export type Paint = (s: string) => string;
export interface Style {
  green: Paint;
  dim: Paint;
  cyan: Paint;
  blue: Paint;
  red: Paint;
  yellow: Paint;
  bold: Paint;
}

const plain: Paint = (s) => s;
export const noStyle: Style = { green: plain, dim: plain, cyan: plain, blue: plain, red: plain, yellow: plain, bold: plain };

/**
 * no-color.org: NO_COLOR counts only when set and non-empty. FORCE_COLOR=0 (or
 * false) turns colour off, any other non-empty value on, even when piped.
 */
export function colorWanted(opts: { color?: boolean }, stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv): boolean {
  if (opts.color === false || env.NO_COLOR) return false;
  if (env.FORCE_COLOR === "0" || env.FORCE_COLOR === "false") return false;
  if (env.FORCE_COLOR) return true;
  return stream.isTTY === true;
}

export async function loadStyle(enabled: boolean): Promise<Style> {
  if (!enabled) return noStyle;
  const { Chalk } = await import("chalk");
  const c = new Chalk({ level: 1 });
  return { green: c.green, dim: c.dim, cyan: c.cyan, blue: c.blue, red: c.red, yellow: c.yellow, bold: c.bold };
}
