/**
 * Navigation metrics (Anderson et al. 2018, "On Evaluation of Embodied Navigation Agents"; Habitat's
 * definitions), as pure functions plus `EpisodeMetrics`, the per-episode accumulator every task uses.
 *
 * - success S ∈ {0, 1}
 * - SPL = S · ℓ / max(p, ℓ), ℓ = shortest-path (geodesic) length from the start, p = path length
 *   actually travelled (summed Euclidean displacement of the robot's centre, m)
 * - soft-SPL = (1 − min(1, d_T / d_0)) · ℓ / max(p, ℓ): S replaced by the fraction of the initial
 *   geodesic distance d_0 that was covered (d_T = geodesic distance at the end)
 */

/** What every task puts in the info of an episode's last step (success is 0 or 1). */
export interface NavMetrics {
  success: number;
  spl: number;
  softSpl: number;
  /** Geodesic distance to the goal at the end (m). */
  distanceToGoal: number;
  /** Summed Euclidean displacement (m). */
  pathLength: number;
  /** Steps during which the robot touched something. */
  collisions: number;
  steps: number;
}

/** ℓ / max(p, ℓ): 1 for a path as short as the shortest, 0.5 for one twice as long. A zero-length task is efficient by definition. */
export function pathEfficiency(shortest: number, pathLength: number): number {
  if (!(shortest >= 0) || !(pathLength >= 0))
    throw new RangeError(`pathEfficiency: lengths must be ≥ 0, got shortest=${shortest}, path=${pathLength}`);
  if (shortest === 0) return 1;
  return shortest / Math.max(pathLength, shortest);
}

/** SPL = S · ℓ / max(p, ℓ). */
export function spl(success: boolean | number, shortest: number, pathLength: number): number {
  return success ? pathEfficiency(shortest, pathLength) : 0;
}

/** soft-SPL = max(0, 1 − d_T / d_0) · ℓ / max(p, ℓ); an unreachable end (d_T = ∞) scores 0. */
export function softSpl(startDistance: number, finalDistance: number, shortest: number, pathLength: number): number {
  const progress = startDistance > 0 ? Math.max(0, 1 - finalDistance / startDistance) : 1;
  return progress * pathEfficiency(shortest, pathLength);
}

/** Summed Euclidean length (m) of a polyline of [x, z] points. */
export function polylineLength(points: ReadonlyArray<readonly [number, number]>): number {
  let total = 0;
  for (let i = 1; i < points.length; i++) total += Math.hypot(points[i]![0] - points[i - 1]![0], points[i]![1] - points[i - 1]![1]);
  return total;
}

/** Accumulates one episode's path length, collisions and steps; `finish` turns them into `NavMetrics`. */
export class EpisodeMetrics {
  /** Geodesic length of the shortest path from the start (m). */
  shortest = 0;
  pathLength = 0;
  collisions = 0;
  steps = 0;
  private x = 0;
  private z = 0;

  /** Start an episode at (x, z) (m) whose shortest path is `shortest` (m). */
  begin(x: number, z: number, shortest: number): void {
    this.shortest = shortest;
    this.pathLength = 0;
    this.collisions = 0;
    this.steps = 0;
    this.x = x;
    this.z = z;
  }

  /** Record one step that ended at (x, z). */
  record(x: number, z: number, collided: boolean): void {
    this.pathLength += Math.hypot(x - this.x, z - this.z);
    this.x = x;
    this.z = z;
    this.steps++;
    if (collided) this.collisions++;
  }

  finish(success: boolean, finalDistance: number): NavMetrics {
    return {
      success: success ? 1 : 0,
      spl: spl(success, this.shortest, this.pathLength),
      softSpl: softSpl(this.shortest, finalDistance, this.shortest, this.pathLength),
      distanceToGoal: finalDistance,
      pathLength: this.pathLength,
      collisions: this.collisions,
      steps: this.steps,
    };
  }
}
