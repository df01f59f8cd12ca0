/**
 * A project or an agent of the config by name, or a clear error naming the known
 * ones. Apart from spawn.ts so that the commands that only look things up (ls,
 * send) do not load spawn's code.
 */
import type { AgentSpec } from "../config/presets.js";
import type { ProjectConfig } from "../config/types.js";
import type { Context } from "./context.js";
import { AoError, NoConfigError, UsageError } from "./errors.js";

export function projectOrThrow(ctx: Context, id: string): ProjectConfig {
  const project = ctx.config.projects[id];
  // No config was found: ao acts on recorded sessions only (SPEC §1 "From anywhere"); naming a project needs one.
  if (!project && ctx.config.missing) throw new NoConfigError(ctx.config.missing.hint);
  if (!project) {
    const known = Object.keys(ctx.config.projects);
    throw new AoError(`Unknown project: ${id}`, { bare: true, hint: known.length ? `Projects: ${known.join(", ")}` : "No projects are configured." });
  }
  return project;
}

export function agentOrThrow(ctx: Context, name: string): AgentSpec {
  const agent = ctx.config.agents[name];
  if (!agent) throw new UsageError(`Unknown agent: ${name}`, `Agents: ${Object.keys(ctx.config.agents).join(", ")}`);
  return agent;
}
