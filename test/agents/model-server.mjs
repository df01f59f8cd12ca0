// A scripted model API on 127.0.0.1 for the real agents: Anthropic Messages (streaming),
// OpenAI Responses and OpenAI Chat Completions. It records every request, so a test can
// assert the exact user text the model received and whether the earlier conversation
// was carried, and it answers each of the agent's turns the way the test scripted it:
// a text answer, a call of the agent's shell tool, or a turn held open (for a while,
// or until the agent closes the request: an abort).
//
// Run by itself (to capture screens by hand, see test/fixtures/screens/README.md):
//   node test/agents/model-server.mjs 8765
// then a prompt containing `please-slow` holds the turn open, `please-ask` calls the
// shell tool (`touch made-by-agent.txt`), anything else gets "Done. The answer is 42.".
import http from "node:http";
import { appendFileSync } from "node:fs";
import { pathToFileURL } from "node:url";

/**
 * @typedef {{ text?: string, shell?: string, holdMs?: number }} Reply
 *   text: the answer; shell: a command for the agent's shell tool; holdMs: keep the
 *   request open that long first (Infinity: until the client closes it).
 * @typedef {{ match: string, reply: Reply, times?: number }} Rule
 * @typedef {{
 *   id: number, api: "anthropic" | "responses" | "chat", path: string, body: any,
 *   tools: string[], turn: boolean, toolResult: boolean, userText: string[], allText: string,
 *   reply: Reply | null, closedEarly: boolean, ended: boolean, endedAt: number | null, receivedAt: number
 * }} ModelRequest
 */

const DEFAULT_ANSWER = "Done. The answer is 42.";
const sse = (res) => {
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
  return (event, data) => res.write((event ? `event: ${event}\n` : "") + `data: ${typeof data === "string" ? data : JSON.stringify(data)}\n\n`);
};

/** The text parts of one message's content (strings, text / input_text blocks), not tool results. */
function textParts(content) {
  if (typeof content === "string") return [content];
  if (!Array.isArray(content)) return [];
  return content.filter((b) => (b.type === "text" || b.type === "input_text" || b.type === "output_text") && typeof b.text === "string").map((b) => b.text);
}

/** What a request says about the conversation, whatever the API. */
export function readConversation(api, body) {
  const items = api === "responses" ? (Array.isArray(body.input) ? body.input : typeof body.input === "string" ? [{ role: "user", content: body.input }] : []) : (body.messages ?? []);
  const tools = (body.tools ?? []).map((t) => t.name ?? t.function?.name ?? t.type);
  const last = items[items.length - 1] ?? {};
  // The agent's turn continues after a tool ran: its result is the newest item.
  const toolResult =
    last.role === "tool" ||
    last.type === "function_call_output" ||
    last.type === "custom_tool_call_output" ||
    (Array.isArray(last.content) && last.content.some((b) => b.type === "tool_result"));
  let userText = [];
  for (let i = items.length - 1; i >= 0; i--) {
    const m = items[i];
    if (m.role === "user" && (m.type === undefined || m.type === "message")) {
      userText = textParts(m.content);
      break;
    }
  }
  const allText = items.flatMap((m) => (m.role === "user" || m.role === "assistant" ? textParts(m.content) : [])).join("\n");
  return { tools, toolResult, userText, allText };
}

/**
 * Starts the server. `rules` decide the agent's turns (requests that offer tools):
 * the first rule whose `match` is in the newest user text, used up after `times`
 * requests (default: any number). A turn that continues after a tool result, and
 * every request without tools (titles, summaries), gets a short text answer.
 */
