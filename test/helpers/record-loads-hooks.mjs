// Module hooks (run on Node's loader thread) for record-loads.mjs.
import { appendFileSync } from "node:fs";

let file;
export function initialize(data) {
  file = data;
}

export async function load(url, context, next) {
  if (!url.startsWith("node:")) appendFileSync(file, `${url}\n`);
  return next(url, context);
}
