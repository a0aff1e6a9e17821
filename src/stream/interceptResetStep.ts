/**
 * The object itself, seen through a Proxy whose `reset` and `step` are replaced. Everything else
 * (properties, other methods bound to the object, `instanceof`) reaches the object unchanged, so an
 * env or vector env wrapped for streaming still serves every user of the object: the oracle policy
 * and the benchmarks find a NavEnv with its scene, world and geodesic field. An env `Wrapper`
 * (envs/wrappers/) would hide those members behind `unwrapped`, and a vector env is no Env to wrap.
 */
export function interceptResetStep<T extends { reset: unknown; step: unknown }>(target: T, reset: T['reset'], step: T['step']): T {
  return new Proxy(target, {
    get(obj, prop) {
      if (prop === 'reset') return reset;
      if (prop === 'step') return step;
      const value: unknown = Reflect.get(obj, prop, obj);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(obj) : value;
    },
  });
}
