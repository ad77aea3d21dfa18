import type { AgentDecl } from "../src/ocf/declare";
import { Filesystem } from "./Filesystem/index";
import { nfsserver } from "./nfsserver/index";

/** Every agent the binary provides, by OCF type name (the symlink name). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const AGENTS: Record<string, AgentDecl<any>> = {
  Filesystem,
  nfsserver,
};
