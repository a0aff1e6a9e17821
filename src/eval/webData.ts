/**
 * The data of a page `robonav export-web` writes: everything the page runs besides its code — the
 * env id and options, the fixed episodes and their seed, the policy's `policy.json` and its
 * TensorFlow.js model (model.json with the weights as base64). The page's `data.js` sets it as
 * `window.ROBONAV_EXPORT`: a classic script, because browsers refuse `fetch()` and module scripts
 * from `file://`, where the page must work too.
 *
 * Free of Node APIs: the writer (`exportWeb.ts`) and the page (`viewer/src/web/`) share it.
 */
import { z } from 'zod';
import { PolicyInfoSchema } from '../../agents/common/policyInfo.js';
import { EpisodeSchema } from '../../envs/episodes.js';

/** Version of the page's data format; a page refuses data of another version. */
export const WEB_DATA_VERSION = 1;

/** The global `data.js` sets. */
export const WEB_DATA_GLOBAL = 'ROBONAV_EXPORT';

/** The zod schema of the page's data (see the file header). */
export const WebDataSchema = z
  .object({
    version: z.literal(WEB_DATA_VERSION),
    /** What the page shows as its source: the run's name. */
    source: z.string(),
    /** Registered env id and the options of `make(env, options)`. */
    env: z.string(),
    envOptions: z.record(z.string(), z.unknown()),
    split: z.enum(['train', 'val', 'test']),
    /** Episode i is reset with seed + i, as `robonav eval --seed` does. */
    seed: z.number().int(),
    episodes: z.array(EpisodeSchema).min(1),
    policy: PolicyInfoSchema,
    model: z.object({
      /** The policy's model.json: topology and weights manifest (with its `quantization`, if any). */
      json: z.object({ modelTopology: z.record(z.string(), z.unknown()), weightsManifest: z.array(z.unknown()) }).loose(),
      /** The weight files of the manifest, in its order, concatenated, as base64. */
      weights: z.string(),
    }),
  })
  .strict();

/** The data of an exported page (see the file header). */
export type WebData = z.infer<typeof WebDataSchema>;
