/**
 * The last step of `npm run build`: the tool listing a server started from the build serves without loading a
 * tool's module before its first call (see src/mcp/catalogue.ts).
 */
import { existsSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { allTools } from '../tools/index.js';
import { BUILT_LISTING, builtListing } from '../src/mcp/catalogue.js';

for (const tool of allTools) {
  if (!existsSync(new URL(`${tool.name}.js`, BUILT_LISTING))) {
    throw new Error(`The tool ${tool.name} must be defined in tools/${tool.name}.ts: a built server loads each tool from the file of its name.`);
  }
}
writeFileSync(BUILT_LISTING, `${JSON.stringify(builtListing(allTools))}\n`);
console.log(`${fileURLToPath(BUILT_LISTING)}: ${allTools.length} tools`);
