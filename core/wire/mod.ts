export * from "./types.ts";
export * from "./encode.ts";
export * from "./decode.ts";
