import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

/**
 * The TypeScript import graph of a source tree, read from the text (no bundler, no compiler):
 * static imports and re-exports, `import type` included, side-effect imports, import() and
 * require(). Module specifiers only; a bare one (node:fs, vitest) is a leaf.
 */
const SPECIFIERS = [
  /\b(?:import|export)\b[^;]*?\bfrom\s*["']([^"']+)["']/g,
  /\bimport\s*["']([^"']+)["']/g,
  /\bimport\s*\(\s*["']([^"']+)["']\s*\)/g,
  /\brequire\s*\(\s*["']([^"']+)["']\s*\)/g,
];

/** Comments out (a commented-out import is no edge); strings are left alone. */
const stripComments = (src: string) => src.replace(/\/\*[\s\S]*?\*\//g, "").replace(/(^|[^:"'`\\])\/\/.*$/gm, "$1");

export function specifiersOf(src: string): string[] {
  const text = stripComments(src);
  return [...new Set(SPECIFIERS.flatMap((re) => [...text.matchAll(re)].map((m) => m[1])))];
}

const EXTS = [".ts", ".mts", ".mjs", ".js"];

/** The file a relative specifier names, if it is in the tree. */
export function resolveSpecifier(from: string, spec: string): string | undefined {
  if (!spec.startsWith(".")) return undefined;
  const base = resolve(dirname(from), spec);
  const cands = [base, ...EXTS.map((e) => base + e), ...EXTS.map((e) => join(base, `index${e}`))];
  return cands.find((c) => existsSync(c) && statSync(c).isFile());
}

/** Source files below `dirs` (node_modules and dist skipped). */
export function sourceFiles(dirs: string[]): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.name === "node_modules" || e.name === "dist" || e.name.startsWith(".")) continue;
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (EXTS.some((x) => e.name.endsWith(x)) && !e.name.endsWith(".d.ts")) out.push(p);
    }
  };
  for (const d of dirs) if (existsSync(d)) walk(d);
  return out;
}

export type Graph = Map<string, Set<string>>;

export function importGraph(files: string[]): Graph {
  const g: Graph = new Map();
  for (const f of files) {
    const deps = new Set<string>();
    for (const s of specifiersOf(readFileSync(f, "utf8"))) {
      const r = resolveSpecifier(f, s);
      if (r) deps.add(r);
    }
    g.set(f, deps);
  }
  return g;
}

/** Strongly connected components with more than one module, or a module importing itself (Tarjan). */
export function cycles(g: Graph): string[][] {
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const on = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string) => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const w of g.get(v) ?? []) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        on.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1 || g.get(v)?.has(v)) out.push(scc.sort());
    }
  };
  for (const v of g.keys()) if (!idx.has(v)) visit(v);
  return out;
}

/** Edges from one agent's directory into another's ("agents/exportfs/x.ts → agents/nfsserver/y.ts"). */
export function crossAgentImports(g: Graph, root: string): string[] {
  const agentOf = (f: string) => /^agents\/([^/]+)\//.exec(relative(root, f))?.[1];
  const out: string[] = [];
  for (const [f, deps] of g) {
    const a = agentOf(f);
    if (!a) continue;
    for (const d of deps) {
      const b = agentOf(d);
      if (b && b !== a) out.push(`${relative(root, f)} → ${relative(root, d)}`);
    }
  }
  return out;
}

/** Every module reachable from `entry`: files of the tree and bare specifiers (packages, node: built-ins). */
export function reachableFrom(entry: string): Set<string> {
  const seen = new Set<string>();
  const todo = [entry];
  while (todo.length) {
    const f = todo.pop()!;
    if (seen.has(f)) continue;
    seen.add(f);
    for (const s of specifiersOf(readFileSync(f, "utf8"))) {
      const r = resolveSpecifier(f, s);
      if (r) todo.push(r);
      else if (!s.startsWith(".")) seen.add(s);
    }
  }
  return seen;
}
