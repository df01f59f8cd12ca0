/** Build step: writes the JSON Schema of agent-orchestrator.yaml from the loader's own definition. */
import { writeFileSync } from "node:fs";
import { z } from "zod";
import { configSchema } from "./schema.js";

const out = process.argv[2];
if (!out) throw new Error("usage: emit-schema OUT.json");
const schema = z.toJSONSchema(configSchema, { io: "input" });
writeFileSync(out, `${JSON.stringify({ ...schema, title: "agent-orchestrator.yaml" }, null, 2)}\n`);
