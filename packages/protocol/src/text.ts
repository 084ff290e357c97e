import { type StringOptions, Type } from "@sinclair/typebox";

/** Text without NUL characters, which PostgreSQL cannot store and nobody means to send. */
export const NO_NUL_PATTERN = "^[^\\u0000]*$";

export const Text = (options: StringOptions = {}) => Type.String({ ...options, pattern: NO_NUL_PATTERN });
