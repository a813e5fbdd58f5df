// What check, status and report judge, gathered from the command line and the process: the
// gathering itself is lib/check/scope.ts's, which the Node API shares.

export { readCheckScope } from '../lib/check/scope.ts';
