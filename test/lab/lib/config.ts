/** crm shell snippets shared by scenarios and the demo. */

export interface FsOpts {
  id?: string;
  device: string;
  directory?: string;
  stopTimeout?: string;
  extra?: string;
}

/** The seed's filesystem primitive, on hanfs's agent. */
export function fsPrimitive(o: FsOpts): string {
  const id = o.id ?? "fs";
  return (
    `primitive ${id} ocf:hanfs:Filesystem params device=${o.device} directory=${o.directory ?? "/srv"} fstype=ext4${o.extra ? " " + o.extra : ""} ` +
    `op monitor interval=10s timeout=40s op start timeout=60s interval=0 op stop timeout=${o.stopTimeout ?? "60s"} interval=0\n`
  );
}

/** `primitive fs` in a group with a location preference for `prefer` (the seed's shape). */
export function seedShape(o: FsOpts & { group?: string; prefer: string }): string {
  const g = o.group ?? "HA";
  return `${fsPrimitive(o)}group ${g} ${o.id ?? "fs"}\nlocation ${g}-prefers-${o.prefer} ${g} 100: ${o.prefer}\n`;
}

export const note = (msg: string) => console.log(`[lab] ${msg}`);
