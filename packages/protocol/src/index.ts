export * from "./client-frames.js";
export * from "./errors.js";
export * from "./http.js";
export * from "./ids.js";
export * from "./limits.js";
export * from "./server-frames.js";
export * from "./text.js";
export * from "./uploads.js";
