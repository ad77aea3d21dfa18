// Write metadata/<Agent>.xml from the declarations (`npm run metadata`); --check fails when stale.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadAllAgents } from "../agents/index";
import type { ParamDecls } from "../src/ocf/declare";
import { metaDataXml } from "../src/ocf/metadata";
import { toolsTable } from "./deb/tools";

async function main() {
const AGENTS = await loadAllAgents();
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
// README carries each agent's parameter table between markers, generated from the declaration.
const readme = join(__dirname, "..", "README.md");
let text = readFileSync(readme, "utf8");
for (const [name, agent] of Object.entries(AGENTS)) {
  const rows = Object.entries(agent.params as ParamDecls).map(
    ([p, d]) => `| \`${p}\` | ${d.type} | ${d.required ? "required" : d.default === "" ? '""' : `\`${String(d.default)}\``} | ${d.longdesc.replace(/\|/g, "\\|")} |`,
  );
  const block = `<!-- params:${name} -->\n| parameter | type | default | meaning |\n|---|---|---|---|\n${rows.join("\n")}\n<!-- /params:${name} -->`;
  const re = new RegExp(`<!-- params:${name} -->[\\s\\S]*?<!-- /params:${name} -->`);
  if (!re.test(text)) continue; // an agent the README does not list yet
  const next = text.replace(re, block);
  if (next !== text) {
    if (check) {
      console.error(`stale: README.md parameters of ${name} (run npm run metadata)`);
      stale++;
    } else text = next;
  }
}
// ... and the table of which program runs which tool (the .deb's relations)
const tools = text.replace(/<!-- tools -->[\s\S]*?<!-- \/tools -->/, toolsTable());
if (tools !== text) {
  if (check) {
    console.error("stale: README.md tools table (run npm run metadata)");
    stale++;
  } else text = tools;
}
if (!check) writeFileSync(readme, text);
process.exit(stale ? 1 : 0);
}
void main();
