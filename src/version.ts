/** Replaced at build time by esbuild `define`; the dev fallback reads package.json. */
declare const __HANFS_VERSION__: string | undefined;
export const VERSION: string = typeof __HANFS_VERSION__ === "string" ? __HANFS_VERSION__ : "0.0.0-dev";
