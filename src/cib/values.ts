/** Pacemaker's boolean spellings (pcmk__parse_bool): a value can be true, false or neither. */
export const isTrue = (v: string | undefined) => v !== undefined && /^(true|on|yes|y|1)$/i.test(v);
export const isFalse = (v: string | undefined) => v !== undefined && /^(false|off|no|n|0)$/i.test(v);
