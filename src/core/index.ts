/**
 * robonav/core: the contracts' helpers beyond what the main entry offers, for a custom vector env,
 * a file format of your own or a determinism test.
 */

// Batched observations: what a VectorEnv of your own allocates once and writes each env's observation into.
export { allocateBatch, boxLeaves, copyObservation, readFromBatch, writeToBatch } from './batch.js';

// Atomic file writes (temp file + rename): a reader never sees half a file, whatever stops the writer.
export { writeFileAtomic, writeFileAtomicSync } from './atomicWrite.js';

// One-line validation messages, the format every robonav boundary reports zod errors in.
export { formatZodError, type ValidationIssues } from './errors.js';

// The env checker's parts: an observation hash for same-seed determinism tests, and the actions every env must refuse.
export { badActions, hashObservation } from './checkEnv.js';

// The turbo colour map: the same colours in robonav's PNGs and in the viewer's saliency overlay.
export { turboChannel } from './colormap.js';
