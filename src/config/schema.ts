/**
 * The one definition of agent-orchestrator.yaml. The loader validates with it and
 * `emit-schema.ts` turns it into the JSON Schema that editors use, so the two can
 * never disagree. Objects are strict: an unknown key is an error, not dropped.
 */
import { z } from "zod";

const duration = z
  .union([z.literal(0), z.string().regex(/^(0|\d+(s|m|h|d))$/, "a duration like 30s, 15m, 24h, 7d or 0")])
  .describe("A number with a unit (30s, 15m, 24h, 7d) or 0");

const pattern = z
  .string()
  .min(1)
  .refine((v) => {
    try {
      new RegExp(v, "m");
      return true;
    } catch {
      return false;
    }
  }, "a valid regular expression");

const keyList = z.array(z.string().regex(/^[A-Za-z0-9-]+$/, "a tmux key name like Escape, C-c, y or Enter")).min(1);

const agent = z.strictObject({
  command: z.string().min(1).optional().describe("Shell command tmux runs in the worktree"),
  resumeCommand: z.string().min(1).optional().describe("Command used by restore/resume instead of command"),
  prompt: z
    .enum(["arg", "paste"])
    .optional()
    .describe("arg: the first prompt is appended as one quoted argument; paste: pasted once the agent is up"),
  readyPattern: pattern.optional().describe("Regex for the last screen line while the agent waits for input (send --wait)"),
  status: z
    .strictObject({
      waiting: z.array(pattern).optional().describe("Screens that ask the user for an answer or a permission"),
      working: z.array(pattern).optional().describe("Screens shown while a turn runs"),
      idle: z.array(pattern).optional().describe("Screens shown at the prompt, between turns"),
    })
    .optional()
    .describe("Regexes (multi-line) for the agent's visible screen; tried in this order, none matching is unknown"),
  composer: pattern
    .optional()
    .describe("Regex (multi-line) for the visible screen whose first capture group is the text in the agent's input box"),
  keys: z
    .strictObject({
      once: keyList.optional().describe("Keys that allow a permission request once"),
      always: keyList.optional().describe("Keys that allow it always"),
      reject: keyList.optional().describe("Keys that reject it"),
      abort: keyList.optional().describe("Keys that interrupt the current turn"),
      clear: keyList.optional().describe("Keys that clear the agent's input box (send clears leftover text first)"),
    })
    .optional()
    .describe("tmux key names for ao session reply / abort"),
});

const project = z.strictObject({
  path: z.string().min(1).describe("The main checkout of the repository"),
  repo: z
    .string()
    .regex(/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/, "owner/name")
    .optional()
    .describe("GitHub owner/name"),
  defaultBranch: z.string().min(1).optional().describe("Default: main"),
  sessionPrefix: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]*$/, "lower-case letters, digits and dashes")
    .optional()
    .describe("Default: derived from the project id"),
  agent: z.string().min(1).optional().describe("Default agent for this project"),
  postCreate: z.array(z.string().min(1)).optional().describe("Shell commands run in each new worktree"),
  symlinks: z.array(z.string().min(1)).optional().describe("Paths linked from the main checkout into each worktree"),
});

const sendOrNotify = z.enum(["send", "notify", "off"]);
const notifyOnly = z.enum(["notify", "off"]);

/** `ao watch`: how often it looks, and what it does about what it sees (SPEC §4 ao watch). */
const watch = z.strictObject({
  interval: duration.optional().describe("How often tmux is looked at (default 5s)"),
  githubInterval: duration.optional().describe("How often each repository's PRs are asked for (default 60s)"),
});

const reactions = z.strictObject({
  "ci-failed": sendOrNotify.optional().describe("Failing checks on the PR head: names, URLs, the end of each failing job's log (default send)"),
  "changes-requested": sendOrNotify.optional().describe("The review's body and each comment with its path:line (default send)"),
  conflict: sendOrNotify.optional().describe("The PR cannot merge into its base: rebase on origin/<defaultBranch> (default send)"),
  waiting: notifyOnly.optional().describe("The agent asks a question: say which ao session reply answers it (default notify)"),
  dead: z.enum(["notify", "restore", "off"]).optional().describe("The agent's runtime is gone (default notify)"),
  ready: notifyOnly.optional().describe("Approved and every check green (default notify)"),
  merged: z.enum(["notify", "cleanup", "off"]).optional().describe("The PR merged or the issue closed (default notify)"),
  maxSends: z.number().int().min(1).max(100).optional().describe("After this many sends of one kind to one PR, notify instead (default 2)"),
});

const notifyTarget = z.union([
  z.strictObject({ webhook: z.url({ protocol: /^https?$/ }).describe("POST {\"text\": …, \"event\": {…}} (Slack-compatible)") }),
  z.strictObject({ command: z.array(z.string().min(1)).min(1).describe("argv; the text is appended as the last argument; never a shell") }),
  z.strictObject({ desktop: z.boolean().describe("notify-send or osascript where present") }),
]);

export const configSchema = z.strictObject({
  $schema: z.string().optional(),
  dataDir: z.string().min(1).optional().describe("Session records and events (env AO_DATA_DIR wins)"),
  worktreeDir: z.string().min(1).optional().describe("Where worktrees are made (env AO_WORKTREE_DIR wins)"),
  defaults: z
    .strictObject({ agent: z.string().min(1).optional().describe("A preset or a name under agents:") })
    .optional(),
  agents: z.record(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, "a simple name"), agent).optional(),
  projects: z
    .record(z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, "lower-case letters, digits, - and _, starting with a letter or digit, like my-app"), project)
    .optional(),
  github: z
    .strictObject({
      apiUrl: z.url().optional().describe("GitHub Enterprise: https://HOST/api/v3"),
      cacheTtl: duration.optional().describe("How long ls and status trust the cached PR and issue state (default 60s)"),
    })
    .optional(),
  tmux: z
    .strictObject({ socket: z.string().min(1).optional().describe("A separate tmux server (tmux -L NAME)") })
    .optional(),
  cleanup: z.strictObject({ runtimeDeadAfter: duration.optional() }).optional(),
  logs: z
    .strictObject({
      maxBytes: z.int().min(65_536).max(268_435_456).optional().describe("Size at which a session's transcript is rotated; one previous part is kept (default 8 MiB)"),
    })
    .optional(),
  watch: watch.optional(),
  reactions: reactions.optional(),
  notify: z.array(notifyTarget).optional().describe("Where ao watch's notifications go, besides its own output"),
});

export type RawConfig = z.infer<typeof configSchema>;
