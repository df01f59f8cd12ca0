// Preloaded with `node --import`: appends the URL of every module this process
// loads to $AO_TRACE_IMPORTS, so a test can tell which code a command pays for.
import { register } from "node:module";

if (process.env.AO_TRACE_IMPORTS) {
  register(`data:text/javascript,${encodeURIComponent(`
    import { appendFileSync } from "node:fs";
    export async function load(url, context, next) {
      appendFileSync(${JSON.stringify(process.env.AO_TRACE_IMPORTS)}, url + "\\n");
      return next(url, context);
    }
  `)}`);
}
