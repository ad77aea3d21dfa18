import { accessSync, constants } from "node:fs";

/** The first executable `name` in PATH (no fork), or undefined: "not installed" for exit 5. */
export function which(name: string, path = process.env.PATH || "/usr/sbin:/usr/bin:/sbin:/bin"): string | undefined {
  for (const d of path.split(":").filter((x) => x.startsWith("/"))) {
    try {
      accessSync(`${d}/${name}`, constants.X_OK);
      return `${d}/${name}`;
    } catch {
      /* next */
    }
  }
  return undefined;
}
