/** Process exit codes of every command (DESIGN.md: command line). */
export const EXIT = {
  /** Conformant, or the command did what was asked. */
  OK: 0,
  /** Not conformant (or not shown to be), or verification found a mismatch. */
  NOT_CONFORMANT: 1,
  /** Bad input or usage: the message names the file and place. */
  BAD_INPUT: 2,
  /** A harness fault. */
  HARNESS_ERROR: 3,
} as const;
