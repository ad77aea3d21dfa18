import type { ProgramDecl } from "./program";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyProgram = ProgramDecl<any, any>;

/**
 * Every program of the binary that is not an OCF agent, by the name it is invoked as, with where
 * `hanfs install` links it (relative to the install root; the link points at the binary). Loaded
 * on demand like the agents (agents/index.ts): starting one never evaluates the others.
 */
const PROGRAMS: Record<string, { dir: string; load: () => Promise<AnyProgram> }> = {
  "haproxy-check": { dir: "usr/lib/hanfs", load: () => import("../haproxy/check").then((m) => m.haproxyCheck) },
  "drbd-fence-peer": { dir: "usr/lib/hanfs", load: () => import("../drbd/handler").then((m) => m.fencePeer) },
  "drbd-unfence-peer": { dir: "usr/lib/hanfs", load: () => import("../drbd/handler").then((m) => m.unfencePeer) },
};

export const PROGRAM_NAMES = Object.keys(PROGRAMS);
export const isProgram = (name: string) => Object.prototype.hasOwnProperty.call(PROGRAMS, name);
export const loadProgram = (name: string): Promise<AnyProgram> => PROGRAMS[name].load();
/** where install puts the program's link, relative to the install root */
export const programPath = (name: string) => `${PROGRAMS[name].dir}/${name}`;
