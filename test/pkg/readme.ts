import { readFileSync } from "node:fs";
import { join } from "node:path";

/**
 * The README's walkthrough blocks that CI runs: a ```sh block right after `<!-- ci:NAME -->`.
 * One command per line; blank lines and comment lines are skipped.
 */
export function ciBlocks(readme = join(__dirname, "../../README.md")): Map<string, string[]> {
  const text = readFileSync(readme, "utf8");
  const out = new Map<string, string[]>();
  for (const m of text.matchAll(/<!-- ci:([a-z-]+) -->\n```sh\n([\s\S]*?)\n```/g)) {
    if (out.has(m[1])) throw new Error(`README: two blocks named ci:${m[1]}`);
    out.set(
      m[1],
      m[2].split("\n").filter((l) => l.trim() && !l.trim().startsWith("#")),
    );
  }
  return out;
}
