/**
 * robonav/render: the CPU ray caster behind the tasks' sensors, to render a scene without an env —
 * camera frames, lidar scans, PNG files.
 */

// A SceneSpec flattened once for ray casting; every sensor renders from it.
export { RenderScene, type RenderSceneOptions } from './RenderScene.js';

// The sensors: a pinhole camera (RGB, depth, semantic) into frame buffers you hand it, and a planar lidar.
export { allocateFrame, Camera, DEFAULT_CAMERA, type CameraConfig, type CameraFrame } from './Camera.js';
export { DEFAULT_LIDAR, Lidar, type LidarConfig } from './Lidar.js';

// The blank-camera guard: a frame of one value means the camera sees nothing (inside a wall, a broken scene).
export { assertNotBlank, isBlankFrame } from './blank.js';

// Frames as images: PNG encoding and the colour maps of depth and semantic frames.
export { decodePng, depthToRgb, encodePng, saliencyOverlay, semanticToRgb } from './png.js';

// Video files: RGBA frames, a bitmap-font HUD, GIF (gifenc) and MP4 (ffmpeg) encoders behind one atomic file writer.
export { createImage, fillRect, scaleNearestInto, type Rgb, type RgbaImage } from './video/raster.js';
export { drawText, GLYPH_HEIGHT, GLYPH_WIDTH, textWidth } from './video/bitmapFont.js';
export { drawHud, hudScale, type HudStyle } from './video/hud.js';
export { GifEncoder, MAX_GIF_FPS } from './video/GifEncoder.js';
export { FFMPEG_INSTALL, findExecutable, findFfmpeg, Mp4Encoder, type Mp4Options } from './video/Mp4Encoder.js';
export {
  VIDEO_FORMATS,
  VideoFile,
  videoFormatOf,
  type VideoFileOptions,
  type VideoFileSummary,
  type VideoFormat,
} from './video/VideoFile.js';
