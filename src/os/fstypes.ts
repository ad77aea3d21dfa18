import { existsSync } from "node:fs";
import { BIN_DIRS, readText } from "./files";
import { os } from "./lazy";

/** The filesystem types this kernel has now (/proc/filesystems, the last column). */
export function kernelFilesystems(root = ""): Set<string> {
  return new Set((readText(`${root}/proc/filesystems`) ?? "").split("\n").map((l) => l.split("\t").pop()!).filter(Boolean));
}

/**
 * Can this node mount `fstype`? Yes when the kernel has it (/proc/filesystems), a mount helper
 * exists (mount.nfs, mount.cifs, ...), or a kernel module for it is installed (mount loads it).
 */
export function knownFstype(fstype: string, root = ""): boolean {
  if (fstype === "none") return true;
  const t = fstype.startsWith("fuse.") ? "fuse" : fstype;
  if (kernelFilesystems(root).has(t)) return true;
  if (BIN_DIRS.some((d) => existsSync(`${root}${d}/mount.${fstype}`))) return true;
  const mods = `${root}/lib/modules/${os().release()}`;
  const has = (text: string | undefined) => !!text && (text.includes(`/fs/${t}/`) || text.includes(`/fs/${t}.ko`));
  return has(readText(`${mods}/modules.dep`)) || has(readText(`${mods}/modules.builtin`));
}