export async function startModelServer({ port = 0, log } = {}) {
  /** @type {ModelRequest[]} */
  const requests = [];
  /** @type {Rule[]} */
  let rules = [];

  function decide(r) {
    if (!r.turn || r.toolResult) return null;
    const text = r.userText.join("\n");
    const rule = rules.find((x) => text.includes(x.match) && (x.times === undefined || x.times > 0));
    if (!rule) return null;
    if (rule.times !== undefined) rule.times--;
    return rule.reply;
  }

  async function hold(r, res, ms) {
    if (!ms) return;
    await new Promise((resolve) => {
      const t = ms === Infinity ? undefined : setTimeout(resolve, ms);
      res.on("close", () => {
        clearTimeout(t);
        resolve();
      });
    });
  }

  function shellCall(api, body, command) {
    if (api === "responses") {
      const tool = (body.tools ?? []).find((t) => /shell|exec_command/.test(t.name ?? ""));
      if (!tool) return null;
      const props = tool.parameters?.properties ?? {};
      const args = "cmd" in props ? { cmd: command } : props.command?.type === "string" ? { command } : { command: ["bash", "-lc", command] };
      // Codex runs commands in its sandbox without asking; asking to leave it is what brings the approval prompt.
      if ("sandbox_permissions" in props) args.sandbox_permissions = "require_escalated";
      if ("justification" in props) args.justification = "The user asked for this command";
      return { name: tool.name, args };
    }
    const names = (body.tools ?? []).map((t) => t.name ?? t.function?.name);
    const name = names.find((n) => n === "Bash" || n === "bash");
    return name ? { name, args: { command, description: "Run the command the user asked for" } } : null;
  }

  async function anthropic(r, body, res) {
    const usage = { input_tokens: 10, output_tokens: 5, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 };
    if (!body.stream) {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ id: `msg_${r.id}`, type: "message", role: "assistant", model: body.model, content: [{ type: "text", text: "Fake title" }], stop_reason: "end_turn", stop_sequence: null, usage }));
      return;
    }
    const send = sse(res);
    send("message_start", { type: "message_start", message: { id: `msg_${r.id}`, type: "message", role: "assistant", model: body.model, content: [], stop_reason: null, stop_sequence: null, usage } });
    await hold(r, res, r.reply?.holdMs);
    if (res.destroyed) return;
    const call = r.reply?.shell ? shellCall("anthropic", body, r.reply.shell) : null;
    if (call) {
      send("content_block_start", { type: "content_block_start", index: 0, content_block: { type: "tool_use", id: `toolu_${r.id}`, name: call.name, input: {} } });
      send("content_block_delta", { type: "content_block_delta", index: 0, delta: { type: "input_json_delta", partial_json: JSON.stringify(call.args) } });
      send("content_block_stop", { type: "content_block_stop", index: 0 });
      send("message_delta", { type: "message_delta", delta: { stop_reason: "tool_use", stop_sequence: null }, usage: { output_tokens: 20 } });
    } else {
      send("content_block_start", { type: "content_block_start", index: 0, content_block: { type: "text", text: "" } });
      send("content_block_delta", { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: answer(r) } });
      send("content_block_stop", { type: "content_block_stop", index: 0 });
      send("message_delta", { type: "message_delta", delta: { stop_reason: "end_turn", stop_sequence: null }, usage: { output_tokens: 8 } });
    }
    send("message_stop", { type: "message_stop" });
    res.end();
  }

  async function responses(r, body, res) {
    const send = sse(res);
    send("response.created", { type: "response.created", response: { id: `resp_${r.id}` } });
    await hold(r, res, r.reply?.holdMs);
    if (res.destroyed) return;
    const call = r.reply?.shell ? shellCall("responses", body, r.reply.shell) : null;
    const item = call
      ? { type: "function_call", id: `fc_${r.id}`, call_id: `call_${r.id}`, name: call.name, arguments: JSON.stringify(call.args) }
      : { type: "message", role: "assistant", id: `msg_${r.id}`, content: [{ type: "output_text", text: answer(r), annotations: [] }] };
    send("response.output_item.done", { type: "response.output_item.done", output_index: 0, item });
    send("response.completed", { type: "response.completed", response: { id: `resp_${r.id}`, usage: { input_tokens: 10, input_tokens_details: null, output_tokens: 5, output_tokens_details: null, total_tokens: 15 } } });
    res.end();
  }

  async function chat(r, body, res) {
    const chunk = (delta, finish = null) => ({ id: `c${r.id}`, object: "chat.completion.chunk", created: 1, model: body.model, choices: [{ index: 0, delta, finish_reason: finish }] });
    if (!body.stream) {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ id: `c${r.id}`, object: "chat.completion", created: 1, model: body.model, choices: [{ index: 0, message: { role: "assistant", content: "Fake title" }, finish_reason: "stop" }], usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 } }));
      return;
    }
    const send = sse(res);
    send(null, chunk({ role: "assistant", content: "" }));
    await hold(r, res, r.reply?.holdMs);
    if (res.destroyed) return;
    const call = r.reply?.shell ? shellCall("chat", body, r.reply.shell) : null;
    if (call) {
      send(null, chunk({ tool_calls: [{ index: 0, id: `call_${r.id}`, type: "function", function: { name: call.name, arguments: JSON.stringify(call.args) } }] }));
      send(null, chunk({}, "tool_calls"));
    } else {
      send(null, chunk({ content: r.turn ? answer(r) : "Fake title" }));
      send(null, chunk({}, "stop"));
    }
    send(null, { ...chunk({}), choices: [], usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 } });
    send(null, "[DONE]");
    res.end();
  }

  const answer = (r) => r.reply?.text ?? DEFAULT_ANSWER;

  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      const url = req.url ?? "";
      let body = {};
      try {
        body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString("utf8")) : {};
      } catch {
        // Not JSON (a probe of the server): answered as not found below.
      }
      const api = req.method !== "POST" ? null : url.includes("count_tokens") ? "count" : url.includes("/messages") ? "anthropic" : url.includes("/responses") ? "responses" : url.includes("/chat/completions") ? "chat" : null;
      if (api === "count") {
        res.writeHead(200, { "content-type": "application/json" });
        return void res.end('{"input_tokens":10}');
      }
      if (!api) {
        log?.(`${req.method} ${url}`);
        if (url.includes("/models")) {
          res.writeHead(200, { "content-type": "application/json" });
          return void res.end(JSON.stringify({ object: "list", data: [{ id: "fake-model", object: "model" }], models: [] }));
        }
        res.writeHead(404, { "content-type": "application/json" });
        return void res.end('{"error":{"message":"not found"}}');
      }
      const conv = readConversation(api, body);
      /** @type {ModelRequest} */
      const r = { id: requests.length + 1, api, path: url, body, ...conv, turn: conv.tools.length > 0, reply: null, closedEarly: false, ended: false, endedAt: null, receivedAt: Date.now() };
      r.reply = decide(r);
      requests.push(r);
      log?.(`#${r.id} ${api} turn=${r.turn} toolResult=${r.toolResult} reply=${JSON.stringify(r.reply)} user=${JSON.stringify(r.userText).slice(0, 300)}`);
      res.on("finish", () => {
        r.ended = true;
        r.endedAt = Date.now();
      });
      // The client hung up before the answer was complete: the agent aborted the turn.
      res.on("close", () => {
        if (!r.ended) r.closedEarly = true;
      });
      const handler = api === "anthropic" ? anthropic : api === "responses" ? responses : chat;
      handler(r, body, res).catch((err) => {
        log?.(`#${r.id} failed: ${err}`);
        res.destroy();
      });
    });
  });
  await new Promise((resolve) => server.listen(port, "127.0.0.1", resolve));
  const address = server.address();
  return {
    url: `http://127.0.0.1:${address.port}`,
    port: address.port,
    requests,
    /** The agent's turns: requests that offer tools. */
    turns: () => requests.filter((r) => r.turn),
    /** Adds a rule (checked after the earlier ones). */
    on(match, reply, times) {
      rules.push({ match, reply, times });
    },
    reset() {
      rules = [];
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve(undefined));
      }),
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const logFile = process.env.FAKE_MODEL_LOG;
  const m = await startModelServer({ port: Number(process.argv[2] ?? 8765), log: (s) => (logFile ? appendFileSync(logFile, s + "\n") : console.log(s)) });
  m.on("please-slow", { holdMs: Infinity });
  m.on("please-ask", { shell: "touch made-by-agent.txt" });
  console.log(`model server on ${m.url}`);
}
