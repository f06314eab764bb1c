#!/usr/bin/env node
// Writes docs/schemas/<name>.schema.json, one JSON Schema per `-o json` output shape, from the
// typebox definitions in src/cli/output-schemas.ts (built into dist/ first: `npm run build`).
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { outputSchemas, schemaFile } from "../dist/cli/output-schemas.js";

const dir = join(dirname(fileURLToPath(import.meta.url)), "../docs/schemas");
mkdirSync(dir, { recursive: true });
for (const name of Object.keys(outputSchemas)) writeFileSync(join(dir, `${name}.schema.json`), schemaFile(name));
