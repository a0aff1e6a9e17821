/** esbuild bundles imported CSS into dist/viewer/viewer.css; the import itself has no value. */
declare module '*.css';
