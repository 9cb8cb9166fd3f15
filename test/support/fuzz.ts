// How many generated inputs each property test tries: 10,000 in the suite, more with
// VDD_FUZZ_RUNS (the long mode documented in the README).
export const fuzzRuns = Number(process.env.VDD_FUZZ_RUNS ?? 10_000);

/** Control characters and escape sequences a hostile peer would send to a terminal. */
// eslint-disable-next-line no-control-regex
export const terminalControl = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;
