import { afterAll, beforeAll } from "vitest";
import { Cluster, type UpOpts } from "./cluster";
import { seedShape, type FsOpts } from "./config";
import { startedOn } from "./status";
import { MountWatch } from "./storage";

export interface SeedSuite {
  c: Cluster;
  watch: MountWatch;
}

/**
 * One 2-node cluster per describe block with the seed's shape (fs in group HA, preferring alpha)
 * started on alpha and a double-mount watcher running since before the configuration was loaded
 * (the first placement counts too); torn down even when a test fails. `crm` is added to the
 * configuration (properties, rsc_defaults).
 */
export function seedSuite(o: { up?: Partial<UpOpts>; fs?: Partial<FsOpts>; crm?: string } = {}): SeedSuite {
  const s = {} as SeedSuite;
  beforeAll(async () => {
    s.c = await Cluster.up(2, { diskMb: 64, ...o.up });
    s.watch = new MountWatch(s.c.disk!, s.c.nodes).start();
    await s.c.crm(seedShape({ device: s.c.disk!.dev, prefer: "alpha", ...o.fs }) + (o.crm ?? ""));
    await s.c.waitFor((st) => startedOn(st, "fs") === "alpha", 30_000, "fs started on alpha");
  }, 90_000);
  afterAll(async () => {
    s.watch?.stop();
    await s.c?.down();
  });
  return s;
}
