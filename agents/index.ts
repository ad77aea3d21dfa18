import type { AgentDecl } from "../src/ocf/declare";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyAgent = AgentDecl<any>;

/**
 * Every agent the binary provides, by OCF type name (the symlink name). Loaded on demand: the
 * bundler turns each import() into a lazy module initialiser, so starting one agent never pays
 * for evaluating the others (measured: several ms of every monitor).
 */
const LOADERS: Record<string, () => Promise<AnyAgent>> = {
  Filesystem: () => import("./Filesystem/index").then((m) => m.Filesystem),
  nfsserver: () => import("./nfsserver/index").then((m) => m.nfsserver),
  exportfs: () => import("./exportfs/index").then((m) => m.exportfs),
  drbd: () => import("./drbd/index").then((m) => m.drbd),
};

export const AGENT_NAMES = Object.keys(LOADERS);
export const isAgent = (name: string) => Object.prototype.hasOwnProperty.call(LOADERS, name);
export const loadAgent = (name: string): Promise<AnyAgent> => LOADERS[name]();
export async function loadAllAgents(): Promise<Record<string, AnyAgent>> {
  return Object.fromEntries(await Promise.all(AGENT_NAMES.map(async (n) => [n, await loadAgent(n)] as const)));
}
