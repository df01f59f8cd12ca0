// A fake model API for capturing agent screens: Anthropic Messages, OpenAI Responses, OpenAI Chat.
// The last user text decides: "please-ask" → a shell tool call; "please-slow" → hold the turn open; else text.
import http from "node:http";
import fs from "node:fs";

const port = Number(process.argv[2] ?? 8765);
const logFile = process.env.FAKE_MODEL_LOG;
const log = (s) => logFile && fs.appendFileSync(logFile, s + "\n");

const seen = new Set();
function lastUserText(messages, tools) {
  const r = lastUserText1(messages);
  if (!tools || r.tool || !/please-/.test(r.text)) return r;
  if (seen.has(r.text)) return { tool: true, text: "" };
  seen.add(r.text);
  return r;
}
function lastUserText1(messages) {
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i];
    if (m.role === "tool" || m.type === "function_call_output") return { tool: true, text: "" };
    if (m.role !== "user") continue;
    const c = m.content;
    if (typeof c === "string") return { tool: false, text: c };
    const blocks = Array.isArray(c) ? c : [];
    const text = blocks.map((b) => b.text ?? "").join("\n");
    if (blocks.some((b) => b.type === "tool_result") && !/please-/.test(text)) return { tool: true, text: "" };
    return { tool: false, text };
  }
  return { tool: false, text: "" };
}

const sse = (res) => {
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
  return (event, data) => res.write((event ? `event: ${event}\n` : "") + `data: ${typeof data === "string" ? data : JSON.stringify(data)}\n\n`);
};
const hold = (ms) => new Promise((r) => setTimeout(r, ms));

async function anthropic(body, res) {
  const tools = (body.tools ?? []).map((t) => t.name);
  const { tool, text } = lastUserText(body.messages ?? [], tools.length > 0);
  const mode = tool ? "text" : text.includes("please-edit") && tools.includes("Write") ? "edit" : text.includes("please-ask") && tools.includes("Bash") ? "ask" : text.includes("please-slow") && tools.length ? "slow" : "text";
  log(`anthropic mode=${mode} tools=${tools.length} stream=${body.stream} last=${JSON.stringify((body.messages??[]).slice(-1)).slice(0,600)}`);
  const usage = { input_tokens: 10, output_tokens: 5, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 };
  if (!body.stream) {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ id: "msg_x", type: "message", role: "assistant", model: body.model, content: [{ type: "text", text: "Fake title" }], stop_reason: "end_turn", stop_sequence: null, usage }));
    return;
  }
  const send = sse(res);
  send("message_start", { type: "message_start", message: { id: "msg_1", type: "message", role: "assistant", model: body.model, content: [], stop_reason: null, stop_sequence: null, usage } });
  if (mode === "slow") await hold(600_000);
  if (mode === "ask") {
    send("content_block_start", { type: "content_block_start", index: 0, content_block: { type: "tool_use", id: "toolu_" + Date.now(), name: "Bash", input: {} } });
    send("content_block_delta", { type: "content_block_delta", index: 0, delta: { type: "input_json_delta", partial_json: JSON.stringify({ command: `touch made-by-agent-${Date.now() % 100000}.txt`, description: "Create a file" }) } });
    send("content_block_stop", { type: "content_block_stop", index: 0 });
    send("message_delta", { type: "message_delta", delta: { stop_reason: "tool_use", stop_sequence: null }, usage: { output_tokens: 20 } });
  } else if (mode === "edit") {
    send("content_block_start", { type: "content_block_start", index: 0, content_block: { type: "tool_use", id: "toolu_" + Date.now(), name: "Write", input: {} } });
    send("content_block_delta", { type: "content_block_delta", index: 0, delta: { type: "input_json_delta", partial_json: JSON.stringify({ file_path: `${process.env.FAKE_MODEL_CWD ?? process.cwd()}/notes.md`, content: "# Notes\n\nWritten by the agent.\n" }) } });
    send("content_block_stop", { type: "content_block_stop", index: 0 });
    send("message_delta", { type: "message_delta", delta: { stop_reason: "tool_use", stop_sequence: null }, usage: { output_tokens: 20 } });
  } else {
    send("content_block_start", { type: "content_block_start", index: 0, content_block: { type: "text", text: "" } });
    send("content_block_delta", { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: "Done. The answer is 42." } });
    send("content_block_stop", { type: "content_block_stop", index: 0 });
    send("message_delta", { type: "message_delta", delta: { stop_reason: "end_turn", stop_sequence: null }, usage: { output_tokens: 8 } });
  }
  send("message_stop", { type: "message_stop" });
  res.end();
}

