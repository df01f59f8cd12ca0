/**
 * YAML text → validated Config. Loaded only when the cached result is stale,
 * because yaml and zod are the heaviest modules ao has.
 */
import { isMap, isScalar, LineCounter, parseDocument, type Document } from "yaml";
import { closest, distance } from "fastest-levenshtein";
import { z } from "zod";
import { ConfigError } from "../core/errors.js";
import { derivePrefix } from "../core/naming.js";
import { parseDuration } from "./duration.js";
import { expandTilde } from "./locate.js";
import { isPreset, PRESETS, type AgentSpec } from "./presets.js";
import { configSchema, type RawConfig } from "./schema.js";
import type { Config, ProjectConfig } from "./types.js";
import { dirname, resolve } from "node:path";

type Path = readonly (string | number)[];

export function parseConfig(text: string, file: string, homeDir: string): Config {
  return parseConfigKeys(text, file, homeDir).config;
}

/**
 * The config and the keys in it that make ao run commands or send the token
 * somewhere (config/trust.ts): such a file found by walking up needs trust.
 */
export function parseConfigKeys(text: string, file: string, homeDir: string): { config: Config; trustKeys: string[] } {
  const lines = new LineCounter();
  // maxAliasCount bounds "billion laughs" alias bombs; yaml reports them as errors.
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const bad = doc.errors[0];
  if (bad) {
    const at = lines.linePos(bad.pos[0]);
    throw new ConfigError(`Invalid YAML in ${file} at line ${at.line}, column ${at.col}: ${firstLine(bad.message)}`);
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 }) ?? {};
  } catch (err) {
    throw new ConfigError(`Invalid YAML in ${file}: ${firstLine((err as Error).message)}`, { cause: err });
  }
  const result = configSchema.safeParse(data);
  const ctx: Ctx = { file, homeDir, doc, lines, problems: [] };
  if (!result.success) {
    for (const issue of result.error.issues) issueProblems(issue, ctx);
    throw problemsError(ctx);
  }
  const config = resolveConfig(result.data, ctx);
  if (ctx.problems.length) throw problemsError(ctx);
  return { config, trustKeys: trustKeys(result.data) };
}

function trustKeys(raw: RawConfig): string[] {
  const keys: string[] = [];
  for (const [name, a] of Object.entries(raw.agents ?? {})) {
    if (a.command !== undefined) keys.push(`agents.${name}.command`);
    if (a.resumeCommand !== undefined) keys.push(`agents.${name}.resumeCommand`);
  }
  for (const [id, p] of Object.entries(raw.projects ?? {})) if (p.postCreate?.length) keys.push(`projects.${id}.postCreate`);
  if (raw.github?.apiUrl !== undefined) keys.push("github.apiUrl");
  // A notify command runs; a webhook receives what ao watch sees: both are the user's to choose.
  for (const [i, n] of (raw.notify ?? []).entries()) if ("command" in n || "webhook" in n) keys.push(`notify[${i}]`);
  return keys;
}

interface Ctx {
  file: string;
  homeDir: string;
  doc: Document;
  lines: LineCounter;
  /** Every problem found: a config error lists them all at once. */
  problems: Problem[];
}

interface Problem {
  message: string;
  line?: number;
  hint?: string;
}

