/**
 * The CLI entry and its one error boundary: commands throw, this maps errors to
 * exit codes (0 ok, 1 error, 2 usage). `ao --version` is answered before any
 * other module loads.
 */
import { readFileSync } from "node:fs";

const argv = process.argv.slice(2);

function version(): string {
  return (JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string }).version;
}

if (argv.length === 1 && (argv[0] === "--version" || argv[0] === "-V")) {
  process.stdout.write(`${version()}\n`);
} else {
  const { runCli } = await import("./program.js");
  process.exitCode = await runCli(argv, version());
}
