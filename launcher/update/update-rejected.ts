// The error both halves of an A/B update raise for a version they refuse (bad signature, wrong
// size or hash, a staged file that is not a plain file): the update stops and the running slot
// stays as it is. Shared, so neither half imports the other's code.
export class UpdateRejected extends Error {
  override readonly name = 'UpdateRejected';
}
