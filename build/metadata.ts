// Write metadata/<Agent>.xml from the declarations (`npm run metadata`); --check fails when stale.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { AGENTS } from "../agents/index";
import { metaDataXml } from "../src/ocf/metadata";

const dir = join(__dirname, "..", "metadata");
const check = process.argv.includes("--check");
let stale = 0;
for (const [name, agent] of Object.entries(AGENTS)) {
  const file = join(dir, `${name}.xml`);
  const xml = metaDataXml(agent);
  let old = "";
  try {
    old = readFileSync(file, "utf8");
  } catch {
    /* new agent */
  }
  if (old === xml) continue;
  if (check) {
    console.error(`stale: ${file} (run npm run metadata)`);
    stale++;
  } else {
    writeFileSync(file, xml);
    console.log(`wrote ${file}`);
  }
}
process.exit(stale ? 1 : 0);
