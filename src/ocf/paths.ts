import { canonicalPath, childResolver, ResolveError } from "../os/canonical";
import type { Mount } from "../os/mountinfo";
import { OCF, fail } from "./codes";
import type { Deadline } from "./deadline";

/**
 * canonicalPath for an action: its lookups bounded by the deadline (and by `limitMs` altogether,
 * to leave time for what the action can do without the answer); one that cannot finish (a hung
 * filesystem on the way) throws OcfError 1 that says which path.
 */
export async function kernelPath(ctx: { deadline: Deadline }, path: string, mounts: Mount[], limitMs = Infinity): Promise<string> {
  const end = Date.now() + limitMs;
  try {
    return await canonicalPath(path, mounts, childResolver(() => ctx.deadline.cap(end - Date.now())));
  } catch (e) {
    return e instanceof ResolveError ? fail(OCF.ERR_GENERIC, e.message) : Promise.reject(e);
  }
}