async function responses(body, res) {
  const input = Array.isArray(body.input) ? body.input : [];
  const last = input[input.length - 1] ?? {};
  const tool = last.type === "function_call_output" || last.type === "custom_tool_call_output";
  const text = tool ? "" : JSON.stringify(last.content ?? "");
  const tools = (body.tools ?? []).map((t) => t.name ?? t.type);
  const shellTool = (body.tools ?? []).find((t) => /shell|exec_command/.test(t.name ?? ""));
  const mode = tool ? "text" : text.includes("please-ask") && shellTool ? "ask" : text.includes("please-slow") ? "slow" : "text";
  log(`responses mode=${mode} tools=${tools.join(",")} last=${JSON.stringify(last).slice(0, 200)}`);
  if (shellTool) log("shell tool schema " + JSON.stringify(shellTool).slice(0, 800));
  const send = sse(res);
  send("response.created", { type: "response.created", response: { id: "resp_1" } });
  if (mode === "slow") await hold(600_000);
  let item;
  if (mode === "ask") {
    const props = shellTool.parameters?.properties ?? {};
    const args = "cmd" in props ? { cmd: `touch made-by-agent-${Date.now() % 100000}.txt` } : "command" in props && props.command.type === "string" ? { command: `touch made-by-agent-${Date.now() % 100000}.txt` } : { command: ["touch", "made-by-agent.txt"] };
    if ("sandbox_permissions" in props) args.sandbox_permissions = "require_escalated";
    if ("justification" in props) args.justification = "Create a file the user asked for";
    item = { type: "function_call", id: "fc_1", call_id: "call_" + Date.now(), name: shellTool.name, arguments: JSON.stringify(args) };
  } else {
    item = { type: "message", role: "assistant", id: "msg_1", content: [{ type: "output_text", text: "Done. The answer is 42.", annotations: [] }] };
  }
  send("response.output_item.done", { type: "response.output_item.done", output_index: 0, item });
  send("response.completed", { type: "response.completed", response: { id: "resp_1", usage: { input_tokens: 10, input_tokens_details: null, output_tokens: 5, output_tokens_details: null, total_tokens: 15 } } });
  res.end();
}

async function chat(body, res) {
  const tools = (body.tools ?? []).map((t) => t.function?.name);
  const { tool, text } = lastUserText(body.messages ?? [], tools.length > 0);
  const mode = tool ? "text" : text.includes("please-ask") && tools.includes("bash") ? "ask" : text.includes("please-slow") && tools.length ? "slow" : "text";
  log(`chat mode=${mode} stream=${body.stream} tools=${tools.join(",")}`);
  const chunk = (delta, finish = null) => ({ id: "c1", object: "chat.completion.chunk", created: 1, model: body.model, choices: [{ index: 0, delta, finish_reason: finish }] });
  if (!body.stream) {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ id: "c1", object: "chat.completion", created: 1, model: body.model, choices: [{ index: 0, message: { role: "assistant", content: "Fake title" }, finish_reason: "stop" }], usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 } }));
    return;
  }
  const send = sse(res);
  send(null, chunk({ role: "assistant", content: "" }));
  if (mode === "slow") await hold(600_000);
  if (mode === "ask") {
    send(null, chunk({ tool_calls: [{ index: 0, id: "call_" + Date.now(), type: "function", function: { name: "bash", arguments: JSON.stringify({ command: `touch made-by-agent-${Date.now() % 100000}.txt`, description: "Create a file" }) } }] }));
    send(null, chunk({}, "tool_calls"));
  } else {
    send(null, chunk({ content: "Done. The answer is 42." }));
    send(null, chunk({}, "stop"));
  }
  send(null, { ...chunk({}), choices: [], usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 } });
  send(null, "[DONE]");
  res.end();
}

http
  .createServer((req, res) => {
    let raw = "";
    req.on("data", (c) => (raw += c));
    req.on("end", () => {
      log(`${req.method} ${req.url}`);
      let body = {};
      try { body = raw ? JSON.parse(raw) : {}; } catch {}
      const url = req.url ?? "";
      if (req.method === "POST" && url.includes("/messages") && !url.includes("count_tokens")) return void anthropic(body, res);
      if (req.method === "POST" && url.includes("count_tokens")) { res.writeHead(200, { "content-type": "application/json" }); return void res.end('{"input_tokens":10}'); }
      if (req.method === "POST" && url.includes("/responses")) return void responses(body, res);
      if (req.method === "POST" && url.includes("/chat/completions")) return void chat(body, res);
      if (url.includes("/models")) { res.writeHead(200, { "content-type": "application/json" }); return void res.end(JSON.stringify({ object: "list", data: [{ id: "fake-model", object: "model" }], models: [] })); }
      res.writeHead(404, { "content-type": "application/json" });
      res.end('{"error":{"message":"not found"}}');
    });
  })
  .listen(port, "127.0.0.1", () => log(`listening ${port}`));
