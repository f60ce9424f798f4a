/** The exit codes of the `actor-core` CLI. */
export const EXIT_OK = 0;
/** Something unexpected inside actor-core itself (a bug): one line on stderr. */
export const EXIT_INTERNAL = 1;
/** Bad input, a bad registry or a bad command line: one line on stderr says what and where. */
export const EXIT_BAD_INPUT = 2;
/** A store (Postgres, Redis) is unreachable: nothing is wrong with the input; try again later. */
export const EXIT_UNAVAILABLE = 3;
