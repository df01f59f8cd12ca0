/** `ao trust [PATH]`: obey this content of a config that ao finds by itself (SPEC §1 "Trust"). */
import { readFileSync, realpathSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { home, locateConfig, statOrUndefined, walkUp } from "../../config/locate.js";
import { sha256, trustContent } from "../../config/trust.js";
import { AoError, ConfigError } from "../../core/errors.js";
import type { Cli } from "../context.js";

export async function trustCommand(cli: Cli, path: string | undefined): Promise<void> {
  const target = path ? resolve(cli.cwd, path) : locateConfig({ configPath: cli.global.config, env: cli.env, cwd: cli.cwd }).path;
  if (!statOrUndefined(target)?.isFile()) throw new ConfigError(`Config file not found: ${target}`);
  const worktree = walkUp(dirname(realpathSync(target)), cli.env).worktrees[0];
  if (worktree) throw new AoError(`${target} is inside the worktree ${worktree}; ao never reads a config there, so it trusts none`, { hint: "Trust the project's config in its main checkout instead." });
  // The hash is of the text read once here, the same text that was validated.
  const text = readFileSync(target, "utf8");
  const { parseConfigKeys } = await import("../../config/parse.js");
  const { trustKeys } = parseConfigKeys(text, target, home(cli.env));
  const file = await trustContent(target, text, cli.env);
  const defines = trustKeys.length ? `; it defines ${trustKeys.join(", ")}` : "; it defines no commands and no github.apiUrl";
  cli.out(`Trusted ${target} as it is now (sha256 ${(await sha256(text)).slice(0, 16)})${defines}.`);
  cli.out(`ao obeys it until its content changes. To revoke: rm ${file}`);
}
