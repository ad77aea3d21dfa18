import { ExitError } from "../programs/runtime";

/** OCF exit codes (resource-agent API 1.1). */
export const OCF = {
  SUCCESS: 0,
  ERR_GENERIC: 1,
  ERR_ARGS: 2,
  ERR_UNIMPLEMENTED: 3,
  ERR_PERM: 4,
  ERR_INSTALLED: 5,
  ERR_CONFIGURED: 6,
  NOT_RUNNING: 7,
  RUNNING_PROMOTED: 8,
  FAILED_PROMOTED: 9,
  /** running but impaired: Pacemaker treats it as 0 and does not recover */
  DEGRADED: 190,
  /** promoted but impaired: Pacemaker treats it as 8 */
  DEGRADED_PROMOTED: 191,
} as const;
export type OcfCode = (typeof OCF)[keyof typeof OCF];

/** Thrown by action code to end the action with a code and a one-line exit reason. */
export class OcfError extends ExitError {
  constructor(override readonly code: OcfCode, reason: string) {
    super(code, reason);
  }
}

export const fail = (code: OcfCode, reason: string): never => {
  throw new OcfError(code, reason);
};
