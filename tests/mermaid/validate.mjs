// Parse each Mermaid file named on the command line with Mermaid's own parser (no browser).
// Prints `<file>: <error>` for each one Mermaid rejects; exit code 1 if any.
import { readFile } from 'node:fs/promises';
import mermaid from 'mermaid';

let failed = 0;
for (const file of process.argv.slice(2)) {
  try {
    await mermaid.parse(await readFile(file, 'utf8'));
  } catch (error) {
    failed += 1;
    console.log(`${file}: ${String(error.message ?? error)}`);
  }
}
process.exit(failed ? 1 : 0);