function resolveConfig(raw: RawConfig, ctx: Ctx): Config {
  const base = dirname(ctx.file);
  const path = (p: string) => resolve(base, expandTilde(p, ctx.homeDir));

  const agents: Record<string, AgentSpec> = {};
  for (const [name, preset] of Object.entries(PRESETS)) agents[name] = { name, ...preset, keys: { ...preset.keys } };
  for (const [name, custom] of Object.entries(raw.agents ?? {})) {
    const preset = isPreset(name) ? agents[name] : undefined;
    const command = custom.command ?? preset?.command;
    if (!command) {
      problem(`agents.${name}.command is required for a custom agent`, ["agents", name], ctx, true);
      continue;
    }
    agents[name] = {
      name,
      command,
      resumeCommand: custom.resumeCommand ?? preset?.resumeCommand,
      prompt: custom.prompt ?? preset?.prompt ?? "arg",
      keys: { ...preset?.keys, ...custom.keys },
      readyPattern: custom.readyPattern ?? preset?.readyPattern,
      status: custom.status ? { ...preset?.status, ...custom.status } : preset?.status,
      composer: custom.composer ?? preset?.composer,
    };
  }
  const defaultAgent = raw.defaults?.agent ?? "claude-code";
  if (!agents[defaultAgent]) unknownAgent(defaultAgent, ["defaults", "agent"], agents, ctx);

  const projects: Record<string, ProjectConfig> = {};
  for (const [id, p] of Object.entries(raw.projects ?? {})) {
    if (p.agent && !agents[p.agent]) unknownAgent(p.agent, ["projects", id, "agent"], agents, ctx);
    for (const [i, link] of (p.symlinks ?? []).entries()) {
      if (link.startsWith("/") || link.split("/").includes("..")) {
        problem(`projects.${id}.symlinks: "${link}" must be a path inside the repository`, ["projects", id, "symlinks", i], ctx);
      }
    }
    projects[id] = {
      id,
      path: path(p.path),
      repo: p.repo,
      defaultBranch: p.defaultBranch ?? "main",
      sessionPrefix: p.sessionPrefix ?? derivePrefix(id),
      agent: p.agent,
      postCreate: p.postCreate ?? [],
      symlinks: p.symlinks ?? [],
    };
  }
  checkPrefixes(projects, ctx);
  return {
    path: ctx.file,
    dataDir: path(raw.dataDir ?? "~/.agent-orchestrator"),
    worktreeDir: path(raw.worktreeDir ?? "~/.worktrees"),
    defaultAgent,
    agents,
    projects,
    githubApiUrl: raw.github?.apiUrl ?? "https://api.github.com",
    githubCacheTtlMs: parseDuration(raw.github?.cacheTtl ?? "60s"),
    tmuxSocket: raw.tmux?.socket ? expandTilde(raw.tmux.socket, ctx.homeDir) : undefined,
    runtimeDeadAfterMs: parseDuration(raw.cleanup?.runtimeDeadAfter ?? "24h"),
    transcriptMaxBytes: raw.logs?.maxBytes ?? 8 * 1024 * 1024,
    watch: watchConfig(raw),
  };
}

function watchConfig(raw: RawConfig): Config["watch"] {
  const r = raw.reactions ?? {};
  return {
    intervalMs: Math.max(1000, parseDuration(raw.watch?.interval ?? "5s")),
    githubIntervalMs: Math.max(1000, parseDuration(raw.watch?.githubInterval ?? "60s")),
    reactions: {
      "ci-failed": r["ci-failed"] ?? "send",
      "changes-requested": r["changes-requested"] ?? "send",
      conflict: r.conflict ?? "send",
      waiting: r.waiting ?? "notify",
      dead: r.dead ?? "notify",
      ready: r.ready ?? "notify",
      merged: r.merged ?? "notify",
      maxSends: r.maxSends ?? 2,
    },
    notify: raw.notify ?? [],
  };
}

/**
 * Session names are `<prefix>-…` and are used bare by tmux, the CLI and GitHub
 * answers, so two projects must never be able to make the same name: equal
 * prefixes ("frontend-app" and "feature-api" both derive "fa"), or one prefix
 * followed by a dash starting the other ("fa" and "fa-x": `fa-x-1` would be both).
 */
function checkPrefixes(projects: Record<string, ProjectConfig>, ctx: Ctx): void {
  const list = Object.values(projects);
  for (const [i, a] of list.entries()) {
    for (const b of list.slice(i + 1)) {
      const [short, long] = a.sessionPrefix.length <= b.sessionPrefix.length ? [a, b] : [b, a];
      if (long.sessionPrefix !== short.sessionPrefix && !long.sessionPrefix.startsWith(`${short.sessionPrefix}-`)) continue;
      const why = long.sessionPrefix === short.sessionPrefix ? `both use the session prefix "${a.sessionPrefix}"` : `use the session prefixes "${short.sessionPrefix}" and "${long.sessionPrefix}", whose session names can collide`;
      problem(`Projects "${short.id}" and "${long.id}" ${why}`, ["projects", long.id], ctx, true, `Give one of them its own projects.ID.sessionPrefix (e.g. sessionPrefix: ${long.sessionPrefix === short.sessionPrefix ? `${long.sessionPrefix}2` : long.sessionPrefix.replace(/-/g, "")}).`);
    }
  }
}

