/**
 * robonav/sim: the simulator under the tasks — the full SceneSpec schema, each procedural generator,
 * the cannon-es physics world and robot, the occupancy grid and geodesic distances — for tools that
 * build scenes or plan paths without an env.
 */

// The SceneSpec schema in full: zod schemas to validate against and the types of every part of a scene.
export {
  DynamicBodySchema,
  GoalSchema,
  LightingSchema,
  MaterialSchema,
  MotionSchema,
  PatternSchema,
  PoseSchema,
  PrimitiveSchema,
  SceneSpecSchema,
  type DynamicBody,
  type Goal,
  type Lighting,
  type Motion,
  type Pattern,
  type Pose,
  type Vec2,
  type Vec3,
} from './SceneSpec.js';

// Object categories: the semantic ids the camera renders and the kinds ObjectNav asks for.
export { CATEGORIES, OBJECT_CATEGORIES, categoryId, type CategoryName, type ObjectCategory } from './categories.js';

// The generators one by one, with their option schemas, and the switches `generateScene` shares.
export { DEFAULT_RANDOMIZATION, GENERATORS, TMAZE_CUE_COLORS } from './generators/index.js';
export { ArenaOptionsSchema, generateArena, type ArenaOptions } from './generators/arena.js';
export { generateMaze, MazeOptionsSchema, type MazeOptions } from './generators/maze.js';
export { generateRooms, RoomsOptionsSchema, type RoomsOptions } from './generators/rooms.js';
export { generateTMaze, TMazeOptionsSchema, type TMazeOptions } from './generators/tmaze.js';

// Physics: the cannon-es world of a scene with the robot in it, the robot's dimensions and its discrete actions.
export { DEFAULT_ROBOT, DiscreteAction, PhysicsWorld, wrapAngle, type RobotConfig } from './PhysicsWorld.js';

// Planning: the free space of a scene for a robot of a given radius, and shortest-path distances to a goal set over it.
export { DEFAULT_OCCUPANCY_GRID, OccupancyGrid, type OccupancyGridOptions } from './OccupancyGrid.js';
export { DEFAULT_GEODESIC_FIELD, GeodesicField, type GeodesicFieldOptions } from './GeodesicField.js';
