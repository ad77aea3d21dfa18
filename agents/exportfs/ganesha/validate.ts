import { OCF } from "../../../src/ocf/codes";
import { clip } from "../../../src/text";
import { dirsOf } from "../common";
import type { ExCtx } from "../params";
import { translateOptions } from "./block";
import { exportIdOf } from "./common";

/**
 * What only ganesha needs: an Export_Id for every directory (a numeric fsid must be one, 1-65535),
 * and the export options it can express (the others are named, start ignores them).
 */
export function ganeshaValidate(ctx: ExCtx): number {
  dirsOf(ctx).forEach((_, i) => exportIdOf(ctx, i));
  const { ignored } = translateOptions(ctx.params.options);
  if (ignored.length) ctx.log.info(`options ganesha has no equivalent for, ignored: ${clip(ignored.join(","))}`);
  return OCF.SUCCESS;
}