/** The problems one zod issue stands for: an unrecognized_keys issue names each key, with the nearest known one. */
function issueProblems(issue: z.core.$ZodIssue, ctx: Ctx): void {
  const path = issue.path.map(pathPart);
  if (issue.code === "unrecognized_keys") {
    const known = knownKeys(path);
    for (const key of issue.keys) {
      const near = known.length ? closest(key, known) : undefined;
      const suggest = near && distance(key, near) <= Math.max(2, Math.floor(key.length / 3)) ? `Did you mean "${near}"?` : undefined;
      problem(`Unknown key "${dotted([...path, key])}"`, [...path, key], ctx, true, suggest);
    }
    return;
  }
  if (issue.code === "invalid_key" && path.length) {
    const inner = issue.issues[0];
    const pattern = inner && "pattern" in inner ? ` (${String(inner.pattern).replace(/^\/\^?|\$?\/$/g, "")})` : "";
    const what = path[0] === "projects" ? "project id" : path[0] === "agents" ? "agent name" : "key";
    problem(`Invalid ${what} "${path[path.length - 1]}" under ${dotted(path.slice(0, -1))}: use ${inner?.message ?? "a simple name"}${pattern}`, path, ctx, true);
    return;
  }
  problem(`Invalid value for "${path.length ? dotted(path) : "config"}": ${issue.message}`, path, ctx);
}

/** The keys the schema allows at `path`, read from the JSON Schema made of the same definition (only on an error). */
function knownKeys(path: Path): string[] {
  let node: JsonSchemaNode | undefined = z.toJSONSchema(configSchema, { io: "input" }) as JsonSchemaNode;
  for (const part of path) node = node?.properties?.[String(part)] ?? (typeof node?.additionalProperties === "object" ? node.additionalProperties : undefined);
  return Object.keys(node?.properties ?? {});
}

interface JsonSchemaNode {
  properties?: Record<string, JsonSchemaNode>;
  additionalProperties?: JsonSchemaNode | boolean;
}

function unknownAgent(name: string, path: Path, agents: Record<string, AgentSpec>, ctx: Ctx): void {
  problem(`Unknown agent "${name}" at "${dotted(path)}"`, path, ctx, false, `Known agents: ${Object.keys(agents).join(", ")}.`);
}

function problem(message: string, path: Path, ctx: Ctx, atKey = false, hint?: string): void {
  ctx.problems.push({ message, line: lineOf(path, ctx, atKey), hint });
}

/**
 * One problem keeps the one-line form `MESSAGE in FILE (line N)` and its hint;
 * several are listed in line order under one heading, each with its hint.
 */
function problemsError(ctx: Ctx): ConfigError {
  const list = [...ctx.problems].sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
  if (list.length === 1) {
    const [p] = list;
    return new ConfigError(`${p!.message} in ${ctx.file}${p!.line ? ` (line ${p!.line})` : ""}`, { hint: p!.hint });
  }
  const lines = list.map((p) => `  ${p.line ? `line ${p.line}: ` : ""}${p.message}${p.hint ? `. ${p.hint}` : ""}`);
  return new ConfigError(`${list.length} problems in ${ctx.file}:\n${lines.join("\n")}`);
}

/** The line of the value at `path`, or of its key when `atKey` (for keys that have no schema). */
function lineOf(path: Path, ctx: Ctx, atKey: boolean): number | undefined {
  if (path.length === 0) return undefined;
  const parent = path.length > 1 ? ctx.doc.getIn(path.slice(0, -1), true) : ctx.doc.contents;
  const last = path[path.length - 1];
  let offset: number | undefined;
  if (isMap(parent)) {
    const pair = parent.items.find((p) => isScalar(p.key) && String(p.key.value) === String(last));
    const node = (atKey ? pair?.key : pair?.value ?? pair?.key) as { range?: [number, number, number] } | undefined;
    offset = node?.range?.[0];
  } else {
    const node = ctx.doc.getIn(path, true) as { range?: [number, number, number] } | undefined;
    offset = node?.range?.[0];
  }
  return offset === undefined ? undefined : ctx.lines.linePos(offset).line;
}

function pathPart(p: PropertyKey): string | number {
  return typeof p === "number" ? p : String(p);
}

function dotted(path: Path): string {
  return path.map((p) => (typeof p === "number" ? `[${p}]` : p)).join(".").replace(/\.\[/g, "[");
}

function firstLine(s: string): string {
  return s.split("\n")[0] ?? s;
}
