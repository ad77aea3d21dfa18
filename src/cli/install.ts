import { chmodSync, copyFileSync, existsSync, lstatSync, mkdirSync, readFileSync, readlinkSync, renameSync, rmdirSync, statSync, symlinkSync, unlinkSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { AGENT_NAMES } from "../../agents/index";
import { PROGRAM_NAMES, programPath } from "../programs/index";
import { isSingleBinary } from "../os/runtime";

const BIN = "usr/lib/hanfs/hanfs";
const PROVIDER = "usr/lib/ocf/resource.d/hanfs";

function sameFile(a: string, b: string): boolean {
  if (!existsSync(b) || statSync(a).size !== statSync(b).size) return false;
  return readFileSync(a).equals(readFileSync(b));
}

/** Idempotent link: replace whatever is at `at` unless it already points at `target`. */
function link(target: string, at: string, say: (l: string) => void) {
  try {
    if (lstatSync(at).isSymbolicLink() && readlinkSync(at) === target) return say(`unchanged ${at}`);
    unlinkSync(at);
  } catch {
    /* absent */
  }
  symlinkSync(target, at);
  say(`linked    ${at} -> ${target}`);
}

export function install(root: string, say: (l: string) => void, self = process.execPath): number {
  if (!isSingleBinary() && !process.env.HANFS_INSTALL_SELF) {
    say("hanfs install: this is not the single-file build (run `npm run build` and use dist/hanfs)");
    return 5;
  }
  const bin = join(root, BIN);
  mkdirSync(dirname(bin), { recursive: true, mode: 0o755 });
  if (sameFile(self, bin)) say(`unchanged ${bin}`);
  else {
    // copy then rename: a running agent keeps its old inode, a new one never sees half a file
    const tmp = `${bin}.new.${process.pid}`;
    copyFileSync(self, tmp);
    chmodSync(tmp, 0o755);
    renameSync(tmp, bin);
    say(`installed ${bin}`);
  }
  chmodSync(bin, 0o755);
  const prov = join(root, PROVIDER);
  mkdirSync(prov, { recursive: true, mode: 0o755 });
  for (const name of AGENT_NAMES) link(relative(prov, bin), join(prov, name), say);
  // programs other than agents get absolute paths of their own (haproxy's external-check command)
  for (const name of PROGRAM_NAMES) {
    const at = join(root, programPath(name));
    mkdirSync(dirname(at), { recursive: true, mode: 0o755 });
    link(relative(dirname(at), bin), at, say);
  }
  return 0;
}

export function uninstall(root: string, say: (l: string) => void): number {
  const bin = join(root, BIN);
  const prov = join(root, PROVIDER);
  const rm = (p: string) => {
    try {
      lstatSync(p);
    } catch {
      return;
    }
    unlinkSync(p);
    say(`removed   ${p}`);
  };
  for (const name of AGENT_NAMES) rm(join(prov, name));
  for (const name of PROGRAM_NAMES) rm(join(root, programPath(name)));
  rm(bin);
  const programDirs = PROGRAM_NAMES.map((n) => dirname(join(root, programPath(n))));
  for (const d of new Set([prov, ...programDirs, dirname(bin)])) {
    try {
      rmdirSync(d);
      say(`removed   ${d}/`);
    } catch {
      /* not empty or absent: leave it */
    }
  }
  return 0;
}
