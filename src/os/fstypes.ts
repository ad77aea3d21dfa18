import { existsSync, readFileSync } from "node:fs";
import { os } from "./lazy";

/**
 * Can this node mount `fstype`? Yes when the kernel has it (/proc/filesystems), a mount helper
 * exists (mount.nfs, mount.cifs, ...), or a kernel module for it is installed (mount loads it).
 */
export function knownFstype(fstype: string, root = ""): boolean {
  if (fstype === "none") return true;
  const t = fstype.startsWith("fuse.") ? "fuse" : fstype;
  const procFs = readOr(`${root}/proc/filesystems`);
  if (procFs.split("\n").some((l) => l.split("\t").pop() === t)) return true;
  for (const d of ["/sbin", "/usr/sbin", "/bin", "/usr/bin"]) if (existsSync(`${root}${d}/mount.${fstype}`)) return true;
  const mods = `${root}/lib/modules/${os().release()}`;
  const re = new RegExp(`/fs/${t.replace(/[^A-Za-z0-9_-]/g, "")}(/|\\.ko)`);
  return re.test(readOr(`${mods}/modules.dep`)) || re.test(readOr(`${mods}/modules.builtin`));
}

function readOr(p: string): string {
  try {
    return readFileSync(p, "utf8");
  } catch {
    return "";
  }
}
